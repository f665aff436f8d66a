#include "broker/admin/PrometheusFormatter.h"

#include <cmath>
#include <cstdio>

#include "broker/core/LimitRegistry.h"
#include "broker/core/Metrics.h"

namespace sb::admin {

namespace {

// Builds the text: one HELP and TYPE per family, then its samples.
class Exposition
{
public:
    void family(std::string_view name, std::string_view type, std::string_view help)
    {
        m_text.append("# HELP ").append(name).append(" ").append(help).append("\n");
        m_text.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    }

    void sample(std::string_view name, double value,
                std::initializer_list<std::pair<std::string_view, std::string_view>> labels = {})
    {
        m_text.append(name);
        if (labels.size() != 0) {
            m_text.push_back('{');
            bool first = true;
            for (const auto& [label, labelValue] : labels) {
                if (!first) {
                    m_text.push_back(',');
                }
                first = false;
                m_text.append(label).append("=\"");
                appendEscaped(labelValue);
                m_text.push_back('"');
            }
            m_text.push_back('}');
        }
        m_text.push_back(' ');
        appendNumber(value);
        m_text.push_back('\n');
    }

    void single(std::string_view name, std::string_view type, std::string_view help, double value)
    {
        family(name, type, help);
        sample(name, value);
    }

    std::string take() { return std::move(m_text); }

private:
    void appendEscaped(std::string_view value)
    {
        for (const char c : value) {
            if (c == '\\' || c == '"') {
                m_text.push_back('\\');
                m_text.push_back(c);
            } else if (c == '\n') {
                m_text.append("\\n");
            } else {
                m_text.push_back(c);
            }
        }
    }

    void appendNumber(double value)
    {
        if (std::isinf(value)) {
            m_text.append(value > 0 ? "+Inf" : "-Inf");
            return;
        }
        std::array<char, 64> buffer{};
        // Integers (the usual counter) print exactly; other values with enough digits.
        const bool integral = value == std::floor(value) && std::fabs(value) < 1e15;
        const int n = integral ? std::snprintf(buffer.data(), buffer.size(), "%.0f", value)
                               : std::snprintf(buffer.data(), buffer.size(), "%.9g", value);
        m_text.append(buffer.data(), static_cast<std::size_t>(n));
    }

    std::string m_text;
};

double d(std::uint64_t value)
{
    return static_cast<double>(value);
}

std::string qosLabel(std::size_t qos)
{
    return std::to_string(qos);
}

std::string boundLabel(double bound)
{
    std::array<char, 32> buffer{};
    const int n = std::snprintf(buffer.data(), buffer.size(), "%g", bound);
    return std::string(buffer.data(), static_cast<std::size_t>(n));
}

} // namespace

const std::vector<double>& PrometheusFormatter::latencyBounds()
{
    static const std::vector<double> bounds = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                               0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                               0.5,     1,      2.5,     5,      10};
    return bounds;
}

std::vector<std::uint64_t>
PrometheusFormatter::cumulative(const core::LatencyHistogram::Counts& counts,
                                const std::vector<double>& bounds)
{
    std::vector<std::uint64_t> result(bounds.size(), 0);
    for (std::size_t bucket = 0; bucket < counts.size(); ++bucket) {
        if (counts[bucket] == 0) {
            continue;
        }
        const double upper =
            static_cast<double>(core::LatencyHistogram::upperBoundNanoseconds(bucket)) / 1e9;
        for (std::size_t i = 0; i < bounds.size(); ++i) {
            if (upper <= bounds[i] * (1 + 1e-12)) {
                for (std::size_t j = i; j < bounds.size(); ++j) {
                    result[j] += counts[bucket];
                }
                break;
            }
        }
    }
    return result;
}

double PrometheusFormatter::estimatedSumSeconds(const core::LatencyHistogram::Counts& counts)
{
    double sum = 0;
    for (std::size_t bucket = 0; bucket < counts.size(); ++bucket) {
        if (counts[bucket] == 0) {
            continue;
        }
        const double upper = d(core::LatencyHistogram::upperBoundNanoseconds(bucket));
        const double lower =
            bucket == 0 ? 0.0 : d(core::LatencyHistogram::upperBoundNanoseconds(bucket - 1) + 1);
        sum += d(counts[bucket]) * (lower + upper) / 2.0;
    }
    return sum / 1e9;
}

std::string PrometheusFormatter::format(const Input& in)
{
    Exposition out;
    const core::Broker::Totals& t = in.totals;

    out.family("switchboard_build_info", "gauge", "Switchboard version (value is always 1).");
    out.sample("switchboard_build_info", 1, {{"version", in.version}});
    out.single("switchboard_uptime_seconds", "gauge", "Seconds since the broker started.",
               in.uptimeSeconds);
    out.single("switchboard_workers", "gauge", "Broker worker threads.", in.workers);

    out.single("switchboard_connections", "gauge", "Open client network connections.",
               d(in.connections));
    out.single("switchboard_connections_accepted_total", "counter",
               "Client network connections accepted.", d(t.connectionsAccepted));
    out.single("switchboard_client_connects_total", "counter",
               "MQTT clients accepted (CONNACK with success).", d(t.clientsConnected));
    out.single("switchboard_client_disconnects_total", "counter",
               "MQTT clients that went away after being accepted.", d(t.clientsDisconnected));
    out.single("switchboard_sessions", "gauge", "Sessions, online and offline.", d(in.sessions));
    out.single("switchboard_subscriptions", "gauge", "Subscriptions of all sessions.",
               d(in.subscriptions));
    out.single("switchboard_retained_messages", "gauge", "Retained messages kept.", d(in.retained));
    out.single("switchboard_queued_messages", "gauge",
               "Messages waiting in session queues (memory and store), sampled each second.",
               d(in.queuedMessages));
    out.single("switchboard_inflight_messages", "gauge",
               "QoS 1/2 messages sent to clients and not yet acknowledged, sampled each second.",
               d(in.inflightMessages));

    out.family("switchboard_messages_received_total", "counter",
               "PUBLISH packets received from clients, by QoS.");
    for (std::size_t q = 0; q < 3; ++q) {
        out.sample("switchboard_messages_received_total", d(t.messagesReceived[q]),
                   {{"qos", qosLabel(q)}});
    }
    out.family("switchboard_messages_delivered_total", "counter",
               "PUBLISH packets written to clients (first sends, not resends), by QoS.");
    for (std::size_t q = 0; q < 3; ++q) {
        out.sample("switchboard_messages_delivered_total", d(t.messagesDelivered[q]),
                   {{"qos", qosLabel(q)}});
    }
    out.single("switchboard_bytes_received_total", "counter", "Bytes read from clients.",
               d(t.bytesReceived));
    out.single("switchboard_bytes_sent_total", "counter", "Bytes written to clients.",
               d(t.bytesSent));
    out.single("switchboard_protocol_errors_total", "counter",
               "Connections ended for a protocol violation.", d(t.protocolErrors));

    out.family("switchboard_messages_dropped_total", "counter",
               "Deliveries that did not happen, by reason.");
    for (std::size_t r = 0; r < t.dropped.size(); ++r) {
        out.sample("switchboard_messages_dropped_total", d(t.dropped[r]),
                   {{"reason", core::dropReasonName(static_cast<core::DropReason>(r))}});
    }
    out.family("switchboard_dead_letters_total", "counter",
               "Messages kept as dead letters since start, by reason.");
    for (std::size_t r = 0; r < t.deadLettered.size(); ++r) {
        out.sample(
            "switchboard_dead_letters_total", d(t.deadLettered[r]),
            {{"reason", core::deadLetterReasonName(static_cast<core::DeadLetterReason>(r))}});
    }
    if (in.deadLetterStore) {
        out.single("switchboard_dead_letters_stored", "gauge", "Dead letters kept now.",
                   d(in.deadLetterStore->total));
        out.single("switchboard_dead_letters_stored_bytes", "gauge",
                   "Payload bytes of the dead letters kept now.", d(in.deadLetterStore->bytes));
        out.single("switchboard_dead_letters_evicted_total", "counter",
                   "Dead letters removed to stay within the store's bounds.",
                   d(in.deadLetterStore->evicted));
    }

    out.family("switchboard_limit_rejections_total", "counter",
               "Operations refused by a limit, by limit name.");
    std::map<std::string, std::uint64_t> rejections = in.rejections;
    for (const auto& spec : core::LimitRegistry::specs()) {
        rejections.emplace(std::string(spec.name), 0);
    }
    for (const auto& [limit, count] : rejections) {
        out.sample("switchboard_limit_rejections_total", d(count), {{"limit", limit}});
    }

    const std::string_view latency = "switchboard_delivery_latency_seconds";
    out.family(latency, "histogram", "Time from reading a PUBLISH to writing each delivery of it.");
    const auto& bounds = latencyBounds();
    const auto buckets = cumulative(in.latency, bounds);
    std::uint64_t count = 0;
    for (const std::uint64_t c : in.latency) {
        count += c;
    }
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        out.sample("switchboard_delivery_latency_seconds_bucket", d(buckets[i]),
                   {{"le", boundLabel(bounds[i])}});
    }
    out.sample("switchboard_delivery_latency_seconds_bucket", d(count), {{"le", "+Inf"}});
    out.sample("switchboard_delivery_latency_seconds_sum", estimatedSumSeconds(in.latency));
    out.sample("switchboard_delivery_latency_seconds_count", d(count));

    if (in.store) {
        out.single("switchboard_store_healthy", "gauge",
                   "1 while the store commits, 0 after a failed write.", in.storeHealthy ? 1 : 0);
        out.single("switchboard_store_commits_total", "counter", "Store transactions committed.",
                   d(in.store->commits));
        out.single("switchboard_store_failed_commits_total", "counter",
                   "Store transactions that failed.", d(in.store->failedCommits));
        out.single("switchboard_store_writes_total", "counter", "Store operations applied.",
                   d(in.store->writes));
        out.single("switchboard_store_pending_operations", "gauge",
                   "Store operations submitted and not yet committed.",
                   d(in.store->queuedOperations));
        out.single("switchboard_store_database_bytes", "gauge", "Size of the database file.",
                   d(in.store->databaseBytes));
    }

    if (in.process) {
        const ProcessStats& p = *in.process;
        out.single("process_cpu_seconds_total", "counter",
                   "Total user and system CPU time spent in seconds.", p.cpuSeconds);
        out.single("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                   d(p.residentBytes));
        out.single("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
                   d(p.virtualBytes));
        out.single("process_start_time_seconds", "gauge",
                   "Start time of the process since unix epoch in seconds.", p.startTimeSeconds);
        out.single("process_open_fds", "gauge", "Number of open file descriptors.", d(p.openFds));
        out.single("process_max_fds", "gauge", "Maximum number of open file descriptors.",
                   d(p.maxFds));
    }
    return out.take();
}

} // namespace sb::admin
