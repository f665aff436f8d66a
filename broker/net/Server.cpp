#include "broker/net/Server.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "broker/core/Broker.h"
#include "broker/core/ClientConnection.h"
#include "broker/core/Persistence.h"
#include "broker/net/TcpListener.h"
#include "broker/net/Worker.h"

namespace sb::net {

namespace asio = boost::asio;

namespace {

unsigned defaultWorkers()
{
    const unsigned cores = std::thread::hardware_concurrency();
    return cores == 0 ? 1 : cores;
}

// A one-shot signal from a worker to the thread waiting for it. A mutex and a condition
// variable rather than std::promise: libstdc++ waits for a future inside its shared library, out
// of ThreadSanitizer's sight, so every use of a future looked like a race under the tsan preset.
class Signal
{
public:
    void set()
    {
        const std::lock_guard lock(m_mutex);
        m_set = true;
        m_changed.notify_all();
    }
    void wait()
    {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this] { return m_set; });
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    bool m_set = false;
};

// Runs `task` on the worker's thread and waits until it has run. The worker touches only
// what the posted handler owns (a copy of `task` and a shared Signal), never this thread's
// stack: the tsan preset reported reads of a waiting caller's frame as races with older,
// unrelated frames at the same addresses.
template <typename F>
void runOn(Worker& worker, F task)
{
    auto done = std::make_shared<Signal>();
    asio::post(worker.context(), [done, task = std::move(task)]() mutable {
        task();
        done->set();
    });
    done->wait();
}

// Server::stop() waiting for one worker's connections to close (or the grace period to end).
struct Drain
{
    Drain(asio::io_context& context, core::Shard& s, std::chrono::steady_clock::time_point until)
        : timer(context)
        , shard(s)
        , deadline(until)
    {}
    Signal drained;
    asio::steady_timer timer;
    core::Shard& shard;
    std::chrono::steady_clock::time_point deadline;
};

// On the worker's thread: signals once the shard has no connections left or the deadline passed.
void checkDrained(const std::shared_ptr<Drain>& drain)
{
    if (drain->shard.connectionCount() == 0 ||
        std::chrono::steady_clock::now() >= drain->deadline) {
        drain->drained.set();
        return;
    }
    drain->timer.expires_after(std::chrono::milliseconds(5));
    drain->timer.async_wait([drain](const boost::system::error_code&) { checkDrained(drain); });
}

} // namespace

Server::Server(ServerOptions options)
    : m_options(std::move(options))
{
    const unsigned count = m_options.workers == 0 ? defaultWorkers() : m_options.workers;
    m_broker = std::make_unique<core::Broker>(m_options.limits, *m_options.clock, count);
    m_workers.reserve(count);
    for (unsigned i = 0; i < count; ++i) {
        m_workers.push_back(std::make_unique<Worker>(m_broker->shard(i)));
    }
}

Server::~Server()
{
    stop();
}

void Server::start()
{
    if (m_options.persistence) {
        core::RecoveredState state = m_options.persistence->recover(
            m_options.clock->wallNow(), m_options.limits.queueMemoryMessages);
        const std::size_t sessions = state.sessions.size();
        const std::size_t retained = state.retained.size();
        m_broker->setPersistence(m_options.persistence.get());
        m_broker->restore(std::move(state));
        spdlog::info("recovered {} session(s) and {} retained message(s) from {}", sessions,
                     retained, m_options.persistence->path());
    }
    // The logger exists before the threads that use it (spdlog makes its registry on first
    // use; made here, it is published to the workers by their creation).
    spdlog::default_logger_raw();
    std::vector<Worker*> workers;
    for (auto& worker : m_workers) {
        workers.push_back(worker.get());
    }
    m_listener = std::make_unique<TcpListener>(workers, m_options.bindAddress, m_options.port);
    for (auto& worker : m_workers) {
        worker->start();
    }
    asio::post(m_workers.front()->context(), [this] { m_listener->start(); });
    m_started = true;
    spdlog::info("MQTT listening on {}:{} with {} worker(s)", m_options.bindAddress,
                 m_listener->port(), m_workers.size());
}

std::uint16_t Server::port() const
{
    return m_listener ? m_listener->port() : 0;
}

void Server::runOnEveryWorker(const std::function<void(core::Shard&)>& task)
{
    for (auto& worker : m_workers) {
        runOn(*worker, [task, shard = &worker->shard()] { task(*shard); });
    }
}

void Server::stop(std::chrono::milliseconds grace)
{
    if (!m_started) {
        return;
    }
    m_started = false;
    runOn(*m_workers.front(), [this] { m_listener->stop(); });

    // Tell every client, then give the sockets until the deadline to flush and close.
    runOnEveryWorker([](core::Shard& shard) {
        for (core::ClientConnection* c : shard.connectionsSnapshot()) {
            c->disconnect(protocol::ReasonCode::ServerShuttingDown, true);
        }
    });
    const auto deadline = std::chrono::steady_clock::now() + grace;
    for (auto& worker : m_workers) {
        auto drain = std::make_shared<Drain>(worker->context(), worker->shard(), deadline);
        asio::post(worker->context(), [drain] { checkDrained(drain); });
        drain->drained.wait();
    }
    for (auto& worker : m_workers) {
        worker->stop();
    }
    if (m_options.persistence) {
        m_options.persistence->close(); // commits what the last disconnects wrote
    }
    spdlog::info("MQTT broker stopped");
}

} // namespace sb::net
