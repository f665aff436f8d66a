#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>

#include "broker/admin/BoundedSelection.h"

namespace sb::admin {

// Where an item sits in a sorted list: a number to sort by (0 when sorting by name only), then
// a unique name that breaks ties. A cursor is the key of the last item returned.
struct SortKey
{
    double number = 0;
    std::string name;

    boost::json::object toJson() const { return boost::json::object{{"n", number}, {"t", name}}; }
    static std::optional<SortKey> fromJson(const boost::json::object& object)
    {
        const auto* n = object.if_contains("n");
        const auto* t = object.if_contains("t");
        if (n == nullptr || t == nullptr || !n->is_number() || !t->is_string()) {
            return std::nullopt;
        }
        boost::system::error_code ec;
        const double number = n->to_number<double>(ec);
        if (ec) {
            return std::nullopt;
        }
        return SortKey{number, std::string(t->as_string())};
    }
};

// Ascending or descending by number, then by name in the same direction.
struct SortOrder
{
    bool descending = false;

    bool operator()(const SortKey& a, const SortKey& b) const
    {
        if (a.number != b.number) {
            return descending ? a.number > b.number : a.number < b.number;
        }
        return descending ? a.name > b.name : a.name < b.name;
    }
};

// One page of a list sorted by SortKey, built from parts that each shard collects on its own
// thread: each shard keeps at most limit + 1 items after the cursor, and the merge keeps the
// first limit + 1 of their union, so no step holds more than a page per shard.
template <typename Item>
class SortedPage
{
public:
    struct Entry
    {
        SortKey key;
        Item item;
    };

    struct Less
    {
        SortOrder order;
        bool operator()(const Entry& a, const Entry& b) const { return order(a.key, b.key); }
    };

    // What one shard found.
    struct Part
    {
        std::vector<Entry> entries;
        std::size_t matched = 0; // items passing the filters, before the cursor
    };

    class Collector
    {
    public:
        Collector(std::size_t limit, SortOrder order, std::optional<SortKey> after)
            : m_order(order)
            , m_after(std::move(after))
            , m_selection(limit + 1, Less{order})
        {}

        // Counts a matching item and keeps it if it belongs on the page. `make` builds the item
        // only when it is kept.
        template <typename Make>
        void offer(SortKey key, Make&& make)
        {
            ++m_matched;
            if (m_after && !m_order(*m_after, key)) {
                return;
            }
            Entry probe{std::move(key), Item{}};
            if (!m_selection.wouldKeep(probe)) {
                return;
            }
            probe.item = make();
            m_selection.offer(std::move(probe));
        }

        Part take() { return Part{m_selection.takeSorted(), m_matched}; }

    private:
        SortOrder m_order;
        std::optional<SortKey> m_after;
        BoundedSelection<Entry, Less> m_selection;
        std::size_t m_matched = 0;
    };

    struct Result
    {
        std::vector<Item> items;
        std::optional<SortKey> next; // the cursor position when there is more
        std::size_t matched = 0;
    };

    static Result merge(std::vector<Part>&& parts, std::size_t limit, SortOrder order)
    {
        BoundedSelection<Entry, Less> selection(limit + 1, Less{order});
        Result result;
        for (Part& part : parts) {
            result.matched += part.matched;
            for (Entry& entry : part.entries) {
                selection.offer(std::move(entry));
            }
        }
        std::vector<Entry> entries = selection.takeSorted();
        if (entries.size() > limit) {
            entries.resize(limit);
            result.next = entries.back().key;
        }
        result.items.reserve(entries.size());
        for (Entry& entry : entries) {
            result.items.push_back(std::move(entry.item));
        }
        return result;
    }
};

} // namespace sb::admin
