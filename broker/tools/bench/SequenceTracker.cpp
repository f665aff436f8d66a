#include "broker/tools/bench/SequenceTracker.h"

#include <algorithm>

namespace sb::bench {

void SequenceTracker::observeOutOfOrder(std::uint64_t sequence)
{
    if (sequence > m_next) {
        // Skipped [m_next, sequence): lost unless they turn up later (then: reordered).
        if (!m_gaps) {
            m_gaps = std::make_unique<std::vector<Range>>();
        }
        if (m_gaps->size() >= kMaxGaps) {
            m_gaps->erase(m_gaps->begin());
            m_gapsForgotten = true;
        }
        m_gaps->emplace_back(m_next, sequence);
        m_next = sequence + 1;
        return;
    }
    // sequence < m_next: either fills a gap (arrived after a later message) or was seen before.
    if (m_gaps) {
        // Ranges are appended in increasing order, so they stay sorted by their first element.
        auto it = std::upper_bound(m_gaps->begin(), m_gaps->end(), sequence,
                                   [](std::uint64_t s, const Range& r) { return s < r.first; });
        if (it != m_gaps->begin()) {
            --it;
            if (sequence >= it->first && sequence < it->second) {
                ++m_reordered;
                const Range range = *it;
                if (range.second - range.first == 1) {
                    m_gaps->erase(it);
                } else if (sequence == range.first) {
                    it->first = sequence + 1;
                } else if (sequence + 1 == range.second) {
                    it->second = sequence;
                } else {
                    it->second = sequence;
                    m_gaps->insert(it + 1, Range{sequence + 1, range.second});
                }
                return;
            }
        }
    }
    ++m_duplicates;
}

} // namespace sb::bench
