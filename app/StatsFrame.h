#pragma once

#include <optional>

#include <QtCore/QDateTime>
#include <QtCore/QJsonObject>
#include <QtCore/QMetaType>
#include <QtCore/QString>

namespace sb::app {

// One second of a broker as its stats stream reports it ({"type":"stats"} in
// docs/admin-api.md): the numbers the Overview page shows and the metric history keeps.
struct StatsFrame
{
    quint64 sequence = 0;
    QDateTime time;
    double intervalSeconds = 0;

    quint64 connections = 0;
    quint64 clients = 0;
    quint64 sessions = 0;
    quint64 subscriptions = 0;

    double messagesInPerSecond = 0;
    double messagesOutPerSecond = 0;
    double bytesInPerSecond = 0;
    double bytesOutPerSecond = 0;

    quint64 queuedMessages = 0;
    quint64 inflightMessages = 0;

    // Delivery latency over the interval, in seconds; `latencyCount` deliveries were measured
    // (0: no deliveries, so the percentiles say nothing).
    double latencyP50 = 0;
    double latencyP99 = 0;
    double latencyMax = 0;
    quint64 latencyCount = 0;

    quint64 deadLettersTotal = 0; // dead-lettered since the broker started
    double deadLettersPerSecond = 0;

    double cpuPercent = 0; // of one core
    std::optional<quint64> residentBytes;

    // Nullopt (with the missing fields in `problems`) if `json` is not a stats frame.
    static std::optional<StatsFrame> fromJson(const QJsonObject& json, QString* problems);
};

} // namespace sb::app

Q_DECLARE_METATYPE(sb::app::StatsFrame)
