#pragma once

#include <chrono>
#include <cstdint>

#include <QtCore/QByteArray>
#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace sb::test {

// Runs Debian's mosquitto_pub and mosquitto_sub (package mosquitto-clients) against a broker on
// 127.0.0.1: a client nobody here wrote. Every wait is bounded; failures come back as text that
// says which program did what, with its stderr, so a test can QVERIFY2 on it.
class MosquittoClients
{
public:
    // How long a client program may take before it counts as hung (and is killed).
    static constexpr std::chrono::milliseconds kProcessTimeout{15'000};
    // mosquitto_sub's own limit (-W, seconds): it exits on its own if messages never come.
    static constexpr int kSubscriberTimeoutSeconds = 10;

    // Finds both programs on PATH. Returns an empty string, or what is missing and how to
    // install it.
    QString locate();

    void setPort(std::uint16_t port) { m_port = port; }

    // "-h 127.0.0.1 -p <port> -V <version>", the arguments every run starts with.
    QStringList connection(const QString& version) const;

    // Starts mosquitto_sub (with -W added) and returns once it runs; the caller decides when it
    // is subscribed (the broker counts its subscriptions). Returns an error text or "".
    QString startSubscriber(QProcess& process, const QStringList& arguments) const;

    // Waits for a program started here to end with exit code 0 and returns its standard output
    // split into lines (the trailing newline of the last line dropped). On failure the lines
    // are empty and `error` says why.
    static QStringList finish(QProcess& process, QString& error);

    // Runs mosquitto_pub to completion with `input` on its standard input (for -l). Returns an
    // error text or "".
    QString publish(const QStringList& arguments, const QByteArray& input = {}) const;

    // Runs mosquitto_sub to completion (it must end by itself: -E or -C with -W).
    QStringList subscribeAndWait(const QStringList& arguments, QString& error) const;

private:
    static QString describe(QProcess& process, const QString& what);

    QString m_pub;
    QString m_sub;
    std::uint16_t m_port = 0;
};

} // namespace sb::test
