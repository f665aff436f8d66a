#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "broker/core/DeadLetters.h"
#include "tests/storage/StoreTestSupport.h"

namespace sb::test {

// The calls of one core::DeadLetterStore, each waiting for its callback, for the dead-letter
// suites. A callback that never comes fails the running test (and the call returns nothing).
class DeadLetterCalls
{
public:
    explicit DeadLetterCalls(core::DeadLetterStore& store)
        : m_store(store)
    {}

    void add(core::DeadLetter letter) { m_store.add(std::move(letter)); }
    core::DeadLetterPage list(const core::DeadLetterFilter& filter, bool newestFirst,
                              const std::string& cursor = {}, std::size_t limit = 1000);
    // Every page from the start, `limit` at a time: the ids in listing order. Fails the test if a
    // page holds more than `limit`; `pages` (if given) gets the number of calls made.
    std::vector<std::uint64_t> listAll(const core::DeadLetterFilter& filter, bool newestFirst,
                                       std::size_t limit, std::size_t* pages = nullptr);
    std::optional<core::DeadLetter> get(std::uint64_t id);
    core::DeadLetterStats stats();
    std::uint64_t purge(const core::DeadLetterSelection& selection);
    void markReplayed(const std::vector<std::uint64_t>& ids, core::Clock::WallTimePoint when,
                      bool remove);

private:
    core::DeadLetterStore& m_store;
};

std::vector<std::uint64_t> idsOf(const core::DeadLetterPage& page);
// "1,2,3": ids as text, so that QCOMPARE shows both lists when they differ.
std::string idsText(const std::vector<std::uint64_t>& ids);

} // namespace sb::test
