#pragma once

#include <optional>

#include <QtCore/QDateTime>
#include <QtCore/QJsonObject>
#include <QtCore/QMetaType>
#include <QtCore/QString>

namespace sb::app {

// A broker's identity and state as GET /api/v1/overview reports it: version, listeners,
// durability and the counts that change slowly (the dead-letter store, the database).
struct Overview
{
    QString version;
    QDateTime startedAt;
    double uptimeSeconds = 0;
    quint16 mqttPort = 0; // of the first MQTT listener
    QString mqttAddress;
    int workers = 0;
    QString durability; // "sync", "async" or "memory"

    quint64 connections = 0;
    quint64 clients = 0;
    quint64 sessions = 0;
    quint64 subscriptions = 0;
    quint64 retained = 0;
    quint64 queuedMessages = 0;

    std::optional<quint64> deadLetters; // in the dead-letter store (absent if not reported)
    double cpuPercent = 0;
    std::optional<quint64> residentBytes;

    // Nullopt (with the missing fields in `problems`) if `json` is not an overview.
    static std::optional<Overview> fromJson(const QJsonObject& json, QString* problems);
};

} // namespace sb::app

Q_DECLARE_METATYPE(sb::app::Overview)
