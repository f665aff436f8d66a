#include "broker/tools/bench/Report.h"

#include <cmath>
#include <cstdio>

#include "broker/tools/bench/JsonObject.h"

namespace sb::bench {

LatencySummary LatencySummary::of(const LatencyHistogram& histogram)
{
    auto micros = [](std::uint64_t nanos) {
        return static_cast<double>(nanos) / 1000.0;
    };
    LatencySummary summary;
    summary.count = histogram.count();
    summary.p50 = micros(histogram.percentile(50));
    summary.p90 = micros(histogram.percentile(90));
    summary.p99 = micros(histogram.percentile(99));
    summary.p999 = micros(histogram.percentile(99.9));
    summary.max = micros(histogram.max());
    summary.mean = histogram.mean() / 1000.0;
    return summary;
}

namespace {

std::string versionText(protocol::Version version)
{
    return version == protocol::Version::V5 ? "5" : "3.1.1";
}

// Rounds for the JSON: microsecond values to 0.1 us, rates to whole messages.
double round1(double value)
{
    return std::round(value * 10.0) / 10.0;
}

std::string format(const char* pattern, double value)
{
    char text[64];
    std::snprintf(text, sizeof text, pattern, value);
    return text;
}

std::string count(std::uint64_t value)
{
    // Thousands separators: 1,234,567 reads faster than 1234567 in a table.
    std::string digits = std::to_string(value);
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
        digits.insert(static_cast<std::size_t>(i), ",");
    }
    return digits;
}

JsonObject latencyJson(const LatencySummary& s)
{
    JsonObject json;
    json.add("count", s.count)
        .add("p50", round1(s.p50))
        .add("p90", round1(s.p90))
        .add("p99", round1(s.p99))
        .add("p999", round1(s.p999))
        .add("max", round1(s.max))
        .add("mean", round1(s.mean));
    return json;
}

void row(std::ostream& out, const std::string& name, const std::string& value)
{
    char label[40];
    std::snprintf(label, sizeof label, "  %-26s", name.c_str());
    out << label << value << "\n";
}

void latencyRow(std::ostream& out, const std::string& name, const LatencySummary& s)
{
    if (s.count == 0) {
        return;
    }
    char text[160];
    std::snprintf(text, sizeof text, "p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  (us)",
                  s.p50, s.p90, s.p99, s.p999, s.max);
    row(out, name, text);
}

} // namespace

void printTable(std::ostream& out, const BenchOptions& o, const RunResult& r)
{
    const bool idle = o.scenario == Scenario::Idle;
    out << "switchboard-bench " << scenarioName(o.scenario) << " against " << o.host << ":"
        << o.port << (o.tls ? " (TLS)" : "") << ", MQTT " << versionText(o.version) << "\n";
    if (idle) {
        row(out, "connections", count(o.connections) + ", held " + format("%.1f s", o.duration));
    } else {
        std::string traffic =
            "QoS " + std::to_string(o.qos) + ", " + std::to_string(o.payloadSize) + " B payload, " +
            std::to_string(o.publishers) + " pub -> " + std::to_string(o.subscribers) + " sub (" +
            (o.topicMode == TopicMode::Pairs ? "pairs" : "shared") + ")";
        row(out, "traffic", traffic);
        std::string bound = o.messages > 0 ? count(o.messages) + " messages" : "";
        if (o.duration > 0) {
            bound += (bound.empty() ? "" : " or ") + format("%.1f s", o.duration);
        }
        bound += o.rate > 0 ? ", " + format("%.0f msgs/s", o.rate) : ", unlimited rate";
        if (o.qos > 0) {
            bound += ", in-flight " + std::to_string(o.inflight);
        }
        row(out, "schedule", bound);
    }
    row(out, "status", r.status + (r.correct ? " (correct)" : idle ? "" : " (NOT correct)"));
    for (const std::string& error : r.errors) {
        row(out, "error", error);
    }
    row(out, "connected",
        count(r.connected) + "/" + count(r.connectionsPlanned) + " in " +
            format("%.2f s", r.connectSeconds) + (idle ? format(" (%.0f/s)", r.connectRate) : ""));
    latencyRow(out, "connect time", r.connectLatency);
    if (idle) {
        row(out, "dropped while idle", count(r.droppedWhileIdle));
    } else {
        row(out, "published",
            count(r.published) + format(" (%.0f msgs/s)", r.sentPerSecond) +
                (o.qos > 0 ? ", acknowledged " + count(r.acknowledged) +
                                 (r.rejected ? ", rejected " + count(r.rejected) : "")
                           : ""));
        row(out, "delivered",
            count(r.delivered) + " of " + count(r.expectedDeliveries) + " expected" +
                format(" (%.0f/s while receiving, ", r.receivedPerSecond) +
                format("%.0f/s end to end)", r.deliveriesPerSecond));
        row(out, "lost / dup / reordered",
            count(r.lost) + " / " + count(r.duplicates) + " / " + count(r.reordered) +
                (r.lossAccountingApproximate ? " (too many gaps: approximate)" : ""));
        if (r.foreign + r.malformed + r.unexpected > 0) {
            row(out, "foreign / malformed / unexp.",
                count(r.foreign) + " / " + count(r.malformed) + " / " + count(r.unexpected));
        }
        latencyRow(out, "latency", r.latency);
        latencyRow(out, "latency (uncorrected)", r.latencyUncorrected);
        latencyRow(out, "bench send lag", r.sendLag);
    }
    row(out, "bench CPU",
        format("%.2f s", r.benchCpu.total()) + format(" (user %.2f", r.benchCpu.user) +
            format(", sys %.2f)", r.benchCpu.system) +
            format(" = %.0f%% of a core", r.benchCpuPercent) + " over " +
            format("%.2f s", r.wallSeconds) + ", " + count(r.benchRssKiB) + " KiB RSS");
    if (!idle && r.eventsPerCpuSecond > 0) {
        row(out, "bench capacity",
            format("%.0f sends+receives per CPU second", r.eventsPerCpuSecond));
    }
    if (o.spin) {
        row(out, "bench busy",
            format("%.0f%% of a core", r.benchBusyPercent) +
                " (--spin: the rest of its CPU was polling for work)");
    }
    // The generator is suspect when it used (nearly) all the CPU its threads could get; a
    // spinning one always does, so there it is the time it found work.
    if ((o.spin ? r.benchBusyPercent : r.benchCpuPercent) > 85.0 * o.threads) {
        row(out, "WARNING",
            "the bench used most of its threads' CPU: it may be the bottleneck "
            "(try --threads)");
    }
    if (r.brokerCpu) {
        row(out, "broker CPU",
            format("%.2f s", r.brokerCpu->total()) +
                format(" = %.0f%% of a core", r.brokerCpuPercent.value_or(0)));
    }
    if (r.brokerRssBeforeKiB && r.brokerRssAfterKiB) {
        std::string rss =
            count(*r.brokerRssBeforeKiB) + " -> " + count(*r.brokerRssAfterKiB) + " KiB";
        if (r.brokerRssPerConnectionKiB) {
            rss += format(" (%.1f KiB per connection)", *r.brokerRssPerConnectionKiB);
        }
        row(out, "broker RSS", rss);
    }
}

std::string jsonLine(const BenchOptions& o, const RunResult& r)
{
    const bool idle = o.scenario == Scenario::Idle;
    JsonObject parameters;
    parameters.add("scenario", scenarioName(o.scenario))
        .add("host", o.host)
        .add("port", o.port)
        .add("protocol", versionText(o.version))
        .add("tls", o.tls)
        .add("qos", o.qos)
        .add("payload", std::uint64_t{o.payloadSize})
        .add("messages", o.messages)
        .add("duration", o.duration)
        .add("rate", o.rate)
        .add("inflight", o.inflight)
        .add("publishers", idle ? 0u : o.publishers)
        .add("subscribers", idle ? 0u : o.subscribers)
        .add("connections", idle ? o.connections : o.publishers + o.subscribers)
        .add("topic_mode", o.topicMode == TopicMode::Pairs ? "pairs" : "shared")
        .add("topic_root", o.topicRoot)
        .add("clean", o.cleanSession)
        .add("threads", o.threads)
        .add("spin", o.spin)
        .add("batch_bytes", std::uint64_t{o.batchBytes})
        .add("source_addresses", std::uint64_t{o.sourceAddresses.size()})
        .add("timeout", o.timeout);

    JsonObject bench;
    bench.add("cpu_user_s", r.benchCpu.user)
        .add("cpu_sys_s", r.benchCpu.system)
        .add("cpu_s", r.benchCpu.total())
        .add("cpu_percent", round1(r.benchCpuPercent))
        .add("wall_s", r.wallSeconds)
        .add("events_per_cpu_s", std::round(r.eventsPerCpuSecond))
        .add("rss_kib", r.benchRssKiB);
    if (o.spin) {
        bench.add("busy_percent", round1(r.benchBusyPercent));
    }

    JsonObject broker;
    if (o.brokerPid) {
        broker.add("pid", *o.brokerPid);
    }
    if (r.brokerRssBeforeKiB) {
        broker.add("rss_before_kib", *r.brokerRssBeforeKiB);
    }
    if (r.brokerRssAfterKiB) {
        broker.add("rss_after_kib", *r.brokerRssAfterKiB);
    }
    if (r.brokerRssPerConnectionKiB) {
        broker.add("rss_per_connection_kib", round1(*r.brokerRssPerConnectionKiB));
    }
    if (r.brokerCpu) {
        broker.add("cpu_s", r.brokerCpu->total())
            .add("cpu_percent", round1(r.brokerCpuPercent.value_or(0)));
    }

    JsonObject line;
    line.add("tool", "switchboard-bench")
        .add("started_at", r.startedAt)
        .add("parameters", parameters)
        .add("status", r.status)
        .add("correct", r.correct)
        .add("error_count", r.errorCount)
        .add("errors", r.errors)
        .add("connections_planned", r.connectionsPlanned)
        .add("connected", r.connected)
        .add("connect_failed", r.connectFailed)
        .add("connect_s", r.connectSeconds)
        .add("connect_rate", std::round(r.connectRate))
        .add("connect_latency_us", latencyJson(r.connectLatency))
        .add("dropped_while_idle", r.droppedWhileIdle)
        .add("published", r.published)
        .add("acknowledged", r.acknowledged)
        .add("rejected", r.rejected)
        .add("expected_deliveries", r.expectedDeliveries)
        .add("delivered", r.delivered)
        .add("lost", r.lost)
        .add("duplicates", r.duplicates)
        .add("reordered", r.reordered)
        .add("unexpected", r.unexpected)
        .add("foreign", r.foreign)
        .add("malformed", r.malformed)
        .add("loss_accounting_approximate", r.lossAccountingApproximate)
        .add("granted_qos", r.grantedQos)
        .add("publish_s", r.publishSeconds)
        .add("receive_s", r.receiveSeconds)
        .add("elapsed_s", r.elapsedSeconds)
        .add("sent_per_s", std::round(r.sentPerSecond))
        .add("received_per_s", std::round(r.receivedPerSecond))
        .add("deliveries_per_s", std::round(r.deliveriesPerSecond))
        .add("latency_us", latencyJson(r.latency))
        .add("latency_uncorrected_us", latencyJson(r.latencyUncorrected))
        .add("send_lag_us", latencyJson(r.sendLag))
        .add("bench", bench)
        .add("broker", broker);
    return line.text();
}

} // namespace sb::bench
