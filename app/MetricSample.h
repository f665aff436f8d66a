#pragma once

#include <cmath>
#include <limits>

#include <QtCore/QtGlobal>

namespace sb::app {

struct StatsFrame;

// The numbers the Overview charts plot for one moment (a second, or a bucket of seconds).
struct MetricSample
{
    static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

    qint64 timeMs = 0;      // start of the second or bucket, ms since the epoch
    double messagesIn = 0;  // per second
    double messagesOut = 0; // per second
    double connections = 0;
    double queued = 0;
    // Delivery latency in seconds; kNone when nothing was delivered (a quiet broker has no
    // latency, which is not the same as zero latency).
    double latencyP50 = kNone;
    double latencyP99 = kNone;
    double latencyMax = kNone;
    double cpuPercent = 0;
    double residentBytes = 0;
    // How many one-second samples this one stands for (for merging buckets).
    int weight = 1;

    bool hasLatency() const { return !std::isnan(latencyP50); }

    // The frame's second (its time rounded down to the second).
    static MetricSample fromFrame(const StatsFrame& frame);
};

} // namespace sb::app
