#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <vector>

#include "broker/storage/Operation.h"

namespace sb::storage {

// The FIFO between the broker's threads and the store thread. push() only takes a mutex for
// the time of a vector append, so a caller never waits for the disk; the store thread takes
// everything queued at once, which is what groups commits.
class OperationQueue
{
public:
    explicit OperationQueue(std::size_t backedUpThreshold)
        : m_backedUpThreshold(backedUpThreshold)
    {}

    // Appends `operation`, or returns false (leaving it untouched) once the queue is closed.
    bool push(Operation& operation);

    // Store thread: waits until something is queued, the queue is closed, or `deadline` passes;
    // then swaps everything queued into `out` (which must be empty). Returns false once the
    // queue is closed and nothing is left.
    bool takeAll(std::vector<Operation>& out,
                 std::optional<std::chrono::steady_clock::time_point> deadline);

    // Refuses further pushes; takeAll() still hands out what was queued before.
    void close();

    // Operations waiting for the store thread (not yet taken).
    std::size_t size() const { return m_size.load(std::memory_order_relaxed); }
    // More waiting than the threshold: the store is behind and the core should slow producers.
    bool isBackedUp() const { return size() > m_backedUpThreshold; }

private:
    const std::size_t m_backedUpThreshold;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::vector<Operation> m_operations; // guarded by m_mutex
    bool m_closed = false;               // guarded by m_mutex
    std::atomic<std::size_t> m_size{0};
};

} // namespace sb::storage
