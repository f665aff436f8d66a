#include "ui/MainWindow.h"

#include <QtGui/QAction>
#include <QtGui/QCloseEvent>
#include <QtGui/QKeySequence>
#include <QtWidgets/QApplication>
#include <QtWidgets/QDockWidget>
#include <QtWidgets/QLabel>
#include <QtWidgets/QListView>
#include <QtWidgets/QMenu>
#include <QtWidgets/QMenuBar>
#include <QtWidgets/QMessageBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QStackedWidget>
#include <QtWidgets/QStatusBar>
#include <QtWidgets/QToolBar>

#include "app/Console.h"
#include "ui/BrokerListDelegate.h"
#include "ui/Icons.h"
#include "ui/LogPane.h"
#include "ui/OverviewPage.h"
#include "ui/ProfileDialog.h"
#include "ui/SettingsDialog.h"
#include "ui/ThemeColors.h"

namespace sb::ui {

namespace {

using app::BrokerListModel;

bool isRunningOrStarting(app::EmbeddedBroker::State state)
{
    return state == app::EmbeddedBroker::State::Running ||
           state == app::EmbeddedBroker::State::Starting;
}

} // namespace

MainWindow::MainWindow(app::Console& console, QWidget* parent)
    : QMainWindow(parent)
    , m_console(console)
    , m_splitter(new QSplitter(this))
    , m_sidebar(new QListView(m_splitter))
    , m_pages(new QStackedWidget(m_splitter))
    , m_overview(new OverviewPage(console, m_pages))
    , m_logDock(new QDockWidget(tr("Local broker log"), this))
    , m_logPane(new LogPane(console.log(), m_logDock))
    , m_stateLabel(new QLabel(this))
    , m_versionLabel(new QLabel(this))
    , m_portLabel(new QLabel(this))
{
    Icons::initResources();
    setWindowTitle(tr("Switchboard"));
    setWindowIcon(Icons::application());
    setObjectName(QStringLiteral("mainWindow"));

    m_sidebar->setObjectName(QStringLiteral("sidebar"));
    m_sidebar->setModel(&m_console.brokers());
    m_sidebar->setItemDelegate(new BrokerListDelegate(m_sidebar));
    m_sidebar->setSelectionMode(QAbstractItemView::SingleSelection);
    m_sidebar->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_sidebar->setMinimumWidth(180);
    m_sidebar->setFrameShape(QFrame::NoFrame);
    m_pages->addWidget(m_overview);
    m_splitter->addWidget(m_sidebar);
    m_splitter->addWidget(m_pages);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setChildrenCollapsible(false);
    setCentralWidget(m_splitter);

    m_logDock->setObjectName(QStringLiteral("logDock"));
    m_logDock->setWidget(m_logPane);
    addDockWidget(Qt::BottomDockWidgetArea, m_logDock);

    m_stateLabel->setObjectName(QStringLiteral("statusState"));
    m_stateLabel->setTextFormat(Qt::RichText);
    m_versionLabel->setObjectName(QStringLiteral("statusVersion"));
    m_portLabel->setObjectName(QStringLiteral("statusPort"));
    statusBar()->addWidget(m_stateLabel, 1);
    statusBar()->addPermanentWidget(m_portLabel);
    statusBar()->addPermanentWidget(m_versionLabel);
    for (const QString& problem : m_console.problems()) {
        auto* label = new QLabel(problem, this);
        label->setStyleSheet(
            QStringLiteral("color: %1").arg(ThemeColors::warning(palette()).name()));
        statusBar()->addPermanentWidget(label);
    }

    createActions();
    createMenus();

    connect(m_sidebar->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &MainWindow::onSelectionChanged);
    connect(&m_console.brokers(), &QAbstractItemModel::dataChanged, this,
            &MainWindow::updateStatusBar);
    connect(&m_console.brokers(), &QAbstractItemModel::rowsRemoved, this, [this] {
        if (!m_sidebar->currentIndex().isValid()) {
            selectBroker(app::Console::kLocalBrokerId);
        }
    });
    connect(&m_console.embeddedBroker(), &app::EmbeddedBroker::stateChanged, this, [this] {
        updateActions();
        updateStatusBar();
    });
    connect(&m_console.profiles(), &app::ConnectionProfileStore::keychainStateChanged, this,
            &MainWindow::updateStatusBar);
    connect(m_logPane, &LogPane::minimumLevelChanged, this, [this](int level) {
        m_console.settings().setLogMinimumLevel(static_cast<app::LogLine::Level>(level));
    });
    // The status line counts down to the next attempt of an unreachable broker.
    m_statusTimer.setInterval(1000);
    connect(&m_statusTimer, &QTimer::timeout, this, &MainWindow::updateStatusBar);
    m_statusTimer.start();

    restoreLayout();
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    m_overviewAction = new QAction(Icons::get(QStringLiteral("overview")), tr("&Overview"), this);
    m_overviewAction->setShortcut(QKeySequence(tr("Ctrl+1")));
    m_overviewAction->setCheckable(true);
    m_overviewAction->setChecked(true);
    connect(m_overviewAction, &QAction::triggered, this, [this] {
        m_pages->setCurrentWidget(m_overview);
        m_overviewAction->setChecked(true);
    });

    m_newAction = new QAction(Icons::get(QStringLiteral("add")), tr("&New Remote Broker…"), this);
    m_newAction->setShortcut(QKeySequence::New);
    m_newAction->setToolTip(tr("Add a remote broker (%1)")
                                .arg(m_newAction->shortcut().toString(QKeySequence::NativeText)));
    connect(m_newAction, &QAction::triggered, this, &MainWindow::newBroker);

    m_editAction = new QAction(Icons::get(QStringLiteral("edit")), tr("&Edit Broker…"), this);
    m_editAction->setShortcut(QKeySequence(tr("Ctrl+E")));
    connect(m_editAction, &QAction::triggered, this, &MainWindow::editBroker);

    m_removeAction = new QAction(Icons::get(QStringLiteral("remove")), tr("&Remove Broker"), this);
    m_removeAction->setShortcut(QKeySequence::Delete);
    m_removeAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_sidebar->addAction(m_removeAction);
    connect(m_removeAction, &QAction::triggered, this, &MainWindow::removeBroker);

    m_reconnectAction =
        new QAction(Icons::get(QStringLiteral("reconnect")), tr("Re&connect"), this);
    m_reconnectAction->setShortcut(QKeySequence(Qt::Key_F5));
    connect(m_reconnectAction, &QAction::triggered, this, &MainWindow::reconnect);

    m_startStopAction =
        new QAction(Icons::get(QStringLiteral("start")), tr("&Start Local Broker"), this);
    m_startStopAction->setShortcut(QKeySequence(tr("Ctrl+Shift+R")));
    connect(m_startStopAction, &QAction::triggered, this, [this] {
        if (isRunningOrStarting(m_console.embeddedBroker().state())) {
            m_console.stopEmbedded();
        } else {
            m_console.startEmbedded();
        }
    });

    m_settingsAction = new QAction(Icons::get(QStringLiteral("settings")), tr("&Settings…"), this);
    m_settingsAction->setShortcut(QKeySequence(tr("Ctrl+,")));
    m_settingsAction->setMenuRole(QAction::PreferencesRole);
    connect(m_settingsAction, &QAction::triggered, this, &MainWindow::showSettings);

    m_logAction = m_logDock->toggleViewAction();
    m_logAction->setIcon(Icons::get(QStringLiteral("log")));
    m_logAction->setText(tr("&Log"));
    m_logAction->setShortcut(QKeySequence(tr("Ctrl+L")));

    m_quitAction = new QAction(tr("&Quit"), this);
    // Spelled out: QKeySequence::Quit is empty on platforms without a theme (offscreen).
    m_quitAction->setShortcut(QKeySequence(tr("Ctrl+Q")));
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    m_aboutAction =
        new QAction(Icons::get(QStringLiteral("about")), tr("&About Switchboard"), this);
    m_aboutAction->setMenuRole(QAction::AboutRole);
    connect(m_aboutAction, &QAction::triggered, this, [this] {
        QMessageBox::about(
            this, tr("About Switchboard"),
            tr("<h3>Switchboard %1</h3><p>An MQTT 3.1.1 and 5.0 broker and its console.</p>"
               "<p>The Local broker runs inside this window; remote brokers are reached "
               "through their admin API.</p>")
                .arg(QCoreApplication::applicationVersion()));
    });

    m_sidebar->addAction(m_editAction);
    m_sidebar->addAction(m_reconnectAction);
}

void MainWindow::createMenus()
{
    QMenu* broker = menuBar()->addMenu(tr("&Broker"));
    broker->addAction(m_newAction);
    broker->addAction(m_editAction);
    broker->addAction(m_removeAction);
    broker->addSeparator();
    broker->addAction(m_reconnectAction);
    broker->addAction(m_startStopAction);
    broker->addSeparator();
    broker->addAction(m_settingsAction);
    broker->addSeparator();
    broker->addAction(m_quitAction);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_overviewAction);
    view->addAction(m_logAction);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_aboutAction);

    QToolBar* tools = addToolBar(tr("Main"));
    tools->setObjectName(QStringLiteral("mainToolBar"));
    tools->setMovable(false);
    tools->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    tools->addAction(m_overviewAction);
    tools->addSeparator();
    tools->addAction(m_newAction);
    tools->addAction(m_editAction);
    tools->addAction(m_reconnectAction);
    tools->addAction(m_startStopAction);
    tools->addSeparator();
    tools->addAction(m_settingsAction);
    tools->addAction(m_logAction);
}

void MainWindow::restoreLayout()
{
    app::AppSettings& settings = m_console.settings();
    if (!restoreGeometry(settings.windowGeometry())) {
        resize(1360, 860);
    }
    restoreState(settings.windowState());
    if (!m_splitter->restoreState(settings.splitterState())) {
        m_splitter->setSizes({230, 1130});
    }
    m_logDock->setVisible(settings.logPaneVisible());
    m_logPane->setMinimumLevel(settings.logMinimumLevel());
    const QString selected = settings.selectedBroker();
    selectBroker(m_console.brokers().indexOf(selected).isValid() ? selected
                                                                 : app::Console::kLocalBrokerId);
    updateActions();
    updateStatusBar();
}

void MainWindow::saveLayout()
{
    app::AppSettings& settings = m_console.settings();
    settings.setWindowGeometry(saveGeometry());
    settings.setWindowState(saveState());
    settings.setSplitterState(m_splitter->saveState());
    settings.setLogPaneVisible(m_logDock->isVisible());
    settings.setSelectedBroker(selectedBroker());
    settings.sync();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveLayout();
    event->accept();
}

QString MainWindow::selectedBroker() const
{
    return m_sidebar->currentIndex().data(BrokerListModel::IdRole).toString();
}

void MainWindow::selectBroker(const QString& brokerId)
{
    const QModelIndex index = m_console.brokers().indexOf(brokerId);
    if (index.isValid()) {
        m_sidebar->setCurrentIndex(index);
    }
}

void MainWindow::onSelectionChanged()
{
    m_overview->showBroker(selectedBroker());
    updateActions();
    updateStatusBar();
}

void MainWindow::updateActions()
{
    const QModelIndex current = m_sidebar->currentIndex();
    const bool remote = current.isValid() && current.data(BrokerListModel::KindRole).toInt() ==
                                                 static_cast<int>(BrokerListModel::Kind::Remote);
    m_editAction->setEnabled(remote);
    m_removeAction->setEnabled(remote);
    m_reconnectAction->setEnabled(current.isValid());
    const auto state = m_console.embeddedBroker().state();
    const bool running = isRunningOrStarting(state);
    m_startStopAction->setText(running ? tr("&Stop Local Broker") : tr("&Start Local Broker"));
    m_startStopAction->setIcon(
        Icons::get(running ? QStringLiteral("stop") : QStringLiteral("start")));
    m_startStopAction->setEnabled(state != app::EmbeddedBroker::State::Stopping);
}

void MainWindow::updateStatusBar()
{
    const QModelIndex current = m_sidebar->currentIndex();
    if (!current.isValid()) {
        m_stateLabel->clear();
        m_versionLabel->clear();
        m_portLabel->clear();
        return;
    }
    const QString id = current.data(BrokerListModel::IdRole).toString();
    const auto state =
        static_cast<app::BrokerConnection::State>(current.data(BrokerListModel::StateRole).toInt());
    QString text =
        QStringLiteral("<span style=\"color:%1\">●</span> <b>%2</b>: %3")
            .arg(ThemeColors::state(state, palette()).name(),
                 current.data(Qt::DisplayRole).toString().toHtmlEscaped(),
                 current.data(BrokerListModel::StateTextRole).toString().toHtmlEscaped());
    const QString error = current.data(BrokerListModel::ErrorTextRole).toString();
    if (!error.isEmpty()) {
        text += QStringLiteral(" — ") + error.toHtmlEscaped();
    }
    if (const app::BrokerConnection* c = m_console.brokers().connection(id)) {
        if (const auto next = c->nextAttemptIn()) {
            text +=
                QLatin1Char(' ') + tr("(next attempt in %1 s)").arg((next->count() + 999) / 1000);
        }
    }
    m_stateLabel->setText(text);

    const QString version = current.data(BrokerListModel::VersionRole).toString();
    m_versionLabel->setText(version.isEmpty() ? QString() : tr("Switchboard %1").arg(version));

    const app::EmbeddedBroker& local = m_console.embeddedBroker();
    if (id == app::Console::kLocalBrokerId &&
        local.state() == app::EmbeddedBroker::State::Running) {
        m_portLabel->setText(local.mqttPort() == local.requestedMqttPort()
                                 ? tr("MQTT on 127.0.0.1:%1").arg(local.mqttPort())
                                 : tr("MQTT on 127.0.0.1:%1 (port %2 was taken)")
                                       .arg(local.mqttPort())
                                       .arg(local.requestedMqttPort()));
    } else if (id != app::Console::kLocalBrokerId &&
               m_console.profiles().keychainState() ==
                   app::ConnectionProfileStore::KeychainState::Unavailable) {
        m_portLabel->setText(tr("Token kept in the profile database (no keychain)"));
    } else {
        m_portLabel->clear();
    }
}

void MainWindow::newBroker()
{
    ProfileDialog dialog(m_console.profiles(), 0, this);
    if (dialog.exec() == QDialog::Accepted) {
        selectBroker(app::Console::remoteBrokerId(dialog.savedId()));
    }
}

void MainWindow::editBroker()
{
    const qint64 profileId =
        m_sidebar->currentIndex().data(BrokerListModel::ProfileIdRole).toLongLong();
    if (profileId == 0) {
        return;
    }
    ProfileDialog dialog(m_console.profiles(), profileId, this);
    dialog.exec();
}

void MainWindow::removeBroker()
{
    const QModelIndex current = m_sidebar->currentIndex();
    const qint64 profileId = current.data(BrokerListModel::ProfileIdRole).toLongLong();
    if (profileId == 0) {
        return;
    }
    const auto answer = QMessageBox::question(
        this, tr("Remove broker"),
        tr("Remove \"%1\" and its metric history? The broker itself is not affected.")
            .arg(current.data(Qt::DisplayRole).toString()));
    if (answer != QMessageBox::Yes) {
        return;
    }
    QString error;
    if (!m_console.profiles().remove(profileId, &error)) {
        QMessageBox::warning(this, tr("Remove broker"), error);
    }
}

void MainWindow::reconnect()
{
    m_console.reconnect(selectedBroker());
}

void MainWindow::showSettings()
{
    SettingsDialog dialog(m_console, this);
    dialog.exec();
}

} // namespace sb::ui
