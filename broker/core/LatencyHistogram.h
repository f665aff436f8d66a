#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sb::core {

// Delivery latency of one shard: a log-linear histogram (16 linear steps per power of two, so
// any value is within 1/16 of its bucket's bounds) over nanoseconds. One thread records (the
// shard's), any thread reads: relaxed atomics, no locks, no allocation on the hot path.
class LatencyHistogram
{
public:
    static constexpr std::size_t kSubBuckets = 16;
    static constexpr std::size_t kBuckets = kSubBuckets + (64 - 4) * kSubBuckets;

    void record(std::chrono::nanoseconds latency)
    {
        const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(latency.count(), 0));
        auto& bucket = m_buckets[bucketOf(ns)];
        bucket.store(bucket.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        if (ns > m_max.load(std::memory_order_relaxed)) {
            m_max.store(ns, std::memory_order_relaxed);
        }
    }

    // Cumulative counts since start, one per bucket (for deltas and merging across shards).
    using Counts = std::vector<std::uint64_t>;
    Counts snapshot() const;
    // The largest value recorded since the last call (and resets it).
    std::uint64_t takeMaxNanoseconds() { return m_max.exchange(0, std::memory_order_relaxed); }

    static std::size_t bucketOf(std::uint64_t ns);
    // Largest value that falls in `bucket` (the bound reported for a percentile).
    static std::uint64_t upperBoundNanoseconds(std::size_t bucket);
    // Value at quantile q (0..1) of the counts, in nanoseconds; 0 if empty.
    static std::uint64_t quantileNanoseconds(const Counts& counts, double q);

private:
    std::array<std::atomic<std::uint64_t>, kBuckets> m_buckets{};
    std::atomic<std::uint64_t> m_max{0};
};

} // namespace sb::core
