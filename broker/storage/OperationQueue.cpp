#include "broker/storage/OperationQueue.h"

namespace sb::storage {

bool OperationQueue::push(Operation& operation)
{
    {
        const std::lock_guard lock(m_mutex);
        if (m_closed) {
            return false;
        }
        m_operations.push_back(std::move(operation));
        m_size.store(m_operations.size(), std::memory_order_relaxed);
    }
    m_wake.notify_one();
    return true;
}

bool OperationQueue::takeAll(std::vector<Operation>& out,
                             std::optional<std::chrono::steady_clock::time_point> deadline)
{
    std::unique_lock lock(m_mutex);
    const auto ready = [this] {
        return !m_operations.empty() || m_closed;
    };
    if (deadline) {
        m_wake.wait_until(lock, *deadline, ready);
    } else {
        m_wake.wait(lock, ready);
    }
    out.swap(m_operations);
    m_size.store(0, std::memory_order_relaxed);
    return !(m_closed && out.empty());
}

void OperationQueue::close()
{
    {
        const std::lock_guard lock(m_mutex);
        m_closed = true;
    }
    m_wake.notify_all();
}

} // namespace sb::storage
