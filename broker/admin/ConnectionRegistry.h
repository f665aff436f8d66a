#pragma once

#include <algorithm>
#include <memory>
#include <vector>

namespace sb::admin {

// An open admin connection (HTTP or stream) that the server can end at shutdown.
class AdminConnection
{
public:
    virtual ~AdminConnection() = default;
    // Closes the socket; pending operations end with operation_aborted (admin thread).
    virtual void shutdown() = 0;
};

// The admin connections alive now, so stop() can close them instead of waiting for clients.
// Admin thread only.
class ConnectionRegistry
{
public:
    // More open admin connections than any set of console windows and scrapers needs; beyond
    // it new connections are closed at once, so a flood of idle sockets cannot pile up.
    static constexpr std::size_t kMaxConnections = 512;

    // False (not added) when kMaxConnections are open.
    bool hasRoom()
    {
        if (m_connections.size() < kMaxConnections) {
            return true;
        }
        std::erase_if(m_connections, [](const auto& weak) { return weak.expired(); });
        return m_connections.size() < kMaxConnections;
    }

    void add(const std::shared_ptr<AdminConnection>& connection)
    {
        if (m_connections.size() >= m_pruneAt) {
            std::erase_if(m_connections, [](const auto& weak) { return weak.expired(); });
            m_pruneAt = std::max<std::size_t>(64, m_connections.size() * 2);
        }
        m_connections.push_back(connection);
    }

    void shutdownAll()
    {
        for (const auto& weak : m_connections) {
            if (auto connection = weak.lock()) {
                connection->shutdown();
            }
        }
        m_connections.clear();
    }

private:
    std::vector<std::weak_ptr<AdminConnection>> m_connections;
    std::size_t m_pruneAt = 64;
};

} // namespace sb::admin
