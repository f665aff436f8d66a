#include "tests/support/DaemonWorkspace.h"

#include <QtCore/QFile>

namespace sb::test {

const QString DaemonWorkspace::kLoopback = QStringLiteral("127.0.0.1");

QStringList DaemonWorkspace::onLoopback(const QStringList& more)
{
    return QStringList{QStringLiteral("--bind"),     kLoopback,
                       QStringLiteral("--port"),     QStringLiteral("0"),
                       QStringLiteral("--data-dir"), freshDataDir()} +
           more;
}

QString DaemonWorkspace::freshDataDir()
{
    return m_dir.filePath(QStringLiteral("data-%1").arg(++m_files));
}

QString DaemonWorkspace::writeConfig(const QString& content)
{
    const QString path = m_dir.filePath(QStringLiteral("broker-%1.toml").arg(++m_files));
    QFile file(path);
    const QByteArray bytes = content.toUtf8();
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        file.write(bytes) != bytes.size()) {
        return {};
    }
    return path;
}

QString DaemonWorkspace::readText(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QString::fromUtf8(file.readAll());
}

} // namespace sb::test
