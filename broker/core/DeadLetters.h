#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/core/Clock.h"
#include "broker/core/Message.h"

namespace sb::core {

// Why a message could not be delivered. The names are part of the admin API and the metrics.
enum class DeadLetterReason : std::uint8_t
{
    Rejected,      // the receiver answered PUBACK/PUBREC with a reason code >= 0x80
    Expired,       // its Message Expiry Interval passed while it waited in a queue
    MaxLen,        // the session queue was full (max_queue_messages / max_queue_bytes)
    DeliveryLimit, // sent more than max_delivery_attempts times without being acknowledged
    TooLarge,      // bigger than the receiver's Maximum Packet Size
    Count
};

inline constexpr std::size_t kDeadLetterReasons = static_cast<std::size_t>(DeadLetterReason::Count);

std::string_view deadLetterReasonName(DeadLetterReason reason); // "rejected", "expired", ...
std::optional<DeadLetterReason> parseDeadLetterReason(std::string_view name);

// A message kept because it could not be delivered, with where it was going and why.
struct DeadLetter
{
    std::uint64_t id = 0; // unique, increasing; assigned by the store
    Clock::WallTimePoint time{};
    DeadLetterReason reason = DeadLetterReason::Rejected;
    // Topic, payload, QoS, retain flag, every MQTT 5 property, the publishing client.
    MessagePtr message;
    std::string targetClientId; // the session it was bound for
    std::uint32_t attempts = 0; // delivery attempts made
    std::optional<Clock::WallTimePoint> replayedAt;
};

// Which dead letters an operation applies to. Empty fields match everything.
struct DeadLetterFilter
{
    std::vector<DeadLetterReason> reasons;
    std::string topicFilter;                   // an MQTT topic filter ("sensors/#")
    std::string publisher;                     // publishing client id, exact
    std::string targetClientId;                // session it was bound for, exact
    std::optional<Clock::WallTimePoint> since; // time >= since
    std::optional<Clock::WallTimePoint> until; // time < until
    std::optional<bool> replayed;

    bool matches(const DeadLetter& letter) const;
};

// Either explicit ids or everything matching a filter.
struct DeadLetterSelection
{
    std::vector<std::uint64_t> ids; // used when not empty
    DeadLetterFilter filter;
};

struct DeadLetterPage
{
    std::vector<DeadLetter> items;
    std::string nextCursor; // empty when there are no more
};

struct DeadLetterStats
{
    std::array<std::uint64_t, kDeadLetterReasons> byReason{}; // kept now
    std::uint64_t total = 0;
    std::uint64_t bytes = 0;      // payload bytes kept
    std::uint64_t maxEntries = 0; // the bound (dead_letter_max_entries)
    std::uint64_t maxBytes = 0;   // the bound (dead_letter_max_bytes)
    std::uint64_t evicted = 0;    // removed to stay within the bound, since start
};

// The dead-letter store: persistent (SQLite) with a store, in memory without. Bounded: when full
// the oldest entries go, and that is counted. Thread-safe; results arrive through callbacks,
// which may run on another thread (the store's).
class DeadLetterStore
{
public:
    virtual ~DeadLetterStore() = default;

    // From any broker thread; never blocks. Assigns the id.
    virtual void add(DeadLetter letter) = 0;

    // `cursor` is opaque ("" = from the start); newestFirst orders by id descending.
    virtual void list(const DeadLetterFilter& filter, bool newestFirst, const std::string& cursor,
                      std::size_t limit, std::function<void(DeadLetterPage)> done) = 0;
    virtual void get(std::uint64_t id, std::function<void(std::optional<DeadLetter>)> done) = 0;
    virtual void stats(std::function<void(DeadLetterStats)> done) = 0;
    // Removes the selected entries; reports how many.
    virtual void purge(const DeadLetterSelection& selection,
                       std::function<void(std::uint64_t purged)> done) = 0;
    // After a replay: mark the entries replayed at `when`, or remove them.
    virtual void markReplayed(const std::vector<std::uint64_t>& ids, Clock::WallTimePoint when,
                              bool remove, std::function<void()> done) = 0;
    // New bounds (limits changed); evicts at once if over.
    virtual void setBounds(std::uint64_t maxEntries, std::uint64_t maxBytes) = 0;
};

// How a replay republishes.
struct ReplayRequest
{
    DeadLetterSelection selection;
    enum class Target : std::uint8_t
    {
        OriginalTopic, // publish again to the topic it had
        OtherTopic,    // publish to `topic`
        Session,       // deliver only to the session it was bound for
    } target = Target::OriginalTopic;
    std::string topic;                // for OtherTopic
    bool removeAfter = false;         // remove the entries instead of marking them replayed
    std::size_t maxEntries = 100'000; // bound on one request
};

struct ReplayResult
{
    std::uint64_t replayed = 0;
    std::uint64_t failed = 0;        // e.g. the target session no longer exists
    std::vector<std::string> errors; // up to a few, for the caller
};

} // namespace sb::core
