#pragma once

#include <memory>

#include <QtCore/QTemporaryDir>

#include "app/Console.h"

namespace sb::test {

// A Console over temporary folders, as main() builds one over the user's: settings, profile
// and metric databases in a fresh directory, no keychain, QStandardPaths in test mode, and
// the Local broker set to a free port (never 1883) with its data in the directory.
class ConsoleFixture
{
public:
    ConsoleFixture();
    ~ConsoleFixture();

    app::Console& console() { return *m_console; }
    const QTemporaryDir& directory() const { return m_dir; }
    // A port the OS just said was free.
    static quint16 freePort();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<app::Console> m_console;
};

} // namespace sb::test
