#include "broker/core/LatencyHistogram.h"

#include <bit>

namespace sb::core {

std::size_t LatencyHistogram::bucketOf(std::uint64_t ns)
{
    if (ns < kSubBuckets) {
        return static_cast<std::size_t>(ns);
    }
    const auto exponent = static_cast<std::size_t>(63 - std::countl_zero(ns)); // >= 4
    const auto sub = static_cast<std::size_t>((ns >> (exponent - 4)) & (kSubBuckets - 1));
    return kSubBuckets + (exponent - 4) * kSubBuckets + sub;
}

std::uint64_t LatencyHistogram::upperBoundNanoseconds(std::size_t bucket)
{
    if (bucket < kSubBuckets) {
        return bucket;
    }
    const std::size_t exponent = (bucket - kSubBuckets) / kSubBuckets + 4;
    const std::size_t sub = (bucket - kSubBuckets) % kSubBuckets;
    const std::uint64_t step = std::uint64_t{1} << (exponent - 4);
    const std::uint64_t base = std::uint64_t{1} << exponent;
    return base + (sub + 1) * step - 1;
}

LatencyHistogram::Counts LatencyHistogram::snapshot() const
{
    Counts counts(kBuckets);
    for (std::size_t i = 0; i < kBuckets; ++i) {
        counts[i] = m_buckets[i].load(std::memory_order_relaxed);
    }
    return counts;
}

std::uint64_t LatencyHistogram::quantileNanoseconds(const Counts& counts, double q)
{
    std::uint64_t total = 0;
    for (const std::uint64_t c : counts) {
        total += c;
    }
    if (total == 0) {
        return 0;
    }
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        seen += counts[i];
        if (seen >= rank) {
            return upperBoundNanoseconds(i);
        }
    }
    return upperBoundNanoseconds(counts.size() - 1);
}

} // namespace sb::core
