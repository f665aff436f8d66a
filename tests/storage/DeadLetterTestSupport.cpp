#include "tests/storage/DeadLetterTestSupport.h"

#include <QtTest/QTest>

namespace sb::test {

namespace {

void failNoAnswer(const char* call)
{
    QTest::qFail((std::string("no answer from the dead-letter store to ") + call).c_str(), __FILE__,
                 __LINE__);
}

} // namespace

core::DeadLetterPage DeadLetterCalls::list(const core::DeadLetterFilter& filter, bool newestFirst,
                                           const std::string& cursor, std::size_t limit)
{
    auto page = awaitStoreCallback<core::DeadLetterPage>(
        [&](auto done) { m_store.list(filter, newestFirst, cursor, limit, std::move(done)); });
    if (!page) {
        failNoAnswer("list()");
        return {};
    }
    return std::move(*page);
}

std::vector<std::uint64_t> DeadLetterCalls::listAll(const core::DeadLetterFilter& filter,
                                                    bool newestFirst, std::size_t limit,
                                                    std::size_t* pages)
{
    std::vector<std::uint64_t> ids;
    std::string cursor;
    std::size_t calls = 0;
    // Bounded, so that a cursor that never ends fails the test instead of hanging it.
    for (; calls < 10'000; ++calls) {
        const auto page = list(filter, newestFirst, cursor, limit);
        if (page.items.size() > limit) {
            QTest::qFail("a page holds more than the limit", __FILE__, __LINE__);
        }
        for (const auto id : idsOf(page)) {
            ids.push_back(id);
        }
        cursor = page.nextCursor;
        if (cursor.empty()) {
            ++calls;
            break;
        }
    }
    if (pages != nullptr) {
        *pages = calls;
    }
    return ids;
}

std::optional<core::DeadLetter> DeadLetterCalls::get(std::uint64_t id)
{
    auto found = awaitStoreCallback<std::optional<core::DeadLetter>>(
        [&](auto done) { m_store.get(id, std::move(done)); });
    if (!found) {
        failNoAnswer("get()");
        return std::nullopt;
    }
    return std::move(*found);
}

core::DeadLetterStats DeadLetterCalls::stats()
{
    auto stats = awaitStoreCallback<core::DeadLetterStats>(
        [&](auto done) { m_store.stats(std::move(done)); });
    if (!stats) {
        failNoAnswer("stats()");
        return {};
    }
    return *stats;
}

std::uint64_t DeadLetterCalls::purge(const core::DeadLetterSelection& selection)
{
    auto purged = awaitStoreCallback<std::uint64_t>(
        [&](auto done) { m_store.purge(selection, std::move(done)); });
    if (!purged) {
        failNoAnswer("purge()");
        return 0;
    }
    return *purged;
}

void DeadLetterCalls::markReplayed(const std::vector<std::uint64_t>& ids,
                                   core::Clock::WallTimePoint when, bool remove)
{
    const auto done = awaitStoreCallback<bool>([&](auto answered) {
        m_store.markReplayed(ids, when, remove, [answered] { answered(true); });
    });
    if (!done) {
        failNoAnswer("markReplayed()");
    }
}

std::vector<std::uint64_t> idsOf(const core::DeadLetterPage& page)
{
    std::vector<std::uint64_t> ids;
    for (const core::DeadLetter& letter : page.items) {
        ids.push_back(letter.id);
    }
    return ids;
}

std::string idsText(const std::vector<std::uint64_t>& ids)
{
    std::string text;
    for (const std::uint64_t id : ids) {
        text += text.empty() ? "" : ",";
        text += std::to_string(id);
    }
    return text;
}

} // namespace sb::test
