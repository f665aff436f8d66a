#include "tests/system/SystemTestSupport.h"

#include <spdlog/spdlog.h>

#include "broker/core/ClientConnection.h"
#include "tests/support/BrokerControl.h"

namespace sb::test {

void addVersionRows()
{
    QTest::addColumn<Version>("version");
    QTest::newRow("mqtt311") << Version::V311;
    QTest::newRow("mqtt5") << Version::V5;
}

protocol::Connect makeConnect(const std::string& clientId, Version version, bool cleanStart,
                              std::uint32_t sessionExpiry, std::uint16_t keepAlive)
{
    protocol::Connect c;
    c.version = version;
    c.clientId = clientId;
    c.cleanStart = cleanStart;
    c.keepAlive = keepAlive;
    if (version == Version::V5 && sessionExpiry != 0) {
        c.properties.sessionExpiryInterval = sessionExpiry;
    }
    return c;
}

protocol::SubscriptionOptions subscriptionOptions(std::uint8_t qos, bool noLocal,
                                                  bool retainAsPublished,
                                                  protocol::RetainHandling handling)
{
    protocol::SubscriptionOptions o;
    o.qos = qos;
    o.noLocal = noLocal;
    o.retainAsPublished = retainAsPublished;
    o.retainHandling = handling;
    return o;
}

protocol::Subscribe makeSubscribe(const std::string& filter, protocol::SubscriptionOptions options,
                                  std::uint32_t subscriptionId, std::uint16_t packetId)
{
    protocol::Subscribe s;
    s.packetId = packetId;
    s.subscriptions.push_back({filter, options});
    if (subscriptionId != 0) {
        s.properties.subscriptionIdentifiers.push_back(subscriptionId);
    }
    return s;
}

protocol::Publish makePublish(const std::string& topic, const std::string& payload,
                              std::uint8_t qos, bool retain, std::uint16_t packetId)
{
    protocol::Publish p;
    p.topic = topic;
    p.payload = payload;
    p.qos = qos;
    p.retain = retain;
    p.packetId = packetId;
    return p;
}

std::string packetIdBytes(std::uint16_t packetId)
{
    return {static_cast<char>(packetId >> 8), static_cast<char>(packetId & 0xFF)};
}

std::unique_ptr<MqttTestClient> connectClient(std::uint16_t port, const protocol::Connect& connect,
                                              std::string* why,
                                              std::optional<protocol::Connack>* connack)
{
    auto client = std::make_unique<MqttTestClient>(port, connect.version);
    auto ack = client->connect(connect);
    if (connack != nullptr) {
        *connack = ack;
    }
    if (!ack) {
        if (why != nullptr) {
            *why = "no CONNACK: " + client->lastError();
        }
        return nullptr;
    }
    if (ack->reasonCode != 0) {
        if (why != nullptr) {
            *why = "CONNACK refused with " + std::to_string(ack->reasonCode);
        }
        return nullptr;
    }
    return client;
}

std::unique_ptr<MqttTestClient> connectClient(std::uint16_t port, const std::string& clientId,
                                              Version version, bool cleanStart,
                                              std::uint32_t sessionExpiry)
{
    return connectClient(port, makeConnect(clientId, version, cleanStart, sessionExpiry));
}

bool subscribeOk(MqttTestClient& client, const std::string& filter, std::uint8_t qos,
                 std::uint32_t subscriptionId)
{
    auto suback = client.subscribe(filter, qos, subscriptionId);
    return suback && suback->reasonCodes.size() == 1 && suback->reasonCodes[0] == qos;
}

int Ending::disconnectReason() const
{
    if (packets.size() != 1) {
        return -1;
    }
    if (const auto* d = std::get_if<protocol::Disconnect>(&packets.front())) {
        return d->reasonCode;
    }
    return -1;
}

Ending awaitEnding(MqttTestClient& client, std::chrono::milliseconds timeout)
{
    ConnectionEnd end = awaitConnectionEnd(client, timeout);
    return Ending{end.closed, std::move(end.bytes), std::move(end.packets)};
}

bool endedWith(const Ending& ending, Version version, protocol::ReasonCode reason, std::string& why)
{
    if (!ending.closed) {
        why = "the broker did not close the connection";
        return false;
    }
    if (version == Version::V311) {
        if (!ending.bytes.empty()) {
            why = "3.1.1: expected a close with nothing sent, got [" + hex(ending.bytes) + "]";
            return false;
        }
        return true;
    }
    const int expected = static_cast<int>(reason);
    if (ending.disconnectReason() != expected || ending.bytes.size() < 3 ||
        static_cast<std::uint8_t>(ending.bytes[0]) != 0xE0 ||
        static_cast<std::uint8_t>(ending.bytes[2]) != expected) {
        why = "5.0: expected one DISCONNECT with reason " + hex(std::string(1, char(expected))) +
              ", got [" + hex(ending.bytes) + "]";
        return false;
    }
    return true;
}

bool brokerServes(std::uint16_t port, std::string& why)
{
    static int probes = 0;
    const std::string id = "probe-" + std::to_string(++probes);
    auto subscriber = connectClient(port, makeConnect(id + "-sub"), &why);
    auto publisher = subscriber ? connectClient(port, makeConnect(id + "-pub"), &why) : nullptr;
    if (!publisher) {
        return false;
    }
    if (!subscribeOk(*subscriber, "probe/" + id, 1)) {
        why = "probe SUBSCRIBE failed: " + subscriber->lastError();
        return false;
    }
    if (!publisher->publish("probe/" + id, "alive", 1)) {
        why = "probe PUBLISH failed: " + publisher->lastError();
        return false;
    }
    auto delivered = subscriber->receivePublish();
    if (!delivered || delivered->payload != "alive") {
        why = "probe message not delivered: " + subscriber->lastError();
        return false;
    }
    return subscriber->disconnect() && publisher->disconnect();
}

bool nextPayloadIs(MqttTestClient& client, const std::string& payload, std::string& why)
{
    auto publish = client.receivePublish();
    if (!publish) {
        why = "no PUBLISH: " + client.lastError();
        return false;
    }
    if (publish->payload != payload) {
        why = "expected payload '" + payload + "', got '" + publish->payload + "' on '" +
              publish->topic + "'";
        return false;
    }
    return true;
}

std::optional<bool> sessionOnline(BrokerFixture& fixture, const std::string& clientId)
{
    // runOnEveryWorker runs on one worker after the other, so no lock is needed here.
    std::optional<bool> online;
    fixture.server().runOnEveryWorker([&](core::Shard& shard) {
        shard.forEachSession([&](const core::Session& session) {
            if (session.clientId == clientId && !session.hasEnded()) {
                online = online.value_or(false) || session.isOnline();
            }
        });
    });
    return online;
}

std::vector<std::size_t> connectionsPerWorker(BrokerFixture& fixture)
{
    std::vector<std::size_t> counts;
    fixture.server().runOnEveryWorker(
        [&](core::Shard& shard) { counts.push_back(shard.connectionCount()); });
    return counts;
}

std::size_t inflightOf(BrokerFixture& fixture, const std::string& clientId)
{
    std::size_t count = 0;
    fixture.server().runOnEveryWorker([&](core::Shard& shard) {
        shard.forEachSession([&](const core::Session& session) {
            if (session.clientId == clientId && !session.hasEnded()) {
                count += session.inflightCount();
            }
        });
    });
    return count;
}

std::size_t queuedOf(BrokerFixture& fixture, const std::string& clientId)
{
    std::size_t count = 0;
    fixture.server().runOnEveryWorker([&](core::Shard& shard) {
        shard.forEachSession([&](const core::Session& session) {
            if (session.clientId == clientId && !session.hasEnded()) {
                count += session.queuedCount();
            }
        });
    });
    return count;
}

void quietBrokerLogs()
{
    spdlog::set_level(spdlog::level::warn);
}

} // namespace sb::test
