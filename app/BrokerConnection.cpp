#include "app/BrokerConnection.h"

namespace sb::app {

BrokerConnection::BrokerConnection(QString id, QObject* parent)
    : QObject(parent)
    , m_id(std::move(id))
    , m_client(this)
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &BrokerConnection::attempt);
    m_refresh.setInterval(kOverviewRefresh);
    connect(&m_refresh, &QTimer::timeout, this, &BrokerConnection::refreshOverview);

    connect(&m_client, &AdminClient::streamOpened, this, [this](const QString&) {
        m_backoff.reset();
        m_failedAttempts = 0;
        m_lastError = {};
        m_refresh.start();
        setState(State::Connected);
    });
    connect(&m_client, &AdminClient::statsReceived, this, [this](const StatsFrame& frame) {
        m_latestFrame = frame;
        Q_EMIT frameReceived(frame);
    });
    connect(&m_client, &AdminClient::streamClosed, this, &BrokerConnection::fail);
}

void BrokerConnection::setEndpoint(const AdminEndpoint& endpoint)
{
    m_client.setEndpoint(endpoint);
    m_hasEndpoint = true;
    m_latestFrame.reset();
    m_overview.reset();
    reconnectNow();
}

void BrokerConnection::disconnectFromBroker()
{
    ++m_attemptId;
    m_hasEndpoint = false;
    m_retry.stop();
    m_refresh.stop();
    m_client.closeStream();
    m_latestFrame.reset();
    m_lastError = {};
    m_failedAttempts = 0;
    setState(State::Disconnected);
}

void BrokerConnection::reconnectNow()
{
    if (!m_hasEndpoint) {
        return;
    }
    m_backoff.reset();
    m_failedAttempts = 0;
    m_retry.stop();
    m_refresh.stop();
    m_client.closeStream();
    setState(State::Connecting);
    attempt();
}

void BrokerConnection::setOverviewRefreshInterval(std::chrono::milliseconds interval)
{
    m_refresh.setInterval(interval);
}

std::optional<std::chrono::milliseconds> BrokerConnection::nextAttemptIn() const
{
    if (!m_retry.isActive()) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(m_retry.remainingTime());
}

void BrokerConnection::attempt()
{
    const quint64 attemptId = ++m_attemptId;
    m_client.fetchOverview(this, [this, attemptId](const AdminResult<Overview>& result) {
        onOverview(result, attemptId);
    });
}

void BrokerConnection::onOverview(const AdminResult<Overview>& result, quint64 attemptId)
{
    if (attemptId != m_attemptId) {
        return;
    }
    if (!result.ok()) {
        fail(result.error());
        return;
    }
    m_overview = result.value();
    Q_EMIT overviewChanged(*m_overview);
    m_client.openStream();
}

void BrokerConnection::refreshOverview()
{
    const quint64 attemptId = m_attemptId;
    m_client.fetchOverview(this, [this, attemptId](const AdminResult<Overview>& result) {
        if (attemptId != m_attemptId || m_state != State::Connected) {
            return;
        }
        if (result.ok()) {
            m_overview = result.value();
            Q_EMIT overviewChanged(*m_overview);
        } else if (result.error().kind() == AdminError::Kind::Unauthorized) {
            // The token was revoked under a live stream: say so rather than keep showing it.
            fail(result.error());
        }
        // Other failures are left to the stream, whose silence timeout notices a dead broker.
    });
}

void BrokerConnection::fail(const AdminError& error)
{
    ++m_attemptId;
    m_client.closeStream();
    m_refresh.stop();
    m_lastError = error;
    ++m_failedAttempts;
    switch (error.kind()) {
    case AdminError::Kind::Unreachable:
        setState(State::Unreachable);
        break;
    case AdminError::Kind::Unauthorized:
        setState(State::Unauthorized);
        break;
    default:
        setState(State::Failed);
        break;
    }
    if (m_hasEndpoint) {
        m_retry.start(m_backoff.next());
    }
    Q_EMIT attemptFailed(error);
}

void BrokerConnection::setState(State state)
{
    if (state == m_state) {
        return;
    }
    m_state = state;
    Q_EMIT stateChanged(state);
}

QString BrokerConnection::stateName(State state)
{
    switch (state) {
    case State::Disconnected:
        return tr("Disconnected");
    case State::Connecting:
        return tr("Connecting");
    case State::Connected:
        return tr("Connected");
    case State::Unreachable:
        return tr("Unreachable");
    case State::Unauthorized:
        return tr("Token refused");
    case State::Failed:
        return tr("Failed");
    }
    return {};
}

} // namespace sb::app
