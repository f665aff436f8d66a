#include "broker/tools/bench/LatencyHistogram.h"

#include <cmath>

namespace sb::bench {

namespace {
// Buckets for every value below 2^63: the linear range plus 128 per remaining power of two.
constexpr std::size_t kBucketCount = 256 + (63 - 8) * 128;
} // namespace

LatencyHistogram::LatencyHistogram()
    : m_counts(kBucketCount, 0)
{}

void LatencyHistogram::merge(const LatencyHistogram& other)
{
    for (std::size_t i = 0; i < m_counts.size(); ++i) {
        m_counts[i] += other.m_counts[i];
    }
    m_total += other.m_total;
    m_sum += other.m_sum;
    if (other.m_max > m_max) {
        m_max = other.m_max;
    }
}

double LatencyHistogram::mean() const
{
    return m_total == 0 ? 0.0 : static_cast<double>(m_sum) / static_cast<double>(m_total);
}

std::uint64_t LatencyHistogram::upperEdge(std::size_t bucket)
{
    if (bucket < kLinearLimit) {
        return bucket;
    }
    const std::size_t above = bucket - kLinearLimit;
    const std::uint64_t power = above / kSubBuckets + kSubBucketBits + 1; // msb of the range
    const std::uint64_t step = std::uint64_t{1} << (power - kSubBucketBits);
    const std::uint64_t base = std::uint64_t{1} << power;
    return base + (above % kSubBuckets + 1) * step - 1;
}

std::uint64_t LatencyHistogram::percentile(double percent) const
{
    if (m_total == 0) {
        return 0;
    }
    auto target =
        static_cast<std::uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(m_total)));
    if (target == 0) {
        target = 1;
    }
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < m_counts.size(); ++i) {
        seen += m_counts[i];
        if (seen >= target) {
            const std::uint64_t edge = upperEdge(i);
            return edge < m_max ? edge : m_max;
        }
    }
    return m_max;
}

} // namespace sb::bench
