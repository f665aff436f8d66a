#include "broker/core/DeadLetters.h"

#include <algorithm>
#include <array>

#include "broker/core/Topic.h"

namespace sb::core {
namespace {

constexpr std::array<std::string_view, kDeadLetterReasons> kNames = {
    "rejected", "expired", "maxlen", "delivery_limit", "too_large"};

} // namespace

std::string_view deadLetterReasonName(DeadLetterReason reason)
{
    const auto index = static_cast<std::size_t>(reason);
    return index < kNames.size() ? kNames[index] : std::string_view("unknown");
}

std::optional<DeadLetterReason> parseDeadLetterReason(std::string_view name)
{
    const auto it = std::find(kNames.begin(), kNames.end(), name);
    if (it == kNames.end()) {
        return std::nullopt;
    }
    return static_cast<DeadLetterReason>(it - kNames.begin());
}

bool DeadLetterFilter::matches(const DeadLetter& letter) const
{
    if (!reasons.empty() &&
        std::find(reasons.begin(), reasons.end(), letter.reason) == reasons.end()) {
        return false;
    }
    if (!topicFilter.empty() &&
        (!letter.message || !topic::matches(topicFilter, letter.message->topic))) {
        return false;
    }
    if (!publisher.empty() && (!letter.message || letter.message->publisherClientId != publisher)) {
        return false;
    }
    if (!targetClientId.empty() && letter.targetClientId != targetClientId) {
        return false;
    }
    if (since && letter.time < *since) {
        return false;
    }
    if (until && letter.time >= *until) {
        return false;
    }
    if (replayed && letter.replayedAt.has_value() != *replayed) {
        return false;
    }
    return true;
}

} // namespace sb::core
