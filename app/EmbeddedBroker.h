#pragma once

#include <memory>
#include <optional>
#include <thread>

#include <QtCore/QObject>
#include <QtCore/QTimer>

#include "app/AdminEndpoint.h"
#include "app/EmbeddedBrokerSettings.h"
#include "app/LogLine.h"

namespace sb::facade {
class EmbeddedBrokerHost;
}

namespace sb::app {

class LogBuffer;

// The Local broker: the broker library, through its facade, running on its own threads inside
// the console. Starting (which may recover a large store) and stopping run on a helper thread
// so the window never freezes; the results, and the broker's log lines in bounded batches,
// come back to the GUI thread through queued calls. Broker threads never touch this QObject's
// state.
class EmbeddedBroker : public QObject
{
    Q_OBJECT

public:
    enum class State
    {
        Stopped,
        Starting,
        Running,
        Stopping,
        Failed, // the last start failed; errorText() says why
    };
    Q_ENUM(State)

    explicit EmbeddedBroker(QObject* parent = nullptr);
    // Stops the broker, waiting for it (a few seconds at most).
    ~EmbeddedBroker() override;

    // Starts with `settings` unless already running or starting. stateChanged() reports
    // Running or Failed.
    void start(const EmbeddedBrokerSettings& settings);
    // Stops, then starts again with `settings` (or just starts if stopped).
    void restart(const EmbeddedBrokerSettings& settings);
    void stop();

    State state() const { return m_state; }
    const QString& errorText() const { return m_errorText; }
    // While running: the ports in use; requestedMqttPort() differs when it was taken.
    quint16 mqttPort() const { return m_mqttPort; }
    quint16 requestedMqttPort() const { return m_settings.mqttPort; }
    // The admin URL and this run's token, for the console's AdminClient.
    const AdminEndpoint& adminEndpoint() const { return m_endpoint; }
    // The settings of the current (or last) run, with the data directory resolved.
    const EmbeddedBrokerSettings& settings() const { return m_settings; }

    // <app data>/broker: where the Local broker keeps its store unless told otherwise.
    static QString defaultDataDirectory();
    static QString version();

Q_SIGNALS:
    void stateChanged(sb::app::EmbeddedBroker::State state);
    // Batches of log lines (at most ~20 a second); `dropped` lines were lost before them.
    void logLinesArrived(const QList<sb::app::LogLine>& lines, int dropped);

private:
    struct Outcome
    {
        bool ok = false;
        QString error;
        quint16 mqttPort = 0;
        QString adminUrl;
        QString token;
    };

    void launchStart();
    void onStarted(const Outcome& outcome);
    void onStopped();
    void scheduleDrain();
    void drainLog();
    void joinControl();
    void setState(State state);

    std::shared_ptr<LogBuffer> m_logBuffer;
    std::unique_ptr<facade::EmbeddedBrokerHost> m_host;
    // Runs one start or stop at a time; joined before the next and in the destructor.
    std::thread m_control;
    QTimer m_drainTimer;

    State m_state = State::Stopped;
    EmbeddedBrokerSettings m_settings;
    std::optional<EmbeddedBrokerSettings> m_pendingStart;
    QString m_errorText;
    quint16 m_mqttPort = 0;
    AdminEndpoint m_endpoint;
};

} // namespace sb::app
