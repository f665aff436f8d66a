#include "app/Console.h"

namespace sb::app {

namespace {

QString localDetail(quint16 port)
{
    return port == 0 ? QString() : QStringLiteral("mqtt://127.0.0.1:%1").arg(port);
}

} // namespace

Console::Console(Parts parts, QObject* parent)
    : QObject(parent)
    , m_settings(std::move(parts.settings))
    , m_profiles(std::move(parts.profiles))
    , m_history(std::move(parts.history))
{
    m_brokers.addBroker(kLocalBrokerId, BrokerListModel::Kind::Local, tr("Local broker"), {});
    m_brokers.setStatusOverride(kLocalBrokerId, tr("Stopped"));

    connect(&m_embedded, &EmbeddedBroker::stateChanged, this, &Console::onEmbeddedStateChanged);
    connect(&m_embedded, &EmbeddedBroker::logLinesArrived, this,
            [this](const QList<LogLine>& lines, int dropped) {
                m_log.append(lines, static_cast<std::size_t>(dropped));
            });
    connect(&m_brokers, &BrokerListModel::frameReceived, this,
            [this](const QString& id, const StatsFrame& frame) {
                m_history->record(id, MetricSample::fromFrame(frame));
            });

    connect(m_profiles.get(), &ConnectionProfileStore::profileAdded, this, &Console::addProfile);
    connect(m_profiles.get(), &ConnectionProfileStore::profileChanged, this,
            &Console::updateProfile);
    connect(m_profiles.get(), &ConnectionProfileStore::profileRemoved, this, [this](qint64 id) {
        m_brokers.removeBroker(remoteBrokerId(id));
        m_history->removeBroker(remoteBrokerId(id));
    });
}

Console::~Console()
{
    m_history->flush();
}

QString Console::remoteBrokerId(qint64 profileId)
{
    return QStringLiteral("profile-%1").arg(profileId);
}

void Console::open(const QString& profileDatabase, const QString& metricDatabase)
{
    QString error;
    if (!m_history->open(metricDatabase, &error)) {
        m_problems.append(tr("Metric history unavailable (%1): %2").arg(metricDatabase, error));
    }
    if (!m_profiles->open(profileDatabase, &error)) {
        m_problems.append(tr("Saved brokers unavailable (%1): %2").arg(profileDatabase, error));
        return;
    }
    m_profiles->detectKeychain();
    const QList<ConnectionProfile> saved = m_profiles->profiles();
    for (const ConnectionProfile& profile : saved) {
        addProfile(profile.id);
    }
}

void Console::startAutomatically()
{
    if (m_settings->embeddedBroker().startAutomatically) {
        startEmbedded();
    }
}

void Console::applyEmbeddedSettings(const EmbeddedBrokerSettings& settings, bool run)
{
    m_settings->setEmbeddedBroker(settings);
    m_settings->sync();
    if (!run) {
        stopEmbedded();
        return;
    }
    // Saving unchanged settings must not drop every client of a running broker.
    if (m_embedded.state() == EmbeddedBroker::State::Running && m_embedded.settings() == settings) {
        return;
    }
    m_embedded.restart(settings);
}

void Console::startEmbedded()
{
    m_embedded.start(m_settings->embeddedBroker());
}

void Console::stopEmbedded()
{
    m_embedded.stop();
}

void Console::reconnect(const QString& brokerId)
{
    if (brokerId == kLocalBrokerId && (m_embedded.state() == EmbeddedBroker::State::Stopped ||
                                       m_embedded.state() == EmbeddedBroker::State::Failed)) {
        startEmbedded();
        return;
    }
    if (BrokerConnection* c = m_brokers.connection(brokerId)) {
        c->reconnectNow();
    }
}

void Console::onEmbeddedStateChanged(EmbeddedBroker::State state)
{
    BrokerConnection* local = m_brokers.connection(kLocalBrokerId);
    switch (state) {
    case EmbeddedBroker::State::Running:
        m_brokers.updateBroker(kLocalBrokerId, tr("Local broker"),
                               localDetail(m_embedded.mqttPort()));
        m_brokers.setStatusOverride(kLocalBrokerId, {});
        local->setEndpoint(m_embedded.adminEndpoint());
        return;
    case EmbeddedBroker::State::Starting:
        m_brokers.setStatusOverride(kLocalBrokerId, tr("Starting"));
        break;
    case EmbeddedBroker::State::Stopping:
        m_brokers.setStatusOverride(kLocalBrokerId, tr("Stopping"));
        break;
    case EmbeddedBroker::State::Stopped:
        m_brokers.setStatusOverride(kLocalBrokerId, tr("Stopped"));
        break;
    case EmbeddedBroker::State::Failed:
        m_brokers.setStatusOverride(kLocalBrokerId,
                                    tr("Failed to start: %1").arg(m_embedded.errorText()));
        break;
    }
    local->disconnectFromBroker();
    m_brokers.updateBroker(kLocalBrokerId, tr("Local broker"), {});
}

void Console::addProfile(qint64 id)
{
    const auto profile = m_profiles->profile(id);
    if (!profile) {
        return;
    }
    m_brokers.addBroker(remoteBrokerId(id), BrokerListModel::Kind::Remote, profile->name,
                        profile->endpoint.url.toDisplayString(), id);
    connectProfile(*profile);
}

void Console::updateProfile(qint64 id)
{
    const auto profile = m_profiles->profile(id);
    if (!profile) {
        return;
    }
    const QString brokerId = remoteBrokerId(id);
    if (m_brokers.connection(brokerId) == nullptr) {
        addProfile(id);
        return;
    }
    m_brokers.updateBroker(brokerId, profile->name, profile->endpoint.url.toDisplayString());
    connectProfile(*profile);
}

void Console::connectProfile(const ConnectionProfile& profile)
{
    const QString brokerId = remoteBrokerId(profile.id);
    m_profiles->token(
        profile.id, this,
        [this, brokerId, profile](std::optional<QString> token, const QString& error) {
            BrokerConnection* c = m_brokers.connection(brokerId);
            if (c == nullptr) {
                return; // removed meanwhile
            }
            if (!token) {
                c->disconnectFromBroker();
                m_brokers.setStatusOverride(brokerId, tr("Token unavailable: %1").arg(error));
                return;
            }
            AdminEndpoint endpoint = profile.endpoint;
            endpoint.token = *token;
            m_brokers.setStatusOverride(brokerId, {});
            // A profile saved with the same endpoint (a token moved to the
            // keychain, say) keeps its live connection.
            if (!c->hasEndpoint() || c->client().endpoint() != endpoint) {
                c->setEndpoint(endpoint);
            }
        });
}

} // namespace sb::app
