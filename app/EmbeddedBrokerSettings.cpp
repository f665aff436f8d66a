#include "app/EmbeddedBrokerSettings.h"

namespace sb::app {

QString EmbeddedBrokerSettings::durabilityName(Durability durability)
{
    switch (durability) {
    case Durability::Sync:
        return QStringLiteral("sync");
    case Durability::Async:
        return QStringLiteral("async");
    case Durability::Memory:
        return QStringLiteral("memory");
    }
    return {};
}

EmbeddedBrokerSettings::Durability EmbeddedBrokerSettings::durabilityFromName(const QString& name,
                                                                              Durability fallback)
{
    for (const Durability d : {Durability::Sync, Durability::Async, Durability::Memory}) {
        if (name == durabilityName(d)) {
            return d;
        }
    }
    return fallback;
}

} // namespace sb::app
