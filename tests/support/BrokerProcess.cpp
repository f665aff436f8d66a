#include "tests/support/BrokerProcess.h"

#include <algorithm>
#include <csignal>
#include <sys/types.h>

#include <QtCore/QRegularExpression>

namespace sb::test {

namespace {

int remainingMs(std::chrono::steady_clock::time_point deadline)
{
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

} // namespace

BrokerProcess::BrokerProcess()
{
    m_process.setProgram(program());
    // The broker logs to stderr; waitForReadyRead() wakes for the current read channel.
    m_process.setReadChannel(QProcess::StandardError);
}

BrokerProcess::~BrokerProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(static_cast<int>(kTimeout.count()));
    }
}

QString BrokerProcess::program()
{
    return QStringLiteral(SWITCHBOARD_BROKER_PATH);
}

bool BrokerProcess::start(const QStringList& arguments)
{
    const bool choosesAdminPort =
        std::any_of(arguments.begin(), arguments.end(), [](const QString& a) {
            return a == QStringLiteral("--admin-port") ||
                   a.startsWith(QStringLiteral("--admin-port="));
        });
    m_process.setArguments(choosesAdminPort
                               ? arguments
                               : QStringList{QStringLiteral("--admin-port"), QStringLiteral("0")} +
                                     arguments);
    m_process.start();
    return m_process.waitForStarted(static_cast<int>(kTimeout.count()));
}

bool BrokerProcess::run(const QStringList& arguments, std::chrono::milliseconds timeout)
{
    if (!start(arguments)) {
        return false;
    }
    if (!m_process.waitForFinished(static_cast<int>(timeout.count()))) {
        m_process.kill();
        m_process.waitForFinished(static_cast<int>(kTimeout.count()));
        drain();
        return false;
    }
    drain();
    return true;
}

void BrokerProcess::drain()
{
    m_stdout += m_process.readAllStandardOutput();
    m_stderr += m_process.readAllStandardError();
}

bool BrokerProcess::waitForLog(const QString& text, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        drain();
        if (QString::fromUtf8(m_stderr).contains(text)) {
            return true;
        }
        if (m_process.state() == QProcess::NotRunning) {
            return false;
        }
        const int left = remainingMs(deadline);
        if (left == 0) {
            return false;
        }
        // Blocks until more output arrives (or the deadline); then the log is searched again.
        m_process.waitForReadyRead(left);
    }
}

bool BrokerProcess::waitUntilListening(std::chrono::milliseconds timeout)
{
    static const QRegularExpression line(
        QStringLiteral(R"(MQTT listening on (\S+):(\d+) with (\d+) worker\(s\))"));
    if (!waitForLog(QStringLiteral(" worker(s)"), timeout)) {
        return false;
    }
    const auto match = line.match(QString::fromUtf8(m_stderr));
    if (!match.hasMatch()) {
        return false;
    }
    m_address = match.captured(1);
    m_port = static_cast<std::uint16_t>(match.captured(2).toUInt());
    m_workers = match.captured(3).toInt();
    return m_port != 0;
}

std::uint16_t BrokerProcess::waitForAdminPort(std::chrono::milliseconds timeout)
{
    static const QRegularExpression line(QStringLiteral(R"(admin API on https?://\S+:(\d+))"));
    if (!waitForLog(QStringLiteral("admin API on "), timeout)) {
        return 0;
    }
    // The line may still be arriving: wait for its port digits and the end of the line.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto match = line.match(QString::fromUtf8(m_stderr));
        if (match.hasMatch() && m_stderr.indexOf('\n', m_stderr.indexOf("admin API on ")) >= 0) {
            return static_cast<std::uint16_t>(match.captured(1).toUInt());
        }
        const int left = remainingMs(deadline);
        if (left == 0 || m_process.state() == QProcess::NotRunning) {
            return 0;
        }
        m_process.waitForReadyRead(left);
        drain();
    }
}

void BrokerProcess::sendSignal(int signal)
{
    if (m_process.state() != QProcess::NotRunning) {
        ::kill(static_cast<pid_t>(m_process.processId()), signal);
    }
}

bool BrokerProcess::waitForExit(std::chrono::milliseconds timeout)
{
    const bool finished = m_process.state() == QProcess::NotRunning ||
                          m_process.waitForFinished(static_cast<int>(timeout.count()));
    drain();
    return finished;
}

bool BrokerProcess::stopWith(int signal, std::chrono::milliseconds timeout)
{
    sendSignal(signal);
    return waitForExit(timeout);
}

bool BrokerProcess::exitedNormally() const
{
    return m_process.state() == QProcess::NotRunning &&
           m_process.exitStatus() == QProcess::NormalExit;
}

QString BrokerProcess::standardOutput()
{
    drain();
    return QString::fromUtf8(m_stdout);
}

QString BrokerProcess::standardError()
{
    drain();
    return QString::fromUtf8(m_stderr);
}

QString BrokerProcess::describe()
{
    drain();
    QString state;
    if (m_process.state() != QProcess::NotRunning) {
        state = QStringLiteral("running");
    } else if (m_process.exitStatus() == QProcess::CrashExit) {
        state = QStringLiteral("crashed or killed by a signal");
    } else {
        state = QStringLiteral("exited with %1").arg(m_process.exitCode());
    }
    return QStringLiteral("switchboard-broker %1 %2 | stdout: %3 | stderr: %4")
        .arg(m_process.arguments().join(u' '), state, QString::fromUtf8(m_stdout).trimmed(),
             QString::fromUtf8(m_stderr).trimmed());
}

} // namespace sb::test
