// Broker: replaying dead letters.

#include <spdlog/spdlog.h>

#include "broker/core/Broker.h"
#include "broker/core/Topic.h"

namespace sb::core {
namespace {

constexpr std::size_t kReplayPage = 500;

// The message to publish again: the same content and properties, now, not retained (a replay
// must not overwrite a topic's retained message), from the original publisher's id.
MessagePtr replayMessage(const DeadLetter& letter, const ReplayRequest& request,
                         Clock::TimePoint now, Clock::WallTimePoint wallNow)
{
    auto message = std::make_shared<Message>(*letter.message);
    if (request.target == ReplayRequest::Target::OtherTopic) {
        message->topic = request.topic;
    }
    message->retain = false;
    message->publisherSessionId = 0; // not the publisher's session: No Local does not apply
    message->receivedAt = now;
    message->receivedWallTime = wallNow;
    message->expiresAt.reset();
    if (message->properties.messageExpiryInterval) {
        // An expired message gets its interval again from now, or it would expire at once.
        message->expiresAt = now + std::chrono::seconds(*message->properties.messageExpiryInterval);
    }
    return message;
}

} // namespace

void Broker::replayDeadLetters(ReplayRequest request, std::function<void(ReplayResult)> done)
{
    auto shared = std::make_shared<ReplayRequest>(std::move(request));
    auto result = std::make_shared<ReplayResult>();
    if (!shared->selection.ids.empty()) {
        replayBatch(std::move(shared), std::move(result), {}, std::move(done), 0);
        return;
    }
    // A filter selects what matches now: the newest matching id bounds the walk, so dead
    // letters made by this replay's own failures (matching the same filter) are not chased.
    m_deadLetters->list(shared->selection.filter, true, {}, 1,
                        [this, shared, result, done](DeadLetterPage newest) {
                            if (newest.items.empty()) {
                                done(*result);
                                return;
                            }
                            replayBatch(shared, result, {}, done, newest.items.front().id);
                        });
}

void Broker::replayBatch(std::shared_ptr<ReplayRequest> request,
                         std::shared_ptr<ReplayResult> result, std::string cursor,
                         std::function<void(ReplayResult)> done, std::uint64_t lastId)
{
    // Selected by id: fetch them one page's worth at a time through a filter-free listing would
    // scan everything, so ids are fetched individually.
    if (!request->selection.ids.empty()) {
        auto letters = std::make_shared<std::vector<DeadLetter>>();
        auto pending = std::make_shared<std::atomic<std::size_t>>(request->selection.ids.size());
        auto mutex = std::make_shared<std::mutex>();
        for (const std::uint64_t id : request->selection.ids) {
            m_deadLetters->get(id, [this, request, result, done, letters, pending, mutex,
                                    id](std::optional<DeadLetter> letter) {
                {
                    const std::lock_guard lock(*mutex);
                    if (letter) {
                        letters->push_back(std::move(*letter));
                    } else {
                        result->failed++;
                        if (result->errors.size() < 5) {
                            result->errors.push_back("dead letter " + std::to_string(id) +
                                                     " does not exist");
                        }
                    }
                }
                if (pending->fetch_sub(1) != 1) {
                    return;
                }
                std::sort(letters->begin(), letters->end(),
                          [](const auto& a, const auto& b) { return a.id < b.id; });
                Shard& shard = *m_shards.front();
                shard.post([this, request, result, done, letters, &shard] {
                    std::vector<std::uint64_t> replayed;
                    const Clock::TimePoint now = m_clock.now();
                    for (const DeadLetter& each : *letters) {
                        if (replayOne(shard, each, *request, *result, now)) {
                            replayed.push_back(each.id);
                        }
                    }
                    m_deadLetters->markReplayed(replayed, m_clock.wallNow(), request->removeAfter,
                                                [result, done] { done(*result); });
                });
            });
        }
        return;
    }

    const std::size_t left =
        request->maxEntries - std::min(request->maxEntries, result->replayed + result->failed);
    if (left == 0) {
        done(*result);
        return;
    }
    m_deadLetters->list(request->selection.filter, false, cursor, std::min(left, kReplayPage),
                        [this, request, result, done, lastId](DeadLetterPage page) {
                            Shard& shard = *m_shards.front();
                            auto letters = std::make_shared<DeadLetterPage>(std::move(page));
                            shard.post([this, request, result, done, letters, &shard, lastId] {
                                std::vector<std::uint64_t> replayed;
                                const Clock::TimePoint now = m_clock.now();
                                std::string next = letters->nextCursor;
                                for (const DeadLetter& letter : letters->items) {
                                    if (letter.id > lastId) {
                                        next.clear(); // made after this replay began
                                        break;
                                    }
                                    if (replayOne(shard, letter, *request, *result, now)) {
                                        replayed.push_back(letter.id);
                                    }
                                }
                                m_deadLetters->markReplayed(
                                    replayed, m_clock.wallNow(), request->removeAfter,
                                    [this, request, result, done, next, lastId] {
                                        if (next.empty()) {
                                            done(*result);
                                        } else {
                                            replayBatch(request, result, next, done, lastId);
                                        }
                                    });
                            });
                        });
}

bool Broker::replayOne(Shard& shard, const DeadLetter& letter, const ReplayRequest& request,
                       ReplayResult& result, Clock::TimePoint now)
{
    auto fail = [&](std::string why) {
        result.failed++;
        if (result.errors.size() < 5) {
            result.errors.push_back("dead letter " + std::to_string(letter.id) + ": " +
                                    std::move(why));
        }
        return false;
    };
    if (!letter.message) {
        return fail("has no message");
    }
    if (request.target == ReplayRequest::Target::OtherTopic &&
        !topic::isValidTopicName(request.topic)) {
        return fail("'" + request.topic + "' is not a topic name one can publish to");
    }
    MessagePtr message = replayMessage(letter, request, now, m_clock.wallNow());
    if (request.target != ReplayRequest::Target::Session) {
        publish(shard, std::move(message), now);
        result.replayed++;
        return true;
    }
    // Only to the session it was bound for, through the same path as any delivery (stored
    // first if that session is persistent).
    SessionPtr session = findSession(letter.targetClientId);
    if (!session) {
        return fail("session '" + letter.targetClientId + "' no longer exists");
    }
    std::vector<Shard::RouteTarget> targets(1);
    targets[0].session = std::move(session);
    targets[0].qos = message->qos;
    deliverToTargets(shard, message, now, targets, {}, std::nullopt);
    result.replayed++;
    return true;
}

} // namespace sb::core
