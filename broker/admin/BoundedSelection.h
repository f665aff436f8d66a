#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace sb::admin {

// Keeps the `capacity` smallest items offered (by `Less`), in O(capacity) memory whatever is
// offered: how each shard keeps only one page of a list with a million entries, and how the
// pages of all shards are merged into one.
template <typename Item, typename Less>
class BoundedSelection
{
public:
    BoundedSelection(std::size_t capacity, Less less)
        : m_capacity(capacity)
        , m_less(std::move(less))
    {}

    // False when the item is beyond what is kept (so a caller can skip building it).
    bool wouldKeep(const Item& item) const
    {
        return m_items.size() < m_capacity || m_less(item, m_items.front());
    }

    void offer(Item item)
    {
        if (m_capacity == 0 || !wouldKeep(item)) {
            return;
        }
        // A max-heap on Less: the front is the largest kept item, the first to go.
        if (m_items.size() == m_capacity) {
            std::pop_heap(m_items.begin(), m_items.end(), m_less);
            m_items.pop_back();
        }
        m_items.push_back(std::move(item));
        std::push_heap(m_items.begin(), m_items.end(), m_less);
    }

    // The kept items, smallest first.
    std::vector<Item> takeSorted()
    {
        std::sort_heap(m_items.begin(), m_items.end(), m_less);
        return std::move(m_items);
    }

private:
    std::size_t m_capacity;
    Less m_less;
    std::vector<Item> m_items;
};

} // namespace sb::admin
