#include "ui/SettingsDialog.h"

#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

#include "app/Console.h"
#include "ui/Icons.h"

namespace sb::ui {

namespace {

using Durability = app::EmbeddedBrokerSettings::Durability;

} // namespace

SettingsDialog::SettingsDialog(app::Console& console, QWidget* parent)
    : QDialog(parent)
    , m_console(console)
    , m_autoStart(new QCheckBox(tr("Start the Local broker when the console starts"), this))
    , m_port(new QSpinBox(this))
    , m_adminPort(new QSpinBox(this))
    , m_dataDirectory(new QLineEdit(this))
    , m_durability(new QComboBox(this))
    , m_durabilityHelp(new QLabel(this))
    , m_workers(new QSpinBox(this))
    , m_state(new QLabel(this))
    , m_startStop(new QPushButton(this))
{
    setWindowTitle(tr("Settings"));
    setObjectName(QStringLiteral("settingsDialog"));

    m_autoStart->setObjectName(QStringLiteral("autoStart"));
    m_port->setObjectName(QStringLiteral("mqttPort"));
    m_port->setRange(1, 65535);
    m_port->setToolTip(tr("If this port is taken, the next free one is used and shown."));
    m_adminPort->setObjectName(QStringLiteral("adminPort"));
    m_adminPort->setRange(0, 65535);
    m_adminPort->setSpecialValueText(tr("Any free port"));
    m_dataDirectory->setObjectName(QStringLiteral("dataDirectory"));
    m_durability->setObjectName(QStringLiteral("durability"));
    m_durability->addItem(tr("sync — acknowledge after the commit"),
                          static_cast<int>(Durability::Sync));
    m_durability->addItem(tr("async — acknowledge at once, commit shortly after"),
                          static_cast<int>(Durability::Async));
    m_durability->addItem(tr("memory — keep nothing on disk"),
                          static_cast<int>(Durability::Memory));
    m_durabilityHelp->setWordWrap(true);
    m_durabilityHelp->setForegroundRole(QPalette::PlaceholderText);
    m_workers->setObjectName(QStringLiteral("workers"));
    m_workers->setRange(0, 256);
    m_workers->setSpecialValueText(tr("One per core"));
    m_state->setObjectName(QStringLiteral("brokerState"));
    m_state->setWordWrap(true);
    m_state->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_startStop->setObjectName(QStringLiteral("startStop"));

    auto* browse = new QToolButton(this);
    browse->setText(tr("Browse…"));
    auto* folder = new QHBoxLayout;
    folder->addWidget(m_dataDirectory, 1);
    folder->addWidget(browse);

    auto* group = new QGroupBox(tr("Local broker"), this);
    auto* form = new QFormLayout(group);
    form->addRow(m_autoStart);
    form->addRow(tr("MQTT port:"), m_port);
    form->addRow(tr("Admin API port:"), m_adminPort);
    form->addRow(tr("Data folder:"), folder);
    form->addRow(tr("Durability:"), m_durability);
    form->addRow(QString(), m_durabilityHelp);
    form->addRow(tr("Worker threads:"), m_workers);

    auto* stateRow = new QHBoxLayout;
    stateRow->addWidget(m_state, 1);
    stateRow->addWidget(m_startStop);

    auto* buttons = new QDialogButtonBox(
        QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::Apply, this);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(group);
    layout->addLayout(stateRow);
    layout->addWidget(buttons);

    connect(browse, &QToolButton::clicked, this, [this] {
        const QString chosen = QFileDialog::getExistingDirectory(
            this, tr("Data folder of the Local broker"), m_dataDirectory->text());
        if (!chosen.isEmpty()) {
            m_dataDirectory->setText(chosen);
        }
    });
    connect(m_durability, &QComboBox::currentIndexChanged, this,
            &SettingsDialog::updateDurabilityHelp);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        apply();
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this,
            &SettingsDialog::apply);
    connect(m_startStop, &QPushButton::clicked, this, [this] {
        const auto state = m_console.embeddedBroker().state();
        const bool running = state == app::EmbeddedBroker::State::Running ||
                             state == app::EmbeddedBroker::State::Starting;
        m_console.applyEmbeddedSettings(settings(), !running);
    });
    connect(&m_console.embeddedBroker(), &app::EmbeddedBroker::stateChanged, this,
            &SettingsDialog::updateState);

    load(m_console.settings().embeddedBroker());
    updateState();
}

void SettingsDialog::load(const app::EmbeddedBrokerSettings& s)
{
    m_autoStart->setChecked(s.startAutomatically);
    m_port->setValue(s.mqttPort);
    m_adminPort->setValue(s.adminPort);
    m_dataDirectory->setText(s.dataDirectory.isEmpty() ? app::EmbeddedBroker::defaultDataDirectory()
                                                       : s.dataDirectory);
    m_durability->setCurrentIndex(m_durability->findData(static_cast<int>(s.durability)));
    m_workers->setValue(s.workers);
    updateDurabilityHelp();
}

app::EmbeddedBrokerSettings SettingsDialog::settings() const
{
    app::EmbeddedBrokerSettings s;
    s.startAutomatically = m_autoStart->isChecked();
    s.mqttPort = static_cast<quint16>(m_port->value());
    s.adminPort = static_cast<quint16>(m_adminPort->value());
    s.dataDirectory = m_dataDirectory->text().trimmed();
    s.durability = static_cast<Durability>(m_durability->currentData().toInt());
    s.workers = m_workers->value();
    return s;
}

void SettingsDialog::apply()
{
    const auto state = m_console.embeddedBroker().state();
    const bool running = state == app::EmbeddedBroker::State::Running ||
                         state == app::EmbeddedBroker::State::Starting;
    m_console.applyEmbeddedSettings(settings(), running);
}

void SettingsDialog::updateDurabilityHelp()
{
    switch (static_cast<Durability>(m_durability->currentData().toInt())) {
    case Durability::Sync:
        m_durabilityHelp->setText(tr("Nothing acknowledged is lost in a crash; each "
                                     "acknowledgement waits for a (grouped) disk write."));
        break;
    case Durability::Async:
        m_durabilityHelp->setText(tr("Fast; a crash may lose the last 100 ms of acknowledged "
                                     "messages. A good default for development."));
        break;
    case Durability::Memory:
        m_durabilityHelp->setText(
            tr("Sessions, queues and retained messages are gone when the broker stops."));
        break;
    }
}

void SettingsDialog::updateState()
{
    const app::EmbeddedBroker& broker = m_console.embeddedBroker();
    bool canStop = false;
    switch (broker.state()) {
    case app::EmbeddedBroker::State::Running:
        canStop = true;
        if (broker.mqttPort() != broker.requestedMqttPort()) {
            m_state->setText(tr("Running on port %1 (port %2 was taken).")
                                 .arg(broker.mqttPort())
                                 .arg(broker.requestedMqttPort()));
        } else {
            m_state->setText(tr("Running on port %1.").arg(broker.mqttPort()));
        }
        break;
    case app::EmbeddedBroker::State::Starting:
        canStop = true;
        m_state->setText(tr("Starting…"));
        break;
    case app::EmbeddedBroker::State::Stopping:
        m_state->setText(tr("Stopping…"));
        break;
    case app::EmbeddedBroker::State::Stopped:
        m_state->setText(tr("Stopped."));
        break;
    case app::EmbeddedBroker::State::Failed:
        m_state->setText(tr("Failed to start: %1").arg(broker.errorText()));
        break;
    }
    m_startStop->setText(canStop ? tr("Stop") : tr("Start"));
    m_startStop->setIcon(Icons::get(canStop ? QStringLiteral("stop") : QStringLiteral("start")));
    m_startStop->setEnabled(broker.state() != app::EmbeddedBroker::State::Stopping);
}

} // namespace sb::ui
