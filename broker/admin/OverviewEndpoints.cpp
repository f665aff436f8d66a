#include "broker/admin/OverviewEndpoints.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "broker/admin/ApiRouter.h"
#include "broker/admin/JsonFormat.h"
#include "broker/admin/PrometheusFormatter.h"
#include "broker/admin/StatsSampler.h"
#include "broker/core/Broker.h"
#include "broker/net/Server.h"

namespace sb::admin {

namespace {

using Verb = ApiRequest::Verb;

double uptimeSeconds(const AdminContext& context)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - context.startedSteady)
        .count();
}

std::string_view durabilityName(const core::Persistence* store)
{
    if (store == nullptr) {
        return "memory";
    }
    return store->durability() == core::Durability::Sync ? "sync" : "async";
}

boost::json::object deadLetterSummary(const core::DeadLetterStats& stats)
{
    boost::json::object byReason;
    for (std::size_t r = 0; r < stats.byReason.size(); ++r) {
        byReason[core::deadLetterReasonName(static_cast<core::DeadLetterReason>(r))] =
            stats.byReason[r];
    }
    return boost::json::object{{"total", stats.total},
                               {"bytes", stats.bytes},
                               {"max_entries", stats.maxEntries},
                               {"max_bytes", stats.maxBytes},
                               {"evicted", stats.evicted},
                               {"by_reason", std::move(byReason)}};
}

} // namespace

void OverviewEndpoints::addRoutes(ApiRouter& router)
{
    router.addPublic(Verb::get, "/healthz",
                     [this](ApiRequest&& r, const Responder& out) { health(r, out); });
    router.add(Verb::get, "/api/v1/overview",
               [this](ApiRequest&& r, const Responder& out) { overview(r, out); });
    router.add(Verb::get, "/metrics",
               [this](ApiRequest&& r, const Responder& out) { metrics(r, out); });
}

void OverviewEndpoints::health(const ApiRequest& /*request*/, const Responder& responder)
{
    const core::Persistence* store = m_context.broker.persistence();
    const bool healthy = store == nullptr || store->isHealthy();
    boost::json::object body{{"status", healthy ? "ok" : "degraded"},
                             {"uptime_seconds", uptimeSeconds(m_context)}};
    if (!healthy) {
        body["problem"] = "the store cannot write: QoS 1/2 messages that must be kept are refused";
    }
    responder.send(ApiResponse::json(body, healthy ? 200 : 503));
}

void OverviewEndpoints::overview(const ApiRequest& /*request*/, const Responder& responder)
{
    core::Broker& broker = m_context.broker;
    const StatsFrame& frame = m_context.sampler->latest();
    const core::Broker::Totals totals = broker.totals();

    boost::json::object body;
    body["version"] = m_context.version;
    body["started_at"] = JsonFormat::time(m_context.startedAt);
    body["uptime_seconds"] = uptimeSeconds(m_context);
    const net::ServerOptions& options = m_context.server.options();
    body["listeners"] =
        boost::json::array{boost::json::object{{"protocol", "mqtt"},
                                               {"transport", "tcp"},
                                               {"address", options.bindAddress},
                                               {"port", m_context.server.port()}},
                           boost::json::object{{"protocol", "admin"},
                                               {"transport", m_context.tls ? "https" : "http"},
                                               {"address", m_context.options.bindAddress},
                                               {"port", m_context.port}}};
    body["workers"] = m_context.server.workerCount();
    body["durability"] = durabilityName(broker.persistence());
    body["connections"] = StatsSampler::openConnections(broker);
    body["clients"] = totals.clientsConnected >= totals.clientsDisconnected
                          ? totals.clientsConnected - totals.clientsDisconnected
                          : 0;
    body["sessions"] = broker.sessionCount();
    body["subscriptions"] = broker.router().subscriptionCount();
    body["retained"] = broker.retainedCount();
    body["queued_messages"] = frame.queuedMessages;
    body["inflight_messages"] = frame.inflightMessages;
    body["rates"] = boost::json::object{{"interval_seconds", frame.intervalSeconds},
                                        {"connects_per_second", frame.connectsPerSecond},
                                        {"disconnects_per_second", frame.disconnectsPerSecond},
                                        {"messages_in_per_second", frame.messagesInPerSecond},
                                        {"messages_out_per_second", frame.messagesOutPerSecond},
                                        {"bytes_in_per_second", frame.bytesInPerSecond},
                                        {"bytes_out_per_second", frame.bytesOutPerSecond}};
    std::uint64_t messagesIn = 0;
    std::uint64_t messagesOut = 0;
    for (std::size_t q = 0; q < 3; ++q) {
        messagesIn += totals.messagesReceived[q];
        messagesOut += totals.messagesDelivered[q];
    }
    body["totals"] = boost::json::object{
        {"connects", totals.clientsConnected}, {"disconnects", totals.clientsDisconnected},
        {"messages_in", messagesIn},           {"messages_out", messagesOut},
        {"bytes_in", totals.bytesReceived},    {"bytes_out", totals.bytesSent}};
    const auto process = ProcessStats::read();
    boost::json::object cpu{{"percent", frame.cpuPercent}};
    boost::json::object memory;
    if (process) {
        cpu["seconds_total"] = process->cpuSeconds;
        memory["resident_bytes"] = process->residentBytes;
        memory["virtual_bytes"] = process->virtualBytes;
    }
    body["cpu"] = std::move(cpu);
    body["memory"] = std::move(memory);
    if (const core::Persistence* store = broker.persistence()) {
        const auto stats = store->stats();
        body["store"] = boost::json::object{{"path", store->path()},
                                            {"healthy", store->isHealthy()},
                                            {"commits", stats.commits},
                                            {"pending_operations", stats.queuedOperations},
                                            {"database_bytes", stats.databaseBytes}};
    }

    // The dead-letter count comes from its store, which answers on its own thread.
    auto partial = std::make_shared<boost::json::object>(std::move(body));
    broker.deadLetters().stats([partial, responder](core::DeadLetterStats stats) {
        responder.mailbox()->post([partial, responder, stats] {
            (*partial)["dead_letters"] = deadLetterSummary(stats);
            responder.send(ApiResponse::json(*partial));
        });
    });
}

void OverviewEndpoints::metrics(const ApiRequest& /*request*/, const Responder& responder)
{
    core::Broker& broker = m_context.broker;
    auto input = std::make_shared<PrometheusFormatter::Input>();
    input->version = m_context.version;
    input->uptimeSeconds = uptimeSeconds(m_context);
    input->workers = m_context.server.workerCount();
    input->totals = broker.totals();
    input->connections = StatsSampler::openConnections(broker);
    input->sessions = broker.sessionCount();
    input->subscriptions = broker.router().subscriptionCount();
    input->retained = broker.retainedCount();
    input->queuedMessages = m_context.sampler->latest().queuedMessages;
    input->inflightMessages = m_context.sampler->latest().inflightMessages;
    input->rejections = broker.rejections();
    input->latency = m_context.sampler->latencyCounts();
    input->process = ProcessStats::read();
    if (const core::Persistence* store = broker.persistence()) {
        input->store = store->stats();
        input->storeHealthy = store->isHealthy();
    }
    broker.deadLetters().stats([input, responder](core::DeadLetterStats stats) {
        // Formatted on the admin thread, not the store's.
        responder.mailbox()->post([input, responder, stats] {
            input->deadLetterStore = stats;
            responder.send(ApiResponse::text(PrometheusFormatter::format(*input),
                                             std::string(PrometheusFormatter::kContentType)));
        });
    });
}

} // namespace sb::admin
