#pragma once

#include <cstdint>
#include <optional>

namespace sb::admin {

// This process's resource use, read from /proc/self: CPU time, memory, file descriptors and
// start time (the Prometheus process_* metrics and the stream's CPU and memory).
struct ProcessStats
{
    double cpuSeconds = 0; // user + system
    std::uint64_t residentBytes = 0;
    std::uint64_t virtualBytes = 0;
    std::uint64_t openFds = 0;
    std::uint64_t maxFds = 0;
    double startTimeSeconds = 0; // since the Unix epoch
    unsigned threads = 0;

    // nullopt when /proc cannot be read (not Linux); callers then leave these out.
    static std::optional<ProcessStats> read();
};

} // namespace sb::admin
