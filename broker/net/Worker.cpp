#include "broker/net/Worker.h"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "broker/core/ClientConnection.h"

namespace sb::net {

Worker::Worker(core::Shard& shard)
    : m_shard(shard)
    , m_tick(m_io)
{
    m_shard.setExecutor(this);
}

Worker::~Worker()
{
    stop();
    m_shard.setExecutor(nullptr);
}

void Worker::post(std::function<void()> task)
{
    boost::asio::post(m_io, std::move(task));
}

void Worker::start()
{
    scheduleTick();
    m_thread = std::thread([this] {
        try {
            m_io.run();
        } catch (const std::exception& e) {
            // A handler threw: a programming error. Log it loudly rather than vanish.
            spdlog::critical("worker {} stopped by an exception: {}", m_shard.index(), e.what());
            throw;
        }
    });
}

void Worker::stop()
{
    if (!m_thread.joinable()) {
        return;
    }
    m_io.stop();
    m_thread.join();
    // A connection that paused reading holds itself: release those, through the shard's list
    // of connections (a released connection leaves that list).
    for (core::ClientConnection* connection : m_shard.connectionsSnapshot()) {
        connection->abandonTransport();
    }
}

void Worker::scheduleTick()
{
    m_tick.expires_after(kTickInterval);
    m_tick.async_wait([this](const boost::system::error_code& ec) {
        if (ec) {
            return;
        }
        m_shard.tick(m_shard.clock().now());
        scheduleTick();
    });
}

} // namespace sb::net
