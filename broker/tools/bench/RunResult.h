#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/tools/bench/LatencyHistogram.h"
#include "broker/tools/bench/ProcessStats.h"

namespace sb::bench {

// Percentiles of one histogram, in microseconds.
struct LatencySummary
{
    std::uint64_t count = 0;
    double p50 = 0;
    double p90 = 0;
    double p99 = 0;
    double p999 = 0;
    double max = 0;
    double mean = 0;

    static LatencySummary of(const LatencyHistogram& histogram);
};

// Everything a run measured, for the table and the JSON line.
struct RunResult
{
    std::string startedAt;     // UTC, ISO 8601
    std::string status = "ok"; // ok | timeout | error
    std::uint64_t errorCount = 0;
    std::vector<std::string> errors; // the first few

    // Connections.
    std::uint32_t connectionsPlanned = 0;
    std::uint32_t connected = 0;
    std::uint32_t connectFailed = 0;
    double connectSeconds = 0;
    double connectRate = 0; // connections/s
    LatencySummary connectLatency;
    std::uint32_t droppedWhileIdle = 0;

    // Traffic. Deliveries are PUBLISHes received by subscribers (one message to N subscribers
    // is N deliveries); expected ones follow from what was published and who subscribed.
    std::uint64_t published = 0;
    std::uint64_t acknowledged = 0; // QoS 1/2: PUBACK / PUBCOMP with success
    std::uint64_t rejected = 0;     // QoS 1/2: reason code >= 0x80
    std::uint64_t expectedDeliveries = 0;
    std::uint64_t delivered = 0;
    std::uint64_t lost = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t reordered = 0;
    std::uint64_t unexpected = 0; // from a publisher the subscriber did not subscribe to
    std::uint64_t foreign = 0;    // not from this run
    std::uint64_t malformed = 0;
    bool lossAccountingApproximate = false; // a gap list overflowed
    int grantedQos = -1;                    // lowest granted by SUBACK; -1 without subscribers

    double publishSeconds = 0; // start -> last PUBLISH written
    double receiveSeconds = 0; // first -> last delivery
    double elapsedSeconds = 0; // start -> last delivery
    double sentPerSecond = 0;
    double receivedPerSecond = 0;   // deliveries over the receive window
    double deliveriesPerSecond = 0; // deliveries over the whole window (end to end)

    LatencySummary latency;            // from the intended send time (coordinated omission)
    LatencySummary latencyUncorrected; // from the actual send time (payload >= 32 bytes)
    LatencySummary sendLag;            // how late fixed-rate publishers sent: the bench's own

    // The generator itself. The window is the active one: first publish to last delivery (idle:
    // connect and hold); CPU seconds are counted until the drain ended, which adds next to
    // nothing (the I/O threads sleep in epoll).
    double wallSeconds = 0;
    CpuSeconds benchCpu;
    double benchCpuPercent = 0; // of one core
    // --spin: the threads use their cores whole; this is the part spent on work (loop passes
    // that found something to do), i.e. what the generator needed. Of one core, summed.
    double benchBusySeconds = 0;
    double benchBusyPercent = 0;
    double eventsPerCpuSecond = 0; // (published + delivered) / bench CPU seconds
    std::uint64_t benchRssKiB = 0;

    // The broker, when --broker-pid was given.
    std::optional<std::uint64_t> brokerRssBeforeKiB;
    std::optional<std::uint64_t> brokerRssAfterKiB;
    std::optional<double> brokerRssPerConnectionKiB;
    std::optional<CpuSeconds> brokerCpu;
    std::optional<double> brokerCpuPercent;

    // No errors, and what a correct broker guarantees held: no loss at QoS 1/2, no duplicates
    // at QoS 2, per-publisher order kept.
    bool correct = false;
};

} // namespace sb::bench
