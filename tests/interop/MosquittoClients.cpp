#include "tests/interop/MosquittoClients.h"

#include <QtCore/QStandardPaths>

namespace sb::test {

namespace {

int milliseconds(std::chrono::milliseconds duration)
{
    return static_cast<int>(duration.count());
}

} // namespace

QString MosquittoClients::locate()
{
    m_pub = QStandardPaths::findExecutable(QStringLiteral("mosquitto_pub"));
    m_sub = QStandardPaths::findExecutable(QStringLiteral("mosquitto_sub"));
    if (m_pub.isEmpty() || m_sub.isEmpty()) {
        return QStringLiteral("mosquitto_pub/mosquitto_sub not found on PATH: these interop tests "
                              "need them; install them with `apt-get install mosquitto-clients`");
    }
    return {};
}

QStringList MosquittoClients::connection(const QString& version) const
{
    return {QStringLiteral("-h"),    QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
            QString::number(m_port), QStringLiteral("-V"),        version};
}

QString MosquittoClients::startSubscriber(QProcess& process, const QStringList& arguments) const
{
    process.start(m_sub, arguments + QStringList{QStringLiteral("-W"),
                                                 QString::number(kSubscriberTimeoutSeconds)});
    if (!process.waitForStarted(milliseconds(kProcessTimeout))) {
        return describe(process, QStringLiteral("did not start"));
    }
    return {};
}

QStringList MosquittoClients::finish(QProcess& process, QString& error)
{
    if (!process.waitForFinished(milliseconds(kProcessTimeout))) {
        process.kill();
        process.waitForFinished(milliseconds(kProcessTimeout));
        error = describe(process, QStringLiteral("did not finish in time (killed)"));
        return {};
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        error = describe(process, QStringLiteral("failed with exit code %1")
                                      .arg(process.exitStatus() == QProcess::NormalExit
                                               ? QString::number(process.exitCode())
                                               : QStringLiteral("(crashed)")));
        return {};
    }
    QString out = QString::fromUtf8(process.readAllStandardOutput());
    if (out.endsWith(u'\n')) {
        out.chop(1);
    }
    if (out.isEmpty()) {
        return {};
    }
    return out.split(u'\n');
}

QString MosquittoClients::publish(const QStringList& arguments, const QByteArray& input) const
{
    QProcess process;
    process.start(m_pub, arguments);
    if (!process.waitForStarted(milliseconds(kProcessTimeout))) {
        return describe(process, QStringLiteral("did not start"));
    }
    if (!input.isEmpty()) {
        process.write(input);
    }
    process.closeWriteChannel();
    QString error;
    finish(process, error);
    return error;
}

QStringList MosquittoClients::subscribeAndWait(const QStringList& arguments, QString& error) const
{
    QProcess process;
    error = startSubscriber(process, arguments);
    if (!error.isEmpty()) {
        return {};
    }
    return finish(process, error);
}

QString MosquittoClients::describe(QProcess& process, const QString& what)
{
    return QStringLiteral("%1 %2 %3: %4 | stderr: %5")
        .arg(process.program(), process.arguments().join(u' '), what, process.errorString(),
             QString::fromLocal8Bit(process.readAllStandardError()).trimmed());
}

} // namespace sb::test
