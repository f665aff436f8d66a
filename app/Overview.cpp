#include "app/Overview.h"

#include <QtCore/QJsonArray>

#include "app/JsonFields.h"

namespace sb::app {

std::optional<Overview> Overview::fromJson(const QJsonObject& json, QString* problems)
{
    JsonFields fields(json);
    Overview overview;
    overview.version = fields.string("version");
    overview.startedAt = QDateTime::fromString(fields.string("started_at"), Qt::ISODateWithMs);
    overview.uptimeSeconds = fields.number("uptime_seconds");
    overview.workers = static_cast<int>(fields.numberOr("workers", 0));
    overview.durability = json.value(QStringLiteral("durability")).toString();
    overview.connections = static_cast<quint64>(fields.number("connections"));
    overview.clients = static_cast<quint64>(fields.number("clients"));
    overview.sessions = static_cast<quint64>(fields.number("sessions"));
    overview.subscriptions = static_cast<quint64>(fields.number("subscriptions"));
    overview.retained = static_cast<quint64>(fields.numberOr("retained", 0));
    overview.queuedMessages = static_cast<quint64>(fields.number("queued_messages"));

    const QJsonArray listeners = json.value(QStringLiteral("listeners")).toArray();
    for (const QJsonValue& listener : listeners) {
        const QJsonObject l = listener.toObject();
        if (l.value(QStringLiteral("protocol")).toString() == QStringLiteral("mqtt")) {
            overview.mqttAddress = l.value(QStringLiteral("address")).toString();
            overview.mqttPort = static_cast<quint16>(l.value(QStringLiteral("port")).toInt());
            break;
        }
    }
    const QJsonObject deadLetters = json.value(QStringLiteral("dead_letters")).toObject();
    if (deadLetters.value(QStringLiteral("total")).isDouble()) {
        overview.deadLetters =
            static_cast<quint64>(deadLetters.value(QStringLiteral("total")).toDouble());
    }
    overview.cpuPercent = fields.object("cpu").numberOr("percent", 0);
    const double resident = fields.object("memory").numberOr("resident_bytes", -1);
    if (resident >= 0) {
        overview.residentBytes = static_cast<quint64>(resident);
    }

    if (!fields.ok()) {
        if (problems != nullptr) {
            *problems = fields.problems();
        }
        return std::nullopt;
    }
    return overview;
}

} // namespace sb::app
