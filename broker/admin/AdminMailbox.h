#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace sb::admin {

// The way back onto the admin thread from any other thread (a shard task's result, a store
// callback). Shared by everything that may outlive the admin server's io_context: once closed,
// posts are dropped instead of reaching a destroyed context.
class AdminMailbox
{
public:
    explicit AdminMailbox(boost::asio::io_context& io)
        : m_io(&io)
    {}

    // Runs `task` on the admin thread; false (task dropped) once the server has stopped.
    bool post(std::function<void()> task)
    {
        const std::lock_guard lock(m_mutex);
        if (m_io == nullptr) {
            return false;
        }
        boost::asio::post(*m_io, std::move(task));
        return true;
    }

    void close()
    {
        const std::lock_guard lock(m_mutex);
        m_io = nullptr;
    }

private:
    std::mutex m_mutex;
    boost::asio::io_context* m_io; // guarded by m_mutex; null once closed
};

using MailboxPtr = std::shared_ptr<AdminMailbox>;

} // namespace sb::admin
