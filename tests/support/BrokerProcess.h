#pragma once

#include <chrono>
#include <cstdint>

#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace sb::test {

// The real switchboard-broker binary as a child process: started with a command line, watched
// through its log on stderr, stopped with a signal. Every wait has a deadline; a process still
// running when this object dies is killed.
class BrokerProcess
{
public:
    static constexpr std::chrono::milliseconds kTimeout{10'000};

    BrokerProcess();
    ~BrokerProcess();
    BrokerProcess(const BrokerProcess&) = delete;
    BrokerProcess& operator=(const BrokerProcess&) = delete;

    static QString program();

    // Starts the broker. False if the program could not be started (see error()). Unless the
    // arguments choose an admin port, the admin API gets a free one (--admin-port 0), so that
    // test brokers never compete for the default 8081 with each other or a real broker.
    bool start(const QStringList& arguments);

    // Runs the broker to completion (for --help, --version and start-up failures). False if it
    // did not end within the timeout (it is then killed).
    bool run(const QStringList& arguments, std::chrono::milliseconds timeout = kTimeout);

    // Waits until the log reports the listener: "MQTT listening on ADDRESS:PORT with N
    // worker(s)". False if the process ended or the deadline passed first.
    bool waitUntilListening(std::chrono::milliseconds timeout = kTimeout);
    // Waits until stderr contains `text`.
    bool waitForLog(const QString& text, std::chrono::milliseconds timeout = kTimeout);

    // Waits until the log reports the admin API ("admin API on http://ADDRESS:PORT") and
    // returns its port, or 0 if the process ended or the deadline passed first.
    std::uint16_t waitForAdminPort(std::chrono::milliseconds timeout = kTimeout);

    QString listeningAddress() const { return m_address; }
    std::uint16_t port() const { return m_port; }
    int workers() const { return m_workers; }

    // Sends `signal` (SIGTERM, SIGINT) to the running process.
    void sendSignal(int signal);
    // Waits for the process to end. False on timeout.
    bool waitForExit(std::chrono::milliseconds timeout = kTimeout);
    // Both of the above.
    bool stopWith(int signal, std::chrono::milliseconds timeout = kTimeout);

    bool exitedNormally() const;
    int exitCode() const { return m_process.exitCode(); }
    // Everything the process wrote so far (read from the pipes on each call).
    QString standardOutput();
    QString standardError();
    // A one-line summary for failure messages: state, exit code, stderr.
    QString describe();

private:
    void drain();

    QProcess m_process;
    QByteArray m_stdout;
    QByteArray m_stderr;
    QString m_address;
    std::uint16_t m_port = 0;
    int m_workers = 0;
};

} // namespace sb::test
