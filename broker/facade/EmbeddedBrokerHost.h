#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace sb::facade {

// The broker as a library for a host program (the console): the MQTT server, its store and its
// admin API started in-process on their own threads. The only broker header the console sees,
// so it includes nothing but the standard library: Asio, Beast and the core stay behind the
// pimpl.
//
// Not thread-safe: start(), stop() and the getters are called from one controlling thread.
class EmbeddedBrokerHost
{
public:
    enum class Durability
    {
        Sync,   // acknowledge QoS 1/2 only after the commit
        Async,  // acknowledge at once, commit shortly after
        Memory, // nothing on disk
    };

    // The values `level` takes in a LogSink, most verbose first (spdlog's order).
    enum LogLevel : int
    {
        Trace = 0,
        Debug = 1,
        Info = 2,
        Warn = 3,
        Error = 4,
        Critical = 5,
    };

    // Receives every broker log line (without the trailing newline). Called on the broker's
    // own threads, concurrently: it must be thread-safe and must not block.
    using LogSink = std::function<void(int level, std::string line)>;

    struct Options
    {
        std::string bindAddress = "127.0.0.1";
        std::uint16_t port = 1883; // 0 = any free port
        // When `port` is taken, use the next free port above it instead of failing.
        bool nextFreePortIfTaken = true;
        std::string adminBindAddress = "127.0.0.1";
        std::uint16_t adminPort = 0; // 0 = any free port
        // Where the SQLite store lives (created if missing); unused with Memory durability.
        std::string dataDirectory;
        Durability durability = Durability::Async;
        unsigned workers = 0; // 0 = one per core
        LogLevel logLevel = Info;
    };

    explicit EmbeddedBrokerHost(LogSink sink = {});
    ~EmbeddedBrokerHost();
    EmbeddedBrokerHost(const EmbeddedBrokerHost&) = delete;
    EmbeddedBrokerHost& operator=(const EmbeddedBrokerHost&) = delete;

    // Opens the store (recovering what it holds), binds the MQTT and admin listeners with a
    // fresh admin token, and starts serving. Blocks until done. On failure returns false with
    // the reason in `error` (naming the port, directory or file) and leaves nothing running.
    bool start(const Options& options, std::string* error);
    // Graceful: clients are told the server is shutting down, the store is committed. Blocks
    // for at most a few seconds. Idempotent.
    void stop();

    bool isRunning() const;
    // Valid while running.
    std::uint16_t mqttPort() const;
    std::uint16_t adminPort() const;
    // "http://127.0.0.1:PORT"
    std::string adminUrl() const;
    // A token made for this run only (never written to disk).
    std::string adminToken() const;

    // The broker's version, e.g. "0.1.0".
    static std::string version();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace sb::facade
