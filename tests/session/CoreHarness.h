#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "broker/core/Broker.h"
#include "broker/core/ClientConnection.h"
#include "broker/protocol/Codec.h"

namespace sb::test {

// Runs posted tasks when the test says so, on the test's thread.
class InlineExecutor final : public core::Executor
{
public:
    void post(std::function<void()> task) override { m_tasks.push_back(std::move(task)); }
    std::size_t pending() const { return m_tasks.size(); }
    void runAll()
    {
        while (!m_tasks.empty()) {
            auto task = std::move(m_tasks.front());
            m_tasks.pop_front();
            task();
        }
    }

private:
    std::deque<std::function<void()>> m_tasks;
};

// A connection to the in-memory broker: bytes in through the core, bytes out captured.
class FakeConnection final : public core::Transport
{
public:
    FakeConnection(core::Shard& shard, protocol::Version version)
        : m_version(version)
        , m_client(std::make_shared<core::ClientConnection>(shard, *this))
    {}
    ~FakeConnection() { closeTransport(); }

    void flush() override
    {
        m_written += m_client->pendingOutput();
        m_client->pendingOutput().clear();
    }
    void close() override
    {
        flush();
        m_closeRequested = true;
    }
    void resumeReading() override {}
    std::size_t bytesInFlight() const override { return 0; }
    const std::string& remoteAddress() const override { return m_address; }

    void send(const protocol::Packet& packet)
    {
        m_client->onBytes(protocol::encodeToString(packet, m_version));
    }
    void sendRaw(std::string_view bytes) { m_client->onBytes(bytes); }

    // Everything the broker wrote since the last call, decoded.
    std::vector<protocol::Packet> received()
    {
        flush();
        std::vector<protocol::Packet> packets;
        std::string_view rest = m_written;
        while (!rest.empty()) {
            protocol::FixedHeader header;
            if (protocol::parseFixedHeader(rest, header) != protocol::FrameStatus::Complete ||
                rest.size() < header.frameSize()) {
                break;
            }
            auto decoded = protocol::decodeFrame(rest.substr(0, header.frameSize()), m_version);
            if (decoded) {
                packets.push_back(std::move(decoded.value()));
            }
            rest.remove_prefix(header.frameSize());
        }
        m_written.clear();
        return packets;
    }

    template <typename T>
    std::vector<T> receivedOf()
    {
        std::vector<T> out;
        for (auto& p : received()) {
            if (auto* t = std::get_if<T>(&p)) {
                out.push_back(std::move(*t));
            }
        }
        return out;
    }

    bool closeRequested() const { return m_closeRequested; }
    // The socket goes away (as after close(), or a network failure).
    void closeTransport()
    {
        if (!m_transportClosed) {
            m_transportClosed = true;
            m_client->onTransportClosed();
        }
    }
    core::ClientConnection& client() { return *m_client; }

private:
    protocol::Version m_version;
    std::shared_ptr<core::ClientConnection> m_client;
    std::string m_written;
    std::string m_address = "fake:1";
    bool m_closeRequested = false;
    bool m_transportClosed = false;
};

// A one-shard broker on a manual clock.
struct CoreHarness
{
    explicit CoreHarness(core::Limits limits = {})
        : broker(limits, clock, 1)
    {
        broker.shard(0).setExecutor(&executor);
    }

    core::Shard& shard() { return broker.shard(0); }
    void tick()
    {
        shard().tick(clock.now());
        executor.runAll();
    }
    void advance(std::chrono::milliseconds by)
    {
        clock.advance(by);
        tick();
    }

    std::unique_ptr<FakeConnection> connect(protocol::Connect connect)
    {
        auto c = std::make_unique<FakeConnection>(shard(), connect.version);
        c->send(connect);
        executor.runAll();
        return c;
    }
    std::unique_ptr<FakeConnection> connect(const std::string& clientId,
                                            protocol::Version version = protocol::Version::V5,
                                            std::uint32_t sessionExpiry = 0, bool cleanStart = true)
    {
        protocol::Connect c;
        c.version = version;
        c.clientId = clientId;
        c.cleanStart = cleanStart;
        c.keepAlive = 60;
        if (sessionExpiry != 0) {
            c.properties.sessionExpiryInterval = sessionExpiry;
        }
        return connect(std::move(c));
    }

    core::ManualClock clock;
    InlineExecutor executor;
    core::Broker broker;
};

} // namespace sb::test
