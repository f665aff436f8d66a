#pragma once

#include <QtWidgets/QDialog>

#include "app/EmbeddedBrokerSettings.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace sb::app {
class Console;
}

namespace sb::ui {

// The Local broker's settings: whether it starts with the console, its ports, where its data
// lives and how durable it is, with a Start/Stop button and its state in words.
class SettingsDialog : public QDialog
{
    Q_OBJECT

public:
    explicit SettingsDialog(app::Console& console, QWidget* parent = nullptr);

    // What the widgets say now.
    app::EmbeddedBrokerSettings settings() const;
    // Saves, and restarts the broker if it runs with other settings.
    void apply();

private:
    void load(const app::EmbeddedBrokerSettings& settings);
    void updateState();
    void updateDurabilityHelp();

    app::Console& m_console;
    QCheckBox* m_autoStart;
    QSpinBox* m_port;
    QSpinBox* m_adminPort;
    QLineEdit* m_dataDirectory;
    QComboBox* m_durability;
    QLabel* m_durabilityHelp;
    QSpinBox* m_workers;
    QLabel* m_state;
    QPushButton* m_startStop;
};

} // namespace sb::ui
