#include "broker/admin/StatsSampler.h"

#include <algorithm>

#include <boost/json/serialize.hpp>

#include "broker/admin/ShardFanout.h"
#include "broker/core/ClientConnection.h"
#include "broker/core/DeadLetters.h"
#include "broker/core/Metrics.h"

namespace sb::admin {

namespace {

// One shard's queue depths, read on its thread.
struct ShardQueues
{
    std::uint64_t queued = 0;
    std::uint64_t inflight = 0;
    std::vector<StatsFrame::Queue> top; // at most kTopQueues, any order
};

bool deeper(const StatsFrame::Queue& a, const StatsFrame::Queue& b)
{
    if (a.queued != b.queued) {
        return a.queued > b.queued;
    }
    return a.clientId < b.clientId;
}

ShardQueues readShardQueues(core::Shard& shard)
{
    ShardQueues result;
    shard.forEachSession([&](const core::Session& session) {
        const std::uint64_t queued = session.queuedCount();
        const std::uint64_t inflight = session.inflightCount();
        result.queued += queued;
        result.inflight += inflight;
        if (queued == 0) {
            return;
        }
        StatsFrame::Queue entry{session.clientId, queued, inflight};
        if (result.top.size() < StatsSampler::kTopQueues) {
            result.top.push_back(std::move(entry));
            std::push_heap(result.top.begin(), result.top.end(), deeper);
        } else if (deeper(entry, result.top.front())) {
            std::pop_heap(result.top.begin(), result.top.end(), deeper);
            result.top.back() = std::move(entry);
            std::push_heap(result.top.begin(), result.top.end(), deeper);
        }
    });
    return result;
}

double perSecond(std::uint64_t now, std::uint64_t before, double seconds)
{
    return now >= before && seconds > 0 ? static_cast<double>(now - before) / seconds : 0.0;
}

double seconds(std::uint64_t nanoseconds)
{
    return static_cast<double>(nanoseconds) / 1e9;
}

} // namespace

StatsSampler::StatsSampler(core::Broker& broker, boost::asio::io_context& io, MailboxPtr mailbox,
                           std::chrono::milliseconds interval)
    : m_broker(broker)
    , m_mailbox(std::move(mailbox))
    , m_timer(io)
    , m_interval(interval)
{}

void StatsSampler::start()
{
    m_running = true;
    m_previous = takeSample();
    gatherQueues();
    scheduleTick();
}

void StatsSampler::stop()
{
    m_running = false;
    m_timer.cancel();
    m_listeners.clear();
}

std::uint64_t StatsSampler::addListener(Listener listener)
{
    const std::uint64_t id = m_nextListener++;
    m_listeners.emplace(id, std::move(listener));
    return id;
}

void StatsSampler::removeListener(std::uint64_t id)
{
    m_listeners.erase(id);
}

core::LatencyHistogram::Counts StatsSampler::latencyCounts() const
{
    core::LatencyHistogram::Counts merged(core::LatencyHistogram::kBuckets, 0);
    for (unsigned i = 0; i < m_broker.shardCount(); ++i) {
        const auto counts = m_broker.shard(i).latency().snapshot();
        for (std::size_t b = 0; b < merged.size(); ++b) {
            merged[b] += counts[b];
        }
    }
    return merged;
}

std::uint64_t StatsSampler::openConnections(core::Broker& broker)
{
    std::uint64_t accepted = 0;
    std::uint64_t closed = 0;
    for (unsigned i = 0; i < broker.shardCount(); ++i) {
        const core::ShardMetrics& m = broker.shard(i).metrics();
        accepted += m.connectionsAccepted.load(std::memory_order_relaxed);
        closed += m.connectionsClosed.load(std::memory_order_relaxed);
    }
    return accepted >= closed ? accepted - closed : 0;
}

StatsSampler::Sample StatsSampler::takeSample()
{
    Sample sample;
    sample.at = std::chrono::steady_clock::now();
    sample.totals = m_broker.totals();
    for (unsigned i = 0; i < m_broker.shardCount(); ++i) {
        core::Shard& shard = m_broker.shard(i);
        sample.connectionsClosed +=
            shard.metrics().connectionsClosed.load(std::memory_order_relaxed);
        // The sampler is the only reader of the maximum, so taking it resets it per interval.
        sample.latencyMaxNs = std::max(sample.latencyMaxNs, shard.latency().takeMaxNanoseconds());
    }
    sample.latency = latencyCounts();
    sample.rejections = m_broker.rejections();
    sample.process = ProcessStats::read();
    return sample;
}

void StatsSampler::scheduleTick()
{
    m_timer.expires_after(m_interval);
    m_timer.async_wait([this](const boost::system::error_code& ec) {
        if (ec || !m_running) {
            return;
        }
        tick();
        scheduleTick();
    });
}

void StatsSampler::gatherQueues()
{
    if (m_gatherPending) {
        return; // a shard has not answered the last request yet; its depths stay a second older
    }
    m_gatherPending = true;
    ShardFanout::run<ShardQueues>(
        m_broker, m_mailbox, [](core::Shard& shard) { return readShardQueues(shard); },
        [this](std::vector<ShardQueues> parts) {
            m_gatherPending = false;
            Queues merged;
            for (ShardQueues& part : parts) {
                merged.queued += part.queued;
                merged.inflight += part.inflight;
                std::move(part.top.begin(), part.top.end(), std::back_inserter(merged.top));
            }
            std::sort(merged.top.begin(), merged.top.end(), deeper);
            if (merged.top.size() > kTopQueues) {
                merged.top.resize(kTopQueues);
            }
            m_queues = std::move(merged);
        });
}

void StatsSampler::tick()
{
    Sample now = takeSample();
    StatsFrame frame = compose(m_previous, now);
    frame.sequence = ++m_sequence;
    m_previous = std::move(now);
    gatherQueues();

    m_latest = std::move(frame);
    if (m_listeners.empty()) {
        return;
    }
    auto text = std::make_shared<const std::string>(boost::json::serialize(m_latest.toJson()));
    // A listener may remove itself (its connection failed) while being called.
    const auto listeners = m_listeners;
    for (const auto& [id, listener] : listeners) {
        listener(text);
    }
}

StatsFrame StatsSampler::compose(const Sample& before, const Sample& now) const
{
    StatsFrame frame;
    frame.time = m_broker.clock().wallNow();
    const double interval = std::chrono::duration<double>(now.at - before.at).count();
    frame.intervalSeconds = interval;

    const core::Broker::Totals& t = now.totals;
    const core::Broker::Totals& p = before.totals;
    frame.connections = t.connectionsAccepted >= now.connectionsClosed
                            ? t.connectionsAccepted - now.connectionsClosed
                            : 0;
    frame.clients = t.clientsConnected >= t.clientsDisconnected
                        ? t.clientsConnected - t.clientsDisconnected
                        : 0;
    frame.sessions = m_broker.sessionCount();
    frame.subscriptions = m_broker.router().subscriptionCount();
    frame.retained = m_broker.retainedCount();

    auto sum = [](const std::array<std::uint64_t, 3>& byQos) {
        return byQos[0] + byQos[1] + byQos[2];
    };
    frame.totals.connects = t.clientsConnected;
    frame.totals.disconnects = t.clientsDisconnected;
    frame.totals.messagesIn = sum(t.messagesReceived);
    frame.totals.messagesOut = sum(t.messagesDelivered);
    frame.totals.bytesIn = t.bytesReceived;
    frame.totals.bytesOut = t.bytesSent;
    for (const std::uint64_t n : t.deadLettered) {
        frame.totals.deadLetters += n;
    }
    for (const auto& [name, n] : now.rejections) {
        frame.totals.rejections += n;
    }

    frame.connectsPerSecond = perSecond(t.clientsConnected, p.clientsConnected, interval);
    frame.disconnectsPerSecond = perSecond(t.clientsDisconnected, p.clientsDisconnected, interval);
    frame.messagesInPerSecond =
        perSecond(frame.totals.messagesIn, sum(p.messagesReceived), interval);
    frame.messagesOutPerSecond =
        perSecond(frame.totals.messagesOut, sum(p.messagesDelivered), interval);
    frame.bytesInPerSecond = perSecond(t.bytesReceived, p.bytesReceived, interval);
    frame.bytesOutPerSecond = perSecond(t.bytesSent, p.bytesSent, interval);

    frame.queuedMessages = m_queues.queued;
    frame.inflightMessages = m_queues.inflight;
    frame.topQueues = m_queues.top;

    core::LatencyHistogram::Counts lastInterval(now.latency.size(), 0);
    for (std::size_t b = 0; b < lastInterval.size() && b < before.latency.size(); ++b) {
        lastInterval[b] = now.latency[b] - before.latency[b];
        frame.latency.count += lastInterval[b];
    }
    using H = core::LatencyHistogram;
    frame.latency.p50 = seconds(H::quantileNanoseconds(lastInterval, 0.50));
    frame.latency.p90 = seconds(H::quantileNanoseconds(lastInterval, 0.90));
    frame.latency.p99 = seconds(H::quantileNanoseconds(lastInterval, 0.99));
    frame.latency.p999 = seconds(H::quantileNanoseconds(lastInterval, 0.999));
    frame.latency.max = frame.latency.count == 0 ? 0.0 : seconds(now.latencyMaxNs);

    for (std::size_t r = 0; r < t.dropped.size(); ++r) {
        frame
            .droppedPerSecond[std::string(core::dropReasonName(static_cast<core::DropReason>(r)))] =
            perSecond(t.dropped[r], p.dropped[r], interval);
    }
    for (std::size_t r = 0; r < t.deadLettered.size(); ++r) {
        frame.deadLettersPerSecond[std::string(
            core::deadLetterReasonName(static_cast<core::DeadLetterReason>(r)))] =
            perSecond(t.deadLettered[r], p.deadLettered[r], interval);
    }
    for (const auto& [name, count] : now.rejections) {
        const auto old = before.rejections.find(name);
        frame.rejectionsPerSecond[name] =
            perSecond(count, old == before.rejections.end() ? 0 : old->second, interval);
    }

    frame.process = now.process;
    if (now.process && before.process && interval > 0) {
        frame.cpuPercent =
            100.0 * (now.process->cpuSeconds - before.process->cpuSeconds) / interval;
    }
    return frame;
}

} // namespace sb::admin
