#pragma once

#include <cstdint>
#include <vector>

namespace sb::bench {

// A log-linear histogram of non-negative nanosecond values (HdrHistogram's idea, 128 linear
// steps per power of two: under 1% error) with a fixed bucket array, so recording is a few
// instructions and never allocates. One per I/O thread; merged after the run.
class LatencyHistogram
{
public:
    LatencyHistogram();

    void record(std::int64_t nanos)
    {
        const std::uint64_t value = nanos < 0 ? 0 : static_cast<std::uint64_t>(nanos);
        ++m_counts[bucketOf(value)];
        ++m_total;
        m_sum += value;
        if (value > m_max) {
            m_max = value;
        }
    }

    void merge(const LatencyHistogram& other);

    std::uint64_t count() const { return m_total; }
    std::uint64_t max() const { return m_max; }
    double mean() const;
    // The value at or below which `percent` of the recorded values lie (the bucket's upper
    // edge, capped at the exact maximum). 0 when nothing was recorded.
    std::uint64_t percentile(double percent) const;

private:
    static constexpr unsigned kSubBucketBits = 7;
    static constexpr std::uint64_t kSubBuckets = 1u << kSubBucketBits; // 128
    static constexpr std::uint64_t kLinearLimit = 2 * kSubBuckets;     // exact below 256

    static std::size_t bucketOf(std::uint64_t value)
    {
        if (value < kLinearLimit) {
            return static_cast<std::size_t>(value);
        }
        const unsigned msb = 63u - static_cast<unsigned>(__builtin_clzll(value));
        const unsigned shift = msb - kSubBucketBits;
        return static_cast<std::size_t>(kLinearLimit + (msb - kSubBucketBits - 1) * kSubBuckets +
                                        ((value >> shift) - kSubBuckets));
    }
    static std::uint64_t upperEdge(std::size_t bucket);

    std::vector<std::uint64_t> m_counts;
    std::uint64_t m_total = 0;
    std::uint64_t m_sum = 0;
    std::uint64_t m_max = 0;
};

} // namespace sb::bench
