#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace sb::bench {

// What one subscriber saw of one publisher's sequence numbers: how many arrived, which came
// twice, which came after a later one. In-order arrival (the case that matters for speed) is
// one compare and one increment; gaps are remembered as ranges only when they happen, so a
// correct broker costs no memory here and a lossy one costs a range per burst of losses.
class SequenceTracker
{
public:
    // A gap list longer than this forgets its oldest ranges (a late arrival there would then
    // count as a duplicate); `gapsForgotten()` says it happened, so the report is not trusted
    // blindly for a broker that loses that much.
    static constexpr std::size_t kMaxGaps = 4096;

    void observe(std::uint64_t sequence)
    {
        ++m_received;
        if (sequence == m_next) {
            ++m_next;
            return;
        }
        observeOutOfOrder(sequence);
    }

    std::uint64_t received() const { return m_received; }
    std::uint64_t duplicates() const { return m_duplicates; }
    std::uint64_t reordered() const { return m_reordered; }
    std::uint64_t distinct() const { return m_received - m_duplicates; }
    bool gapsForgotten() const { return m_gapsForgotten; }

private:
    using Range = std::pair<std::uint64_t, std::uint64_t>; // [first, last)

    void observeOutOfOrder(std::uint64_t sequence);

    std::uint64_t m_next = 0;
    std::uint64_t m_received = 0;
    std::uint64_t m_duplicates = 0;
    std::uint64_t m_reordered = 0;
    bool m_gapsForgotten = false;
    // Sequence numbers skipped so far and not yet arrived; null until the first gap.
    std::unique_ptr<std::vector<Range>> m_gaps;
};

} // namespace sb::bench
