#include "broker/tools/bench/BenchOptions.h"

#include <iostream>
#include <map>
#include <random>

#include <CLI/CLI.hpp>

#include "broker/tools/bench/PayloadHeader.h"

namespace sb::bench {

std::string_view scenarioName(Scenario scenario)
{
    switch (scenario) {
    case Scenario::Throughput:
        return "throughput";
    case Scenario::Latency:
        return "latency";
    case Scenario::Fanout:
        return "fanout";
    case Scenario::Fanin:
        return "fanin";
    case Scenario::Idle:
        return "idle";
    case Scenario::Realistic:
        return "realistic";
    }
    return "unknown";
}

namespace {

const char* const kDescription =
    "switchboard-bench: an MQTT 3.1.1/5.0 load generator for any broker.\n"
    "Scenarios:\n"
    "  throughput  P publishers -> S subscribers, one shared topic or per-pair topics\n"
    "  latency     fixed --rate; percentiles measured from each message's scheduled send time\n"
    "              (corrected for coordinated omission)\n"
    "  fanout      1 publisher -> N subscribers on one topic\n"
    "  fanin       N publishers -> 1 subscriber\n"
    "  idle        C idle connections: connect rate, broker RSS per connection (--broker-pid)\n"
    "  realistic   many devices publishing to <root>/device/<id>/telemetry at low rates,\n"
    "              a few subscribers on <root>/device/+/telemetry and <root>/device/#\n"
    "Every payload carries publisher id, sequence number and send time: losses, duplicates and\n"
    "reordering are counted, not assumed. Output: a table, then one JSON line.";

struct Given
{
    CLI::Option* publishers = nullptr;
    CLI::Option* subscribers = nullptr;
    CLI::Option* connections = nullptr;
    CLI::Option* rate = nullptr;
    CLI::Option* duration = nullptr;
    CLI::Option* messages = nullptr;
    CLI::Option* topicMode = nullptr;
    CLI::Option* topicRoot = nullptr;
};

bool given(const CLI::Option* option)
{
    return option != nullptr && option->count() > 0;
}

// Fills in what the user left out, per scenario, and checks combinations CLI11 cannot.
// Returns an error message, or empty.
std::string applyScenarioDefaults(const Given& g, BenchOptions& o)
{
    switch (o.scenario) {
    case Scenario::Throughput:
        break;
    case Scenario::Latency:
        if (!given(g.rate)) {
            o.rate = 10'000;
        }
        break;
    case Scenario::Fanout:
        if (given(g.publishers) && o.publishers != 1) {
            return "fanout has exactly one publisher";
        }
        o.publishers = 1;
        if (!given(g.subscribers)) {
            o.subscribers = 10;
        }
        break;
    case Scenario::Fanin:
        if (given(g.subscribers) && o.subscribers != 1) {
            return "fanin has exactly one subscriber";
        }
        o.subscribers = 1;
        if (!given(g.publishers)) {
            o.publishers = 10;
        }
        break;
    case Scenario::Idle:
        if (!given(g.connections)) {
            o.connections = 1000;
        }
        if (!given(g.duration)) {
            o.duration = 5;
        }
        break;
    case Scenario::Realistic:
        if (!given(g.publishers)) {
            o.publishers = 1000;
        }
        if (!given(g.subscribers)) {
            o.subscribers = 2;
        }
        if (!given(g.rate)) {
            o.rate = o.publishers; // one message per device per second
        }
        break;
    }
    if (o.scenario != Scenario::Idle && !given(g.duration) && !given(g.messages)) {
        o.duration = 10;
    }
    if (o.scenario == Scenario::Idle && o.connections == 0) {
        return "idle needs --connections >= 1";
    }
    if (o.scenario != Scenario::Idle && (o.publishers == 0 || o.subscribers == 0)) {
        return "--publishers and --subscribers must be at least 1";
    }
    if (!given(g.topicMode)) {
        const bool pairs = o.scenario == Scenario::Throughput || o.scenario == Scenario::Latency;
        o.topicMode = pairs && o.publishers == o.subscribers && o.publishers > 1
                          ? TopicMode::Pairs
                          : TopicMode::Shared;
    }
    if (o.topicMode == TopicMode::Pairs && o.publishers != o.subscribers) {
        return "--topic-mode pairs needs as many subscribers as publishers";
    }
    if (o.payloadSize < PayloadHeader::kMinimumSize) {
        return "--payload must be at least 24 bytes (publisher id, sequence, send time)";
    }
    if (o.tls && o.insecure && !o.caFile.empty()) {
        return "--insecure and --cafile contradict each other";
    }
    if (o.certFile.empty() != o.keyFile.empty()) {
        return "--cert and --key go together";
    }
    if (o.messages > 0 && o.scenario != Scenario::Idle && o.messages < o.publishers) {
        return "--messages must be at least --publishers (each publisher sends at least one)";
    }
    if (!given(g.topicRoot)) {
        char tag[16];
        std::snprintf(tag, sizeof tag, "%08x", o.runTag);
        o.topicRoot = std::string("sbbench/") + tag;
    }
    return {};
}

} // namespace

int parseBenchOptions(int argc, char** argv, BenchOptions& o)
{
    CLI::App app{kDescription, "switchboard-bench"};
    app.get_formatter()->column_width(34);
    Given g;

    const std::map<std::string, Scenario> scenarios{{"throughput", Scenario::Throughput},
                                                    {"latency", Scenario::Latency},
                                                    {"fanout", Scenario::Fanout},
                                                    {"fanin", Scenario::Fanin},
                                                    {"idle", Scenario::Idle},
                                                    {"realistic", Scenario::Realistic}};
    std::string scenario;
    app.add_option("scenario", scenario, "throughput|latency|fanout|fanin|idle|realistic")
        ->required()
        ->check(CLI::IsMember({"throughput", "latency", "fanout", "fanin", "idle", "realistic"}));

    std::string protocolText = "5";
    int qos = 0;
    std::string topicMode = "shared";
    std::string sources;
    int brokerPid = 0;

    app.add_option("--host", o.host, "Broker host (default 127.0.0.1)");
    app.add_option("--port", o.port, "Broker port (default 1883, also with --tls)");
    app.add_option("--protocol", protocolText, "MQTT version: 3.1.1 or 5 (default 5)")
        ->check(CLI::IsMember({"3.1.1", "311", "4", "5", "5.0"}));
    app.add_flag("--tls", o.tls, "Connect with TLS");
    app.add_option("--cafile", o.caFile, "CA bundle to verify the broker (default: system CAs)")
        ->check(CLI::ExistingFile);
    app.add_option("--cert", o.certFile, "Client certificate (PEM)")->check(CLI::ExistingFile);
    app.add_option("--key", o.keyFile, "Client private key (PEM)")->check(CLI::ExistingFile);
    app.add_flag("--insecure", o.insecure, "TLS without verifying the broker certificate");
    app.add_option("--username", o.username, "User name for CONNECT");
    app.add_option("--password", o.password, "Password for CONNECT");
    app.add_option("--source-addresses", sources,
                   "Comma-separated local addresses to bind, round-robin (more than 64k "
                   "connections: 127.0.0.1,127.0.0.2,...)");
    app.add_option("--keepalive", o.keepAlive, "Keep Alive seconds (default 60)");
    app.add_flag("--clean,!--persistent", o.cleanSession,
                 "Clean sessions (default) or persistent ones (5.0: removed at the end of the "
                 "run; 3.1.1: they stay on the broker)");
    app.add_option("--session-expiry", o.sessionExpiry,
                   "5.0 Session Expiry Interval for --persistent (default 300 s)");

    app.add_option("--qos", qos, "QoS of publishes and subscriptions (default 0)")
        ->check(CLI::Range(0, 2));
    app.add_option("--payload", o.payloadSize, "Payload bytes, at least 24 (default 64)")
        ->check(CLI::Range(std::size_t{24}, std::size_t{256} * 1024 * 1024));
    g.messages = app.add_option("--messages", o.messages,
                                "Messages to publish in total, split across publishers");
    g.duration = app.add_option("--duration", o.duration,
                                "Seconds of publishing (idle: of holding; default 10, idle 5)")
                     ->check(CLI::NonNegativeNumber);
    g.rate = app.add_option("--rate", o.rate,
                            "Total messages/s over all publishers (latency default 10000, "
                            "realistic 1/s per device; 0 = unlimited)")
                 ->check(CLI::NonNegativeNumber);
    app.add_option("--inflight", o.inflight,
                   "Unacknowledged QoS 1/2 publishes per publisher (default 256)")
        ->check(CLI::Range(1, 65535));
    g.publishers = app.add_option("--publishers", o.publishers, "Publisher connections");
    g.subscribers = app.add_option("--subscribers", o.subscribers, "Subscriber connections");
    g.connections = app.add_option("--connections", o.connections,
                                   "Idle scenario: connections to open (default 1000)");
    g.topicMode = app.add_option("--topic-mode", topicMode,
                                 "shared (one topic) or pairs (publisher i -> subscriber i)")
                      ->check(CLI::IsMember({"shared", "pairs"}));
    g.topicRoot = app.add_option("--topic-root", o.topicRoot,
                                 "Prefix of every topic (default sbbench/<run tag>)");
    app.add_option("--connect-concurrency", o.connectConcurrency,
                   "CONNECTs in progress at once (default 256)")
        ->check(CLI::Range(1, 100000));
    app.add_option("--connect-rate", o.connectRate, "Connections/s (default: unthrottled)")
        ->check(CLI::NonNegativeNumber);

    app.add_option("--threads", o.threads, "I/O threads (default 1)")->check(CLI::Range(1, 64));
    app.add_flag("--spin", o.spin,
                 "I/O threads busy-poll instead of sleeping: a whole core each, but no timer or "
                 "wake-up cost per message (for latency runs; on a VM a wake-up costs ~20 us)");
    app.add_option("--timeout", o.timeout, "Bound on the whole run in seconds (default 60)")
        ->check(CLI::PositiveNumber);
    app.add_option("--drain-timeout", o.drainTimeout,
                   "Seconds to wait for deliveries after publishing ends (default 10)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--drain-quiet", o.drainQuiet,
                   "End the drain early after this many seconds without a delivery (default 2)")
        ->check(CLI::PositiveNumber);
    app.add_option("--batch-bytes", o.batchBytes, "PUBLISH bytes per write (default 65536)")
        ->check(CLI::Range(std::size_t{512}, std::size_t{64} * 1024 * 1024));
    app.add_option("--broker-pid", brokerPid,
                   "Broker process id: report its RSS (/proc/<pid>/status) and CPU");
    app.add_flag("--json", o.jsonOnly, "Print only the JSON line on stdout (table on stderr)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        const int code = app.exit(error); // prints help or the error
        return code == 0 ? 0 : 2;
    }

    o.scenario = scenarios.at(scenario);
    o.version = protocolText == "5" || protocolText == "5.0" ? protocol::Version::V5
                                                             : protocol::Version::V311;
    o.qos = static_cast<std::uint8_t>(qos);
    o.topicMode = topicMode == "pairs" ? TopicMode::Pairs : TopicMode::Shared;
    if (brokerPid > 0) {
        o.brokerPid = brokerPid;
    }
    std::size_t start = 0;
    while (start < sources.size()) {
        const std::size_t comma = sources.find(',', start);
        const std::size_t end = comma == std::string::npos ? sources.size() : comma;
        if (end > start) {
            o.sourceAddresses.push_back(sources.substr(start, end - start));
        }
        start = end + 1;
    }
    o.runTag = std::random_device{}();

    if (const std::string error = applyScenarioDefaults(g, o); !error.empty()) {
        std::cerr << "switchboard-bench: " << error << "\n";
        return 2;
    }
    return -1;
}

} // namespace sb::bench
