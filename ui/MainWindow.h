#pragma once

#include <QtCore/QTimer>
#include <QtWidgets/QMainWindow>

class QAction;
class QDockWidget;
class QLabel;
class QListView;
class QSplitter;
class QStackedWidget;

namespace sb::app {
class Console;
}

namespace sb::ui {

class LogPane;
class OverviewPage;

// The console's window: the brokers in a sidebar (the Local broker first), the selected
// broker's pages, the Local broker's log in a dock, and a status bar with the selected
// broker's state and version. Actions have shortcuts; geometry and layout are remembered.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(app::Console& console, QWidget* parent = nullptr);
    ~MainWindow() override;

    QString selectedBroker() const;
    void selectBroker(const QString& brokerId);
    OverviewPage* overviewPage() const { return m_overview; }
    LogPane* logPane() const { return m_logPane; }
    QListView* sidebar() const { return m_sidebar; }
    QLabel* stateLabel() const { return m_stateLabel; }

public Q_SLOTS:
    void newBroker();
    void editBroker();
    void removeBroker();
    void reconnect();
    void showSettings();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
    void createMenus();
    void restoreLayout();
    void saveLayout();
    void onSelectionChanged();
    void updateActions();
    void updateStatusBar();

    app::Console& m_console;
    QSplitter* m_splitter;
    QListView* m_sidebar;
    QStackedWidget* m_pages;
    OverviewPage* m_overview;
    QDockWidget* m_logDock;
    LogPane* m_logPane;
    QLabel* m_stateLabel;
    QLabel* m_versionLabel;
    QLabel* m_portLabel;
    QTimer m_statusTimer;

    QAction* m_overviewAction = nullptr;
    QAction* m_newAction = nullptr;
    QAction* m_editAction = nullptr;
    QAction* m_removeAction = nullptr;
    QAction* m_reconnectAction = nullptr;
    QAction* m_startStopAction = nullptr;
    QAction* m_settingsAction = nullptr;
    QAction* m_logAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_aboutAction = nullptr;
};

} // namespace sb::ui
