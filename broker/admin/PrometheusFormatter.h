#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/admin/ProcessStats.h"
#include "broker/core/Broker.h"
#include "broker/core/DeadLetters.h"
#include "broker/core/LatencyHistogram.h"
#include "broker/core/Persistence.h"

namespace sb::admin {

// Writes /metrics in the Prometheus text exposition format (version 0.0.4), with names and
// units after Prometheus conventions: counters end in _total, times are seconds, sizes bytes.
class PrometheusFormatter
{
public:
    static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

    // Everything one scrape shows, read by the endpoint.
    struct Input
    {
        std::string version;
        double uptimeSeconds = 0;
        unsigned workers = 0;
        core::Broker::Totals totals;
        std::uint64_t connections = 0;
        std::uint64_t sessions = 0;
        std::uint64_t subscriptions = 0;
        std::uint64_t retained = 0;
        std::uint64_t queuedMessages = 0;
        std::uint64_t inflightMessages = 0;
        std::map<std::string, std::uint64_t> rejections;
        std::optional<core::DeadLetterStats> deadLetterStore;
        core::LatencyHistogram::Counts latency;
        std::optional<ProcessStats> process;
        std::optional<core::Persistence::Stats> store;
        bool storeHealthy = true;
    };

    // Bucket bounds of switchboard_delivery_latency_seconds.
    static const std::vector<double>& latencyBounds();
    // Cumulative counts at `bounds` (seconds) from the fine log-linear buckets: a fine bucket
    // counts under the first bound at or above its upper edge, so each count is exact to within
    // one fine bucket (1/16 of the bound). The sum is estimated from bucket midpoints.
    static std::vector<std::uint64_t> cumulative(const core::LatencyHistogram::Counts& counts,
                                                 const std::vector<double>& bounds);
    static double estimatedSumSeconds(const core::LatencyHistogram::Counts& counts);

    static std::string format(const Input& input);
};

} // namespace sb::admin
