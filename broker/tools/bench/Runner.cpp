#include "broker/tools/bench/Runner.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <stdexcept>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "broker/tools/bench/IdleClient.h"
#include "broker/tools/bench/MonotonicClock.h"

namespace sb::bench {

namespace {

// Polling interval of the coordinating thread: it only watches counters, never the traffic.
constexpr auto kPollInterval = std::chrono::milliseconds(1);
// Closing every connection politely after the run is bounded too.
constexpr std::int64_t kDisconnectGraceNanos = 2 * kNanosPerSecond;

std::int64_t toNanos(double seconds)
{
    return static_cast<std::int64_t>(seconds * static_cast<double>(kNanosPerSecond));
}

double toSeconds(std::int64_t nanos)
{
    return static_cast<double>(nanos) / static_cast<double>(kNanosPerSecond);
}

std::string utcNow()
{
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

std::string hexTag(std::uint32_t tag)
{
    char text[16];
    std::snprintf(text, sizeof text, "%08x", tag);
    return text;
}

} // namespace

Runner::Runner(BenchOptions options)
    : m_options(std::move(options))
{
    m_settings.options = &m_options;
}

Runner::~Runner()
{
    // Threads first: connections (and their sockets) must outlive every running handler and
    // die before their io_context.
    for (auto& thread : m_threads) {
        thread->stopAndJoin();
    }
}

bool Runner::pastDeadline() const
{
    return monotonicNanos() >= m_deadline;
}

void Runner::setUp()
{
    const std::uint64_t connections =
        m_options.scenario == Scenario::Idle
            ? m_options.connections
            : std::uint64_t{m_options.publishers} + m_options.subscribers;
    const std::uint64_t fileLimit = raiseOpenFileLimit();
    if (connections + 32 > fileLimit) {
        throw std::runtime_error(std::to_string(connections) +
                                 " connections need more open files than the limit of " +
                                 std::to_string(fileLimit) +
                                 " (raise it with ulimit -n, or run several bench processes)");
    }

    boost::asio::io_context resolverContext;
    boost::asio::ip::tcp::resolver resolver(resolverContext);
    boost::system::error_code ec;
    const auto endpoints = resolver.resolve(m_options.host, std::to_string(m_options.port), ec);
    if (ec || endpoints.empty()) {
        throw std::runtime_error("cannot resolve " + m_options.host + ": " + ec.message());
    }
    m_settings.broker = endpoints.begin()->endpoint();

    for (const std::string& text : m_options.sourceAddresses) {
        const auto address = boost::asio::ip::make_address(text, ec);
        if (ec) {
            throw std::runtime_error("bad --source-addresses entry '" + text + "'");
        }
        m_sources.push_back(address);
    }

    if (m_options.tls) {
        namespace ssl = boost::asio::ssl;
        m_tls = std::make_unique<ssl::context>(ssl::context::tls_client);
        m_tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1);
        try {
            if (m_options.insecure) {
                m_tls->set_verify_mode(ssl::verify_none);
            } else {
                m_tls->set_verify_mode(ssl::verify_peer);
                if (m_options.caFile.empty()) {
                    m_tls->set_default_verify_paths();
                } else {
                    m_tls->load_verify_file(m_options.caFile);
                }
            }
            if (!m_options.certFile.empty()) {
                m_tls->use_certificate_chain_file(m_options.certFile);
                m_tls->use_private_key_file(m_options.keyFile, ssl::context::pem);
            }
        } catch (const boost::system::system_error& error) {
            throw std::runtime_error(std::string("TLS set-up: ") + error.what());
        }
        m_settings.tls = m_tls.get();
    }

    m_plan = buildPlan(m_options);
    for (unsigned i = 0; i < m_options.threads; ++i) {
        m_threads.push_back(std::make_unique<IoThread>(m_options.spin));
    }
}

void Runner::createConnections()
{
    const std::string prefix = "sbb-" + hexTag(m_options.runTag) + "-";
    std::size_t next = 0; // round-robin over threads and source addresses together
    auto place = [&]() -> std::pair<IoThread*, std::optional<boost::asio::ip::address>> {
        const std::size_t index = next++;
        std::optional<boost::asio::ip::address> source;
        if (!m_sources.empty()) {
            source = m_sources[index % m_sources.size()];
        }
        return {m_threads[index % m_threads.size()].get(), source};
    };

    if (m_options.scenario == Scenario::Idle) {
        for (std::uint32_t i = 0; i < m_options.connections; ++i) {
            auto [thread, source] = place();
            m_idle.push_back(std::make_unique<IdleClient>(
                *thread, m_settings, prefix + "c" + std::to_string(i), source));
            thread->adopt(m_idle.back().get());
        }
        return;
    }
    const auto publisherCount = static_cast<std::uint32_t>(m_plan.publishers.size());
    for (std::size_t i = 0; i < m_plan.subscribers.size(); ++i) {
        auto [thread, source] = place();
        m_subscribers.push_back(
            std::make_unique<Subscriber>(*thread, m_settings, prefix + "s" + std::to_string(i),
                                         source, m_plan.subscribers[i], publisherCount));
        thread->adopt(m_subscribers.back().get());
    }
    for (std::size_t i = 0; i < m_plan.publishers.size(); ++i) {
        auto [thread, source] = place();
        m_publishers.push_back(std::make_unique<Publisher>(
            *thread, m_settings, prefix + "p" + std::to_string(i), source, m_plan.publishers[i]));
        thread->adopt(m_publishers.back().get());
        m_threadOfPublisher.push_back(thread);
    }
}

void Runner::connectGroup(const std::vector<Connection*>& group, Clock deadline)
{
    const std::uint64_t before =
        total(&ThreadProgress::connected) + total(&ThreadProgress::connectFailed);
    const auto threads = static_cast<std::uint32_t>(m_threads.size());
    const std::uint32_t concurrency = std::max(1u, m_options.connectConcurrency / threads);
    const double rate = m_options.connectRate / threads;
    for (auto& thread : m_threads) {
        std::vector<Connection*> mine;
        for (Connection* connection : group) {
            if (&connection->thread() == thread.get()) {
                mine.push_back(connection);
            }
        }
        IoThread* target = thread.get();
        boost::asio::post(target->context(),
                          [target, mine = std::move(mine), concurrency, rate]() mutable {
                              target->connectAll(std::move(mine), concurrency, rate);
                          });
    }
    while (total(&ThreadProgress::connected) + total(&ThreadProgress::connectFailed) - before <
           group.size()) {
        if (monotonicNanos() >= deadline) {
            m_timedOut = true;
            return;
        }
        std::this_thread::sleep_for(kPollInterval);
    }
}

RunResult Runner::run()
{
    RunResult result;
    result.startedAt = utcNow();
    m_deadline = monotonicNanos() + toNanos(m_options.timeout);
    setUp();
    createConnections();
    for (auto& thread : m_threads) {
        thread->start();
    }
    if (m_options.scenario == Scenario::Idle) {
        runIdle(result);
    } else {
        runTraffic(result);
    }
    tearDown();
    collect(result);
    return result;
}

void Runner::runTraffic(RunResult& result)
{
    std::vector<Connection*> subscribers;
    for (auto& subscriber : m_subscribers) {
        subscribers.push_back(subscriber.get());
    }
    std::vector<Connection*> publishers;
    for (auto& publisher : m_publishers) {
        publishers.push_back(publisher.get());
    }

    const Clock connectStart = monotonicNanos();
    connectGroup(subscribers, m_deadline);
    // Every subscription must be in place before the first message, or its losses would be
    // the bench's fault.
    while (!m_timedOut && total(&ThreadProgress::errors) == 0 &&
           total(&ThreadProgress::subscribed) < m_subscribers.size()) {
        if (pastDeadline()) {
            m_timedOut = true;
            break;
        }
        std::this_thread::sleep_for(kPollInterval);
    }
    if (!m_timedOut && total(&ThreadProgress::errors) == 0) {
        connectGroup(publishers, m_deadline);
    }
    result.connectSeconds = toSeconds(monotonicNanos() - connectStart);
    if (m_timedOut || total(&ThreadProgress::errors) > 0) {
        return; // the report says why; nothing was published
    }

    const CpuSeconds cpuBefore = selfCpu();
    const std::uint64_t busyBefore = total(&ThreadProgress::busyNanos);
    std::optional<CpuSeconds> brokerBefore;
    if (m_options.brokerPid) {
        brokerBefore = processCpu(*m_options.brokerPid);
        result.brokerRssBeforeKiB = residentKiB(*m_options.brokerPid);
    }
    m_startNanos = monotonicNanos();
    startPublishing(m_startNanos);

    while (total(&ThreadProgress::publishersDone) < m_publishers.size()) {
        if (pastDeadline()) {
            m_timedOut = true;
            break;
        }
        std::this_thread::sleep_for(kPollInterval);
    }
    if (m_timedOut) {
        for (std::size_t i = 0; i < m_publishers.size(); ++i) {
            Publisher* publisher = m_publishers[i].get();
            boost::asio::post(m_threadOfPublisher[i]->context(),
                              [publisher] { publisher->halt(); });
        }
    }

    // Drain: until every expected delivery arrived, the drain timeout passed, or nothing has
    // arrived for --drain-quiet seconds (a broker that dropped QoS 0 messages will not send
    // them later).
    const Clock publishEnd = monotonicNanos();
    const Clock drainDeadline = std::min(publishEnd + toNanos(m_options.drainTimeout), m_deadline);
    const std::uint64_t expected = expectedDeliveriesNow();
    while (total(&ThreadProgress::delivered) < expected) {
        const Clock now = monotonicNanos();
        if (now >= drainDeadline) {
            m_timedOut = m_timedOut || now >= m_deadline;
            break;
        }
        Clock lastDelivery = publishEnd;
        for (const auto& thread : m_threads) {
            lastDelivery = std::max(
                lastDelivery, thread->progress().lastDeliveryNanos.load(std::memory_order_relaxed));
        }
        if (now - lastDelivery >= toNanos(m_options.drainQuiet)) {
            break;
        }
        std::this_thread::sleep_for(kPollInterval);
    }

    const CpuSeconds cpuAfter = selfCpu();
    if (m_options.spin) {
        result.benchBusySeconds =
            toSeconds(static_cast<Clock>(total(&ThreadProgress::busyNanos) - busyBefore));
    }
    result.wallSeconds = toSeconds(monotonicNanos() - m_startNanos);
    result.benchCpu =
        CpuSeconds{cpuAfter.user - cpuBefore.user, cpuAfter.system - cpuBefore.system};
    if (brokerBefore) {
        if (const auto brokerAfter = processCpu(*m_options.brokerPid)) {
            result.brokerCpu = CpuSeconds{brokerAfter->user - brokerBefore->user,
                                          brokerAfter->system - brokerBefore->system};
        }
        result.brokerRssAfterKiB = residentKiB(*m_options.brokerPid);
    }
}

void Runner::startPublishing(Clock startNanos)
{
    const double period = m_options.rate > 0
                              ? static_cast<double>(kNanosPerSecond) *
                                    static_cast<double>(m_publishers.size()) / m_options.rate
                              : 0.0;
    const Clock deadline = m_options.duration > 0 ? startNanos + toNanos(m_options.duration) : 0;
    for (auto& thread : m_threads) {
        std::vector<std::pair<Publisher*, Clock>> mine;
        for (std::size_t i = 0; i < m_publishers.size(); ++i) {
            if (m_threadOfPublisher[i] == thread.get()) {
                // Phases spread the publishers evenly over one period.
                const auto phase = static_cast<Clock>(period * static_cast<double>(i) /
                                                      static_cast<double>(m_publishers.size()));
                mine.emplace_back(m_publishers[i].get(), phase);
            }
        }
        IoThread* target = thread.get();
        boost::asio::post(target->context(), [target, mine = std::move(mine), startNanos, deadline,
                                              period, spin = m_options.spin] {
            for (const auto& [publisher, phase] : mine) {
                if (period > 0) {
                    target->pacer().add(publisher, phase);
                }
                publisher->begin(startNanos, deadline, phase, period);
            }
            if (period > 0) {
                target->pacer().start(startNanos, period, spin);
            }
        });
    }
}

std::uint64_t Runner::expectedDeliveriesNow() const
{
    std::uint64_t expected = 0;
    for (const auto& subscriber : m_subscribers) {
        for (const std::uint32_t id : subscriber->plan().expectedPublishers) {
            expected += m_publishers[id]->sentSnapshot();
        }
    }
    return expected;
}

void Runner::runIdle(RunResult& result)
{
    std::vector<Connection*> all;
    for (auto& connection : m_idle) {
        all.push_back(connection.get());
    }
    if (m_options.brokerPid) {
        result.brokerRssBeforeKiB = residentKiB(*m_options.brokerPid);
    }
    std::optional<CpuSeconds> brokerBefore;
    if (m_options.brokerPid) {
        brokerBefore = processCpu(*m_options.brokerPid);
    }
    const CpuSeconds cpuBefore = selfCpu();
    m_startNanos = monotonicNanos();
    connectGroup(all, m_deadline);
    const Clock connected = monotonicNanos();
    result.connectSeconds = toSeconds(connected - m_startNanos);

    // Hold the connections open (the threads send keep-alives) and see whether any drop.
    const std::uint64_t closedBefore = total(&ThreadProgress::closed);
    const Clock holdEnd = std::min(connected + toNanos(m_options.duration), m_deadline);
    const bool anyOpen = total(&ThreadProgress::connected) > 0;
    while (anyOpen && !m_timedOut && monotonicNanos() < holdEnd) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    result.droppedWhileIdle =
        static_cast<std::uint32_t>(total(&ThreadProgress::closed) - closedBefore);

    const CpuSeconds cpuAfter = selfCpu();
    result.wallSeconds = toSeconds(monotonicNanos() - m_startNanos);
    result.benchCpu =
        CpuSeconds{cpuAfter.user - cpuBefore.user, cpuAfter.system - cpuBefore.system};
    result.benchRssKiB = selfResidentKiB();
    if (m_options.brokerPid) {
        result.brokerRssAfterKiB = residentKiB(*m_options.brokerPid);
        if (const auto brokerAfter = processCpu(*m_options.brokerPid);
            brokerAfter && brokerBefore) {
            result.brokerCpu = CpuSeconds{brokerAfter->user - brokerBefore->user,
                                          brokerAfter->system - brokerBefore->system};
        }
    }
}

void Runner::tearDown()
{
    for (auto& thread : m_threads) {
        IoThread* target = thread.get();
        boost::asio::post(target->context(), [target] { target->disconnectAll(); });
    }
    std::uint64_t connections = 0;
    for (const auto& thread : m_threads) {
        connections += thread->connectionCount();
    }
    const Clock giveUp = monotonicNanos() + kDisconnectGraceNanos;
    while (total(&ThreadProgress::closed) < connections && monotonicNanos() < giveUp) {
        std::this_thread::sleep_for(kPollInterval);
    }
    for (auto& thread : m_threads) {
        thread->stopAndJoin();
    }
}

void Runner::collect(RunResult& result) const
{
    result.connectionsPlanned =
        static_cast<std::uint32_t>(m_idle.size() + m_publishers.size() + m_subscribers.size());
    result.connected = static_cast<std::uint32_t>(total(&ThreadProgress::connected));
    result.connectFailed = static_cast<std::uint32_t>(total(&ThreadProgress::connectFailed));
    result.errorCount = total(&ThreadProgress::errors);

    LatencyHistogram latency;
    LatencyHistogram uncorrected;
    LatencyHistogram sendLag;
    LatencyHistogram connectTime;
    for (const auto& thread : m_threads) {
        latency.merge(thread->latency);
        uncorrected.merge(thread->latencyUncorrected);
        sendLag.merge(thread->sendLag);
        connectTime.merge(thread->connectTime);
        for (const std::string& message : thread->errorMessages()) {
            if (result.errors.size() < 5) {
                result.errors.push_back(message);
            }
        }
    }
    result.latency = LatencySummary::of(latency);
    result.latencyUncorrected = LatencySummary::of(uncorrected);
    result.sendLag = LatencySummary::of(sendLag);
    result.connectLatency = LatencySummary::of(connectTime);
    if (result.connectSeconds > 0) {
        result.connectRate = result.connected / result.connectSeconds;
    }

    Clock lastSend = m_startNanos;
    for (const auto& publisher : m_publishers) {
        result.published += publisher->sent();
        result.acknowledged += publisher->acknowledged();
        result.rejected += publisher->rejected();
        lastSend = std::max(lastSend, publisher->lastSendNanos());
    }

    Clock firstDelivery = 0;
    Clock lastDelivery = m_startNanos;
    for (const auto& subscriber : m_subscribers) {
        result.delivered += subscriber->delivered();
        result.foreign += subscriber->foreign();
        result.malformed += subscriber->malformed();
        if (subscriber->firstDeliveryNanos() != 0 &&
            (firstDelivery == 0 || subscriber->firstDeliveryNanos() < firstDelivery)) {
            firstDelivery = subscriber->firstDeliveryNanos();
        }
        lastDelivery = std::max(lastDelivery, subscriber->lastDeliveryNanos());
        if (subscriber->subscribed()) {
            result.grantedQos = result.grantedQos < 0
                                    ? subscriber->grantedQos()
                                    : std::min<int>(result.grantedQos, subscriber->grantedQos());
        }

        const auto& trackers = subscriber->trackers();
        std::vector<bool> expectedFrom(trackers.size(), false);
        for (const std::uint32_t id : subscriber->plan().expectedPublishers) {
            expectedFrom[id] = true;
            const std::uint64_t sent = m_publishers[id]->sent();
            const std::uint64_t distinct = trackers[id].distinct();
            result.expectedDeliveries += sent;
            result.lost += sent > distinct ? sent - distinct : 0;
        }
        for (std::size_t id = 0; id < trackers.size(); ++id) {
            result.duplicates += trackers[id].duplicates();
            result.reordered += trackers[id].reordered();
            result.lossAccountingApproximate |= trackers[id].gapsForgotten();
            if (!expectedFrom[id]) {
                result.unexpected += trackers[id].received();
            }
        }
    }

    result.publishSeconds = toSeconds(lastSend - m_startNanos);
    result.receiveSeconds = firstDelivery == 0 ? 0 : toSeconds(lastDelivery - firstDelivery);
    result.elapsedSeconds = toSeconds(lastDelivery - m_startNanos);
    if (result.publishSeconds > 0) {
        result.sentPerSecond = static_cast<double>(result.published) / result.publishSeconds;
    }
    if (result.receiveSeconds > 0) {
        result.receivedPerSecond = static_cast<double>(result.delivered) / result.receiveSeconds;
    }
    if (result.elapsedSeconds > 0) {
        result.deliveriesPerSecond = static_cast<double>(result.delivered) / result.elapsedSeconds;
    }

    if (m_options.scenario != Scenario::Idle && result.elapsedSeconds > 0) {
        // CPU% over the active window (first publish to last delivery or send): a drain that
        // waited for losses that never came would otherwise dilute it.
        result.wallSeconds = std::max(result.publishSeconds, result.elapsedSeconds);
    }
    if (result.wallSeconds > 0) {
        result.benchCpuPercent = 100.0 * result.benchCpu.total() / result.wallSeconds;
        if (m_options.spin) {
            result.benchBusyPercent = 100.0 * result.benchBusySeconds / result.wallSeconds;
        }
        if (result.brokerCpu) {
            result.brokerCpuPercent = 100.0 * result.brokerCpu->total() / result.wallSeconds;
        }
    }
    if (result.benchCpu.total() > 0) {
        result.eventsPerCpuSecond =
            static_cast<double>(result.published + result.delivered) / result.benchCpu.total();
    }
    if (result.benchRssKiB == 0) {
        result.benchRssKiB = selfResidentKiB();
    }
    if (result.brokerRssBeforeKiB && result.brokerRssAfterKiB && result.connected > 0 &&
        m_options.scenario == Scenario::Idle) {
        result.brokerRssPerConnectionKiB = (static_cast<double>(*result.brokerRssAfterKiB) -
                                            static_cast<double>(*result.brokerRssBeforeKiB)) /
                                           result.connected;
    }

    if (m_timedOut) {
        result.status = "timeout";
    } else if (result.errorCount > 0 || result.connectFailed > 0 ||
               result.connected < result.connectionsPlanned) {
        result.status = "error";
    }
    const bool orderKept = result.reordered == 0;
    const bool noLoss = m_options.qos == 0 || result.lost == 0;
    const bool exactlyOnce = m_options.qos < 2 || result.duplicates == 0;
    result.correct = result.status == "ok" && orderKept && noLoss && exactlyOnce &&
                     result.malformed == 0 && result.unexpected == 0 && result.rejected == 0;
}

} // namespace sb::bench
