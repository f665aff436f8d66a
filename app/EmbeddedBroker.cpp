#include "app/EmbeddedBroker.h"

#include <algorithm>

#include <QtCore/QDir>
#include <QtCore/QStandardPaths>

#include "app/LogBuffer.h"
#include "broker/facade/EmbeddedBrokerHost.h"

namespace sb::app {

namespace {

using Host = facade::EmbeddedBrokerHost;

// Log batches reach the GUI at most this often, however fast the broker logs.
constexpr int kLogBatchIntervalMs = 50;

Host::Durability toHost(EmbeddedBrokerSettings::Durability durability)
{
    switch (durability) {
    case EmbeddedBrokerSettings::Durability::Sync:
        return Host::Durability::Sync;
    case EmbeddedBrokerSettings::Durability::Async:
        return Host::Durability::Async;
    case EmbeddedBrokerSettings::Durability::Memory:
        break;
    }
    return Host::Durability::Memory;
}

LogLine::Level toLevel(int level)
{
    return static_cast<LogLine::Level>(std::clamp(level, 0, static_cast<int>(LogLine::Critical)));
}

} // namespace

EmbeddedBroker::EmbeddedBroker(QObject* parent)
    : QObject(parent)
    , m_logBuffer(std::make_shared<LogBuffer>())
{
    // Called on broker threads: it only touches the thread-safe buffer and queues a call.
    auto sink = [this, buffer = m_logBuffer](int level, std::string line) {
        if (buffer->push(LogLine{toLevel(level), QString::fromStdString(line)})) {
            QMetaObject::invokeMethod(this, &EmbeddedBroker::scheduleDrain, Qt::QueuedConnection);
        }
    };
    m_host = std::make_unique<Host>(std::move(sink));
    m_drainTimer.setSingleShot(true);
    m_drainTimer.setInterval(kLogBatchIntervalMs);
    connect(&m_drainTimer, &QTimer::timeout, this, &EmbeddedBroker::drainLog);
}

EmbeddedBroker::~EmbeddedBroker()
{
    joinControl();
    // The host's threads call back into this object; stop them while it is still whole.
    m_host->stop();
}

QString EmbeddedBroker::defaultDataDirectory()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("broker"));
}

QString EmbeddedBroker::version()
{
    return QString::fromStdString(Host::version());
}

void EmbeddedBroker::start(const EmbeddedBrokerSettings& settings)
{
    if (m_state == State::Stopping) {
        m_pendingStart = settings;
        return;
    }
    if (m_state != State::Stopped && m_state != State::Failed) {
        return;
    }
    m_settings = settings;
    if (m_settings.dataDirectory.isEmpty()) {
        m_settings.dataDirectory = defaultDataDirectory();
    }
    launchStart();
}

void EmbeddedBroker::restart(const EmbeddedBrokerSettings& settings)
{
    if (m_state == State::Running || m_state == State::Starting) {
        m_pendingStart = settings;
        stop();
        return;
    }
    start(settings);
}

void EmbeddedBroker::launchStart()
{
    joinControl();
    m_errorText.clear();
    setState(State::Starting);

    Host::Options options;
    options.port = m_settings.mqttPort;
    options.adminPort = m_settings.adminPort;
    options.dataDirectory = m_settings.dataDirectory.toStdString();
    options.durability = toHost(m_settings.durability);
    options.workers = static_cast<unsigned>(std::max(m_settings.workers, 0));
    m_control = std::thread([this, options] {
        Outcome outcome;
        std::string error;
        outcome.ok = m_host->start(options, &error);
        outcome.error = QString::fromStdString(error);
        if (outcome.ok) {
            outcome.mqttPort = m_host->mqttPort();
            outcome.adminUrl = QString::fromStdString(m_host->adminUrl());
            outcome.token = QString::fromStdString(m_host->adminToken());
        }
        QMetaObject::invokeMethod(
            this, [this, outcome] { onStarted(outcome); }, Qt::QueuedConnection);
    });
}

void EmbeddedBroker::onStarted(const Outcome& outcome)
{
    joinControl();
    if (!outcome.ok) {
        m_errorText = outcome.error;
        m_mqttPort = 0;
        m_endpoint = {};
        setState(State::Failed);
        return;
    }
    m_mqttPort = outcome.mqttPort;
    m_endpoint = AdminEndpoint{};
    m_endpoint.url = QUrl(outcome.adminUrl);
    m_endpoint.token = outcome.token;
    setState(State::Running);
    if (m_pendingStart) {
        // Settings changed while starting: apply them now.
        stop();
    }
}

void EmbeddedBroker::stop()
{
    if (m_state != State::Running) {
        return;
    }
    joinControl();
    setState(State::Stopping);
    m_control = std::thread([this] {
        m_host->stop();
        QMetaObject::invokeMethod(this, &EmbeddedBroker::onStopped, Qt::QueuedConnection);
    });
}

void EmbeddedBroker::onStopped()
{
    joinControl();
    m_mqttPort = 0;
    m_endpoint = {};
    setState(State::Stopped);
    if (m_pendingStart) {
        const EmbeddedBrokerSettings next = *m_pendingStart;
        m_pendingStart.reset();
        start(next);
    }
}

void EmbeddedBroker::scheduleDrain()
{
    if (!m_drainTimer.isActive()) {
        m_drainTimer.start();
    }
}

void EmbeddedBroker::drainLog()
{
    std::size_t dropped = 0;
    const QList<LogLine> lines = m_logBuffer->take(&dropped);
    if (!lines.isEmpty() || dropped > 0) {
        Q_EMIT logLinesArrived(lines, static_cast<int>(dropped));
    }
}

void EmbeddedBroker::joinControl()
{
    if (m_control.joinable()) {
        m_control.join();
    }
}

void EmbeddedBroker::setState(State state)
{
    if (state == m_state) {
        return;
    }
    m_state = state;
    Q_EMIT stateChanged(state);
}

} // namespace sb::app
