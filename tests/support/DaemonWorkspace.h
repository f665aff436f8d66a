#pragma once

#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QTemporaryDir>

namespace sb::test {

// A temporary directory for the brokers one test suite starts: their config files and data
// directories, removed when the suite ends.
class DaemonWorkspace
{
public:
    static const QString kLoopback; // "127.0.0.1"

    bool isValid() const { return m_dir.isValid(); }
    QString errorString() const { return m_dir.errorString(); }

    // Arguments for a broker on a free loopback port with a data directory of its own (the
    // default directory is shared by every broker of the machine, and only one may use it).
    QStringList onLoopback(const QStringList& more = {});

    // A path for a data directory nobody has used (not created).
    QString freshDataDir();

    // Writes `content` to a new file and returns its path, or "" if it could not be written.
    QString writeConfig(const QString& content);

    // The whole file as UTF-8 text, or "" if it cannot be read.
    static QString readText(const QString& path);

private:
    QTemporaryDir m_dir;
    int m_files = 0;
};

} // namespace sb::test
