#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "broker/core/DeadLetters.h"
#include "broker/core/Persistence.h"

namespace sb::storage {

// The calls of core::Persistence as values, queued for the store thread in submission order.
namespace op {

using AppliedCallback = std::function<void(std::uint64_t messageId, bool ok)>;
using LoadedCallback = std::function<void(std::vector<core::StoredDelivery>)>;

struct Publish
{
    core::Persistence::PublishWrite write;
};
struct SaveSession
{
    core::SessionRecord session;
};
struct DeleteSession
{
    std::uint64_t sessionId = 0;
};
struct SaveSubscription
{
    core::SubscriptionRecord subscription;
};
struct DeleteSubscription
{
    std::uint64_t sessionId = 0;
    std::string filter;
};
struct MarkSent
{
    std::uint64_t sessionId = 0;
    std::uint64_t messageId = 0;
    std::uint16_t packetId = 0;
    std::uint32_t attempts = 0;
};
struct MarkReleased
{
    std::uint64_t sessionId = 0;
    std::uint64_t messageId = 0;
    AppliedCallback onApplied; // messageId is 0; in Sync after the commit
};
struct RemoveDelivery
{
    std::uint64_t sessionId = 0;
    std::uint64_t messageId = 0;
};
struct MoveDelivery
{
    core::StoredDelivery delivery;
    std::uint64_t toSessionId = 0;
    AppliedCallback onApplied;
};
struct RemoveInboundQos2
{
    std::uint64_t sessionId = 0;
    std::uint16_t packetId = 0;
};
struct DeleteRetained
{
    std::string topic;
};
struct LoadQueuePage
{
    std::uint64_t sessionId = 0;
    std::uint64_t afterMessageId = 0;
    std::size_t limit = 0;
    LoadedCallback onLoaded;
};
struct SaveLimit
{
    core::StoredLimit limit;
};
struct DeleteLimit
{
    core::StoredLimit::Scope scope = core::StoredLimit::Scope::Global;
    std::string owner;
    std::string name; // empty: every limit of (scope, owner)
};

// The calls of core::DeadLetterStore (SqliteDeadLetterStore).
struct AddDeadLetter
{
    core::DeadLetter letter;
};
struct ListDeadLetters
{
    core::DeadLetterFilter filter;
    bool newestFirst = false;
    std::string cursor;
    std::size_t limit = 0;
    std::function<void(core::DeadLetterPage)> done;
};
struct GetDeadLetter
{
    std::uint64_t id = 0;
    std::function<void(std::optional<core::DeadLetter>)> done;
};
struct ReadDeadLetterStats
{
    std::function<void(core::DeadLetterStats)> done;
};
struct PurgeDeadLetters
{
    core::DeadLetterSelection selection;
    std::function<void(std::uint64_t purged)> done;
};
struct MarkDeadLettersReplayed
{
    std::vector<std::uint64_t> ids;
    core::Clock::WallTimePoint when{};
    bool remove = false;
    std::function<void()> done;
};
struct SetDeadLetterBounds
{
    std::uint64_t maxEntries = 0;
    std::uint64_t maxBytes = 0;
};

// Caps the database size (PRAGMA max_page_count); 0 lifts the cap.
struct SetMaxDatabaseBytes
{
    std::uint64_t bytes = 0;
};
// Completed once everything queued before it is committed and its callbacks have run.
struct Flush
{
    std::shared_ptr<std::promise<void>> done;
};

} // namespace op

using Operation = std::variant<
    op::Publish, op::SaveSession, op::DeleteSession, op::SaveSubscription, op::DeleteSubscription,
    op::MarkSent, op::MarkReleased, op::RemoveDelivery, op::MoveDelivery, op::RemoveInboundQos2,
    op::DeleteRetained, op::LoadQueuePage, op::SaveLimit, op::DeleteLimit, op::AddDeadLetter,
    op::ListDeadLetters, op::GetDeadLetter, op::ReadDeadLetterStats, op::PurgeDeadLetters,
    op::MarkDeadLettersReplayed, op::SetDeadLetterBounds, op::SetMaxDatabaseBytes, op::Flush>;

} // namespace sb::storage
