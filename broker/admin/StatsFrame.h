#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "broker/admin/ProcessStats.h"
#include "broker/core/Clock.h"

namespace sb::admin {

// One second of the broker as the stream shows it (and the overview reuses): gauges now,
// rates over the last interval, running totals, queue depths and delivery latency.
struct StatsFrame
{
    struct Queue
    {
        std::string clientId;
        std::uint64_t queued = 0;
        std::uint64_t inflight = 0;
    };
    struct Latency
    {
        double p50 = 0;
        double p90 = 0;
        double p99 = 0;
        double p999 = 0;
        double max = 0;
        std::uint64_t count = 0; // deliveries in the interval
    };
    struct Totals
    {
        std::uint64_t connects = 0;
        std::uint64_t disconnects = 0;
        std::uint64_t messagesIn = 0;
        std::uint64_t messagesOut = 0;
        std::uint64_t bytesIn = 0;
        std::uint64_t bytesOut = 0;
        std::uint64_t deadLetters = 0;
        std::uint64_t rejections = 0;
    };

    std::uint64_t sequence = 0;
    core::Clock::WallTimePoint time{};
    double intervalSeconds = 0;

    std::uint64_t connections = 0; // open network connections
    std::uint64_t clients = 0;     // MQTT clients past CONNACK
    std::uint64_t sessions = 0;
    std::uint64_t subscriptions = 0;
    std::uint64_t retained = 0;

    double connectsPerSecond = 0;
    double disconnectsPerSecond = 0;
    double messagesInPerSecond = 0;
    double messagesOutPerSecond = 0;
    double bytesInPerSecond = 0;
    double bytesOutPerSecond = 0;
    Totals totals;

    std::uint64_t queuedMessages = 0;
    std::uint64_t inflightMessages = 0;
    std::vector<Queue> topQueues; // deepest first, at most 10

    Latency latency;

    std::map<std::string, double> droppedPerSecond;     // by drop reason
    std::map<std::string, double> deadLettersPerSecond; // by dead-letter reason
    std::map<std::string, double> rejectionsPerSecond;  // by limit name

    std::optional<ProcessStats> process;
    double cpuPercent = 0; // of one core, over the interval

    // {"type":"stats", ...} as documented in docs/admin-api.md.
    boost::json::object toJson() const;
};

} // namespace sb::admin
