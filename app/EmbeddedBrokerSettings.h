#pragma once

#include <QtCore/QString>

namespace sb::app {

// How the Local broker is started: the development defaults on first launch, then whatever the
// settings dialog saved.
struct EmbeddedBrokerSettings
{
    enum class Durability
    {
        Sync,
        Async,
        Memory,
    };

    bool startAutomatically = true;
    quint16 mqttPort = 1883; // the next free one is used if taken
    quint16 adminPort = 0;   // 0: any free loopback port
    QString dataDirectory;   // empty: <app data>/broker
    Durability durability = Durability::Async;
    int workers = 0; // 0: one per core

    static QString durabilityName(Durability durability); // "sync", "async", "memory"
    static Durability durabilityFromName(const QString& name, Durability fallback);

    bool operator==(const EmbeddedBrokerSettings&) const = default;
};

} // namespace sb::app
