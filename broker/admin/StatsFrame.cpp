#include "broker/admin/StatsFrame.h"

#include <boost/json/array.hpp>

#include "broker/admin/JsonFormat.h"

namespace sb::admin {

namespace {

boost::json::object byName(const std::map<std::string, double>& values)
{
    boost::json::object object;
    for (const auto& [name, value] : values) {
        object[name] = value;
    }
    return object;
}

} // namespace

boost::json::object StatsFrame::toJson() const
{
    boost::json::object frame;
    frame["type"] = "stats";
    frame["sequence"] = sequence;
    frame["time"] = JsonFormat::time(time);
    frame["interval_seconds"] = intervalSeconds;
    frame["connections"] = connections;
    frame["clients"] = clients;
    frame["sessions"] = sessions;
    frame["subscriptions"] = subscriptions;
    frame["retained"] = retained;
    frame["connects_per_second"] = connectsPerSecond;
    frame["disconnects_per_second"] = disconnectsPerSecond;
    frame["messages_in_per_second"] = messagesInPerSecond;
    frame["messages_out_per_second"] = messagesOutPerSecond;
    frame["bytes_in_per_second"] = bytesInPerSecond;
    frame["bytes_out_per_second"] = bytesOutPerSecond;

    boost::json::object total;
    total["connects"] = totals.connects;
    total["disconnects"] = totals.disconnects;
    total["messages_in"] = totals.messagesIn;
    total["messages_out"] = totals.messagesOut;
    total["bytes_in"] = totals.bytesIn;
    total["bytes_out"] = totals.bytesOut;
    total["dead_letters"] = totals.deadLetters;
    total["rejections"] = totals.rejections;
    frame["totals"] = std::move(total);

    frame["queued_messages"] = queuedMessages;
    frame["inflight_messages"] = inflightMessages;
    boost::json::array queues;
    for (const Queue& q : topQueues) {
        queues.push_back(boost::json::object{
            {"client_id", q.clientId}, {"queued", q.queued}, {"inflight", q.inflight}});
    }
    frame["top_queues"] = std::move(queues);

    frame["latency_seconds"] =
        boost::json::object{{"p50", latency.p50},   {"p90", latency.p90}, {"p99", latency.p99},
                            {"p999", latency.p999}, {"max", latency.max}, {"count", latency.count}};

    frame["dropped_per_second"] = byName(droppedPerSecond);
    frame["dead_letters_per_second"] = byName(deadLettersPerSecond);
    frame["rejections_per_second"] = byName(rejectionsPerSecond);

    boost::json::object cpu;
    cpu["percent"] = cpuPercent;
    boost::json::object memory;
    if (process) {
        cpu["seconds_total"] = process->cpuSeconds;
        memory["resident_bytes"] = process->residentBytes;
        memory["virtual_bytes"] = process->virtualBytes;
    }
    frame["cpu"] = std::move(cpu);
    frame["memory"] = std::move(memory);
    return frame;
}

} // namespace sb::admin
