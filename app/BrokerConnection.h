#pragma once

#include <chrono>
#include <optional>

#include <QtCore/QObject>
#include <QtCore/QTimer>

#include "app/AdminClient.h"
#include "app/ExponentialBackoff.h"

namespace sb::app {

// One broker of the sidebar, kept connected: it fetches the overview, holds the stats stream
// open, refreshes the overview now and then, and after any failure tries again with
// exponential backoff, saying at each moment which state it is in and why.
class BrokerConnection : public QObject
{
    Q_OBJECT

public:
    enum class State
    {
        Disconnected, // no endpoint, or told to stop
        Connecting,   // first attempt since setEndpoint()/reconnectNow()
        Connected,    // the stream delivers frames
        Unreachable,  // the last attempt could not reach the broker; retrying
        Unauthorized, // the broker refused the token; retrying (it may be changed meanwhile)
        Failed,       // TLS, HTTP or protocol error; retrying
    };
    Q_ENUM(State)

    static constexpr std::chrono::milliseconds kOverviewRefresh{5000};

    explicit BrokerConnection(QString id, QObject* parent = nullptr);

    const QString& id() const { return m_id; }

    // Connects to `endpoint` (dropping any current connection).
    void setEndpoint(const AdminEndpoint& endpoint);
    // Stops connecting and forgets the latest frame: the state becomes Disconnected.
    void disconnectFromBroker();
    // Tries again now, with the backoff reset (the user pressed F5).
    void reconnectNow();

    void setBackoff(const ExponentialBackoff& backoff) { m_backoff = backoff; }
    void setOverviewRefreshInterval(std::chrono::milliseconds interval);
    AdminClient& client() { return m_client; }

    State state() const { return m_state; }
    bool hasEndpoint() const { return m_hasEndpoint; }
    const AdminError& lastError() const { return m_lastError; }
    const std::optional<StatsFrame>& latestFrame() const { return m_latestFrame; }
    const std::optional<Overview>& overview() const { return m_overview; }
    // Time left until the next attempt, or nullopt if none is scheduled.
    std::optional<std::chrono::milliseconds> nextAttemptIn() const;
    // Attempts made since the last success (for the UI and the tests).
    int failedAttempts() const { return m_failedAttempts; }

    static QString stateName(State state);

Q_SIGNALS:
    void stateChanged(sb::app::BrokerConnection::State state);
    void frameReceived(const sb::app::StatsFrame& frame);
    void overviewChanged(const sb::app::Overview& overview);
    // Every failed attempt, also those that leave the state as it was (the error may differ).
    void attemptFailed(const sb::app::AdminError& error);

private:
    void attempt();
    void onOverview(const AdminResult<Overview>& result, quint64 attemptId);
    void refreshOverview();
    void fail(const AdminError& error);
    void setState(State state);

    QString m_id;
    AdminClient m_client;
    ExponentialBackoff m_backoff;
    QTimer m_retry;
    QTimer m_refresh;
    State m_state = State::Disconnected;
    bool m_hasEndpoint = false;
    AdminError m_lastError;
    std::optional<StatsFrame> m_latestFrame;
    std::optional<Overview> m_overview;
    int m_failedAttempts = 0;
    // Identifies the attempt an overview answer belongs to; older answers are ignored.
    quint64 m_attemptId = 0;
};

} // namespace sb::app
