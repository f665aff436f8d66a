#include "app/StatsFrame.h"

#include "app/JsonFields.h"

namespace sb::app {

std::optional<StatsFrame> StatsFrame::fromJson(const QJsonObject& json, QString* problems)
{
    JsonFields fields(json);
    if (fields.string("type") != QStringLiteral("stats")) {
        if (problems != nullptr) {
            *problems = QStringLiteral("type");
        }
        return std::nullopt;
    }
    StatsFrame frame;
    frame.sequence = static_cast<quint64>(fields.number("sequence"));
    frame.time = QDateTime::fromString(fields.string("time"), Qt::ISODateWithMs);
    frame.intervalSeconds = fields.number("interval_seconds");
    frame.connections = static_cast<quint64>(fields.number("connections"));
    frame.clients = static_cast<quint64>(fields.number("clients"));
    frame.sessions = static_cast<quint64>(fields.numberOr("sessions", 0));
    frame.subscriptions = static_cast<quint64>(fields.numberOr("subscriptions", 0));
    frame.messagesInPerSecond = fields.number("messages_in_per_second");
    frame.messagesOutPerSecond = fields.number("messages_out_per_second");
    frame.bytesInPerSecond = fields.number("bytes_in_per_second");
    frame.bytesOutPerSecond = fields.number("bytes_out_per_second");
    frame.queuedMessages = static_cast<quint64>(fields.number("queued_messages"));
    frame.inflightMessages = static_cast<quint64>(fields.numberOr("inflight_messages", 0));

    JsonFields latency = fields.object("latency_seconds");
    frame.latencyP50 = latency.number("p50");
    frame.latencyP99 = latency.number("p99");
    frame.latencyMax = latency.number("max");
    frame.latencyCount = static_cast<quint64>(latency.number("count"));

    JsonFields totals = fields.object("totals");
    frame.deadLettersTotal = static_cast<quint64>(totals.number("dead_letters"));
    const QJsonObject perReason = fields.object("dead_letters_per_second").json();
    for (auto it = perReason.begin(); it != perReason.end(); ++it) {
        frame.deadLettersPerSecond += it.value().toDouble();
    }

    JsonFields cpu = fields.object("cpu");
    frame.cpuPercent = cpu.number("percent");
    const JsonFields memory = fields.object("memory");
    const double resident = memory.numberOr("resident_bytes", -1);
    if (resident >= 0) {
        frame.residentBytes = static_cast<quint64>(resident);
    }

    if (!frame.time.isValid() && fields.ok()) {
        if (problems != nullptr) {
            *problems = QStringLiteral("time");
        }
        return std::nullopt;
    }
    if (!fields.ok()) {
        if (problems != nullptr) {
            *problems = fields.problems();
        }
        return std::nullopt;
    }
    return frame;
}

} // namespace sb::app
