#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/protocol/Packets.h"

namespace sb::bench {

enum class Scenario
{
    Throughput, // P publishers -> S subscribers as fast as the broker takes them
    Latency,    // fixed-rate publishing, latency from the schedule (coordinated omission)
    Fanout,     // 1 publisher -> N subscribers on one topic
    Fanin,      // N publishers -> 1 subscriber
    Idle,       // C connections that only keep alive: connect rate, broker memory
    Realistic,  // many devices at low rates, a few wildcard subscribers
};

std::string_view scenarioName(Scenario scenario);

// Which topics publishers and subscribers meet on.
enum class TopicMode
{
    Shared, // every publisher on one topic, every subscriber receives everything
    Pairs,  // publisher i -> topic i -> subscriber i (needs as many subscribers as publishers)
};

// Everything one run needs, with each scenario's defaults already applied.
struct BenchOptions
{
    Scenario scenario = Scenario::Throughput;

    // Where and how to connect.
    std::string host = "127.0.0.1";
    std::uint16_t port = 1883;
    protocol::Version version = protocol::Version::V5;
    bool tls = false;
    std::string caFile;    // verify the broker with this CA bundle
    std::string certFile;  // client certificate (optional)
    std::string keyFile;   // its private key
    bool insecure = false; // TLS without verifying the broker's certificate
    std::string username;
    std::string password;
    std::vector<std::string> sourceAddresses; // local addresses to bind, round-robin
    std::uint16_t keepAlive = 60;
    bool cleanSession = true;
    std::uint32_t sessionExpiry = 300; // 5.0 Session Expiry Interval of persistent sessions

    // Traffic.
    std::uint8_t qos = 0;
    std::size_t payloadSize = 64;
    std::uint64_t messages = 0; // total to publish, split across publishers; 0 = by duration
    double duration = 0;        // seconds of publishing (idle: of holding); 0 = by count
    double rate = 0;            // total messages/s across publishers; 0 = as fast as possible
    std::uint32_t inflight = 256;
    std::uint32_t publishers = 1;
    std::uint32_t subscribers = 1;
    std::uint32_t connections = 0; // idle scenario
    TopicMode topicMode = TopicMode::Shared;
    std::string topicRoot; // every topic starts with it; default sbbench/<run tag>

    // Connection set-up.
    std::uint32_t connectConcurrency = 256; // CONNECTs in progress at once
    double connectRate = 0;                 // connections/s; 0 = as fast as concurrency allows

    // Machinery.
    unsigned threads = 1;
    bool spin = false;                  // I/O threads busy-poll instead of sleeping (see IoThread)
    double timeout = 60;                // the whole run, connect to disconnect
    double drainTimeout = 10;           // waiting for deliveries after the last publish
    double drainQuiet = 2;              // ... or until nothing arrived for this long
    std::size_t batchBytes = 64 * 1024; // PUBLISH bytes per write
    std::optional<int> brokerPid;
    bool jsonOnly = false;

    std::uint32_t runTag = 0; // random per run
};

// Parses the command line into `options`. Returns -1 to run, otherwise the exit code (0 after
// --help, 2 after a usage error, with the message printed).
int parseBenchOptions(int argc, char** argv, BenchOptions& options);

} // namespace sb::bench
