#include "tests/support/BrokerControl.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "tests/support/TestPrinters.h"

namespace sb::test {

// ---- Dead letters ----------------------------------------------------------------------------

std::optional<core::DeadLetterPage> listDeadLetters(core::Broker& broker,
                                                    const core::DeadLetterFilter& filter,
                                                    bool newestFirst, const std::string& cursor,
                                                    std::size_t limit)
{
    return awaitCallback<core::DeadLetterPage>([&](auto done) {
        broker.deadLetters().list(filter, newestFirst, cursor, limit, std::move(done));
    });
}

std::optional<std::vector<core::DeadLetterPage>>
listAllPages(core::Broker& broker, const core::DeadLetterFilter& filter, bool newestFirst,
             std::size_t pageSize, std::size_t maxPages)
{
    std::vector<core::DeadLetterPage> pages;
    std::string cursor;
    for (std::size_t i = 0; i < maxPages; ++i) {
        auto page = listDeadLetters(broker, filter, newestFirst, cursor, pageSize);
        if (!page) {
            return std::nullopt;
        }
        cursor = page->nextCursor;
        pages.push_back(std::move(*page));
        if (cursor.empty()) {
            return pages;
        }
    }
    return std::nullopt;
}

std::vector<core::DeadLetter> deadLettersMatching(core::Broker& broker,
                                                  const core::DeadLetterFilter& filter)
{
    auto page = listDeadLetters(broker, filter, false, {}, 100'000);
    return page ? page->items : std::vector<core::DeadLetter>{};
}

std::optional<std::optional<core::DeadLetter>> getDeadLetter(core::Broker& broker, std::uint64_t id)
{
    return awaitCallback<std::optional<core::DeadLetter>>(
        [&](auto done) { broker.deadLetters().get(id, std::move(done)); });
}

std::optional<core::DeadLetterStats> deadLetterStats(core::Broker& broker)
{
    return awaitCallback<core::DeadLetterStats>(
        [&](auto done) { broker.deadLetters().stats(std::move(done)); });
}

std::optional<std::uint64_t> purgeDeadLetters(core::Broker& broker,
                                              const core::DeadLetterSelection& selection)
{
    return awaitCallback<std::uint64_t>(
        [&](auto done) { broker.deadLetters().purge(selection, std::move(done)); });
}

std::optional<core::ReplayResult> replayDeadLetters(core::Broker& broker,
                                                    core::ReplayRequest request,
                                                    std::chrono::milliseconds timeout)
{
    return awaitCallback<core::ReplayResult>(
        [&](auto done) { broker.replayDeadLetters(std::move(request), std::move(done)); }, timeout);
}

bool waitForDeadLetters(core::Broker& broker, std::uint64_t count,
                        std::chrono::milliseconds timeout)
{
    return BrokerFixture::waitFor(
        [&] {
            const auto stats = deadLetterStats(broker);
            return stats && stats->total + stats->evicted >= count;
        },
        timeout);
}

std::uint64_t deadLetteredTotal(core::Broker& broker, core::DeadLetterReason reason)
{
    return broker.totals().deadLettered.at(static_cast<std::size_t>(reason));
}

std::uint64_t droppedTotal(core::Broker& broker, core::DropReason reason)
{
    return broker.totals().dropped.at(static_cast<std::size_t>(reason));
}

// ---- Limits ----------------------------------------------------------------------------------

core::LimitRegistry::Value integerValue(std::int64_t value)
{
    core::LimitRegistry::Value v;
    v.integer = value;
    return v;
}

core::LimitRegistry::Value booleanValue(bool value)
{
    core::LimitRegistry::Value v;
    v.boolean = value;
    return v;
}

core::LimitRegistry::Value textValue(const std::string& value)
{
    core::LimitRegistry::Value v;
    v.text = value;
    return v;
}

void settle(BrokerFixture& fixture)
{
    // Each worker runs its posted tasks in order, so an empty task posted now runs after them.
    fixture.server().runOnEveryWorker([](core::Shard&) {});
}

bool changeLimits(BrokerFixture& fixture,
                  const std::map<std::string, core::LimitRegistry::Value>& values,
                  std::string* error)
{
    const bool ok = fixture.broker().updateLimits(values, error);
    settle(fixture);
    return ok;
}

bool changeOverrides(BrokerFixture& fixture, core::Broker::OverrideScope scope,
                     const std::string& name,
                     const std::map<std::string, core::LimitRegistry::Value>& values,
                     std::string* error)
{
    const bool ok = fixture.broker().setOverrides(scope, name, values, error);
    settle(fixture);
    return ok;
}

std::uint64_t rejectionsOf(core::Broker& broker, const std::string& limitName)
{
    const auto counts = broker.rejections();
    const auto it = counts.find(limitName);
    return it == counts.end() ? 0 : it->second;
}

// ---- Clients ---------------------------------------------------------------------------------

protocol::Connect connectPacket(const std::string& clientId, protocol::Version version,
                                bool cleanStart, std::uint32_t sessionExpiry,
                                std::uint16_t keepAlive, std::optional<std::string> username)
{
    protocol::Connect c;
    c.version = version;
    c.clientId = clientId;
    c.cleanStart = cleanStart;
    c.keepAlive = keepAlive;
    c.username = std::move(username);
    if (version == protocol::Version::V5 && sessionExpiry != 0) {
        c.properties.sessionExpiryInterval = sessionExpiry;
    }
    return c;
}

std::unique_ptr<MqttTestClient> acceptedClient(std::uint16_t port, const protocol::Connect& connect,
                                               std::string* why,
                                               std::optional<protocol::Connack>* connack)
{
    auto client = std::make_unique<MqttTestClient>(port, connect.version);
    auto ack = client->connect(connect);
    if (connack != nullptr) {
        *connack = ack;
    }
    if (!ack || ack->reasonCode != 0) {
        if (why != nullptr) {
            *why = !ack ? "no CONNACK: " + client->lastError()
                        : "CONNACK refused with " + std::to_string(ack->reasonCode);
        }
        return nullptr;
    }
    return client;
}

int ConnectionEnd::disconnectReason() const
{
    if (packets.empty()) {
        return -1;
    }
    if (const auto* d = std::get_if<protocol::Disconnect>(&packets.back())) {
        return d->reasonCode;
    }
    return -1;
}

int ConnectionEnd::connackCode() const
{
    for (const auto& packet : packets) {
        if (const auto* c = std::get_if<protocol::Connack>(&packet)) {
            return c->reasonCode;
        }
    }
    return -1;
}

ConnectionEnd awaitConnectionEnd(MqttTestClient& client, std::chrono::milliseconds timeout)
{
    ConnectionEnd end;
    end.closed = client.waitClosedRaw(timeout, end.bytes);
    std::string_view rest = end.bytes;
    while (!rest.empty()) {
        protocol::FixedHeader header;
        if (protocol::parseFixedHeader(rest, header) != protocol::FrameStatus::Complete ||
            rest.size() < header.frameSize()) {
            break;
        }
        auto decoded = protocol::decodeFrame(rest.substr(0, header.frameSize()), client.version());
        if (decoded) {
            end.packets.push_back(std::move(decoded.value()));
        }
        rest.remove_prefix(header.frameSize());
    }
    return end;
}

bool endedWithDisconnect(const ConnectionEnd& end, protocol::Version version, std::uint8_t reason,
                         std::string& why)
{
    if (!end.closed) {
        why = "the broker did not close the connection";
        return false;
    }
    if (version == protocol::Version::V311) {
        // 3.1.1 has no DISCONNECT from the server: closing is all it can do.
        const bool onlyClosed = std::none_of(end.packets.begin(), end.packets.end(), [](auto& p) {
            return std::holds_alternative<protocol::Disconnect>(p);
        });
        if (!onlyClosed) {
            why = "3.1.1: a DISCONNECT was sent";
        }
        return onlyClosed;
    }
    if (end.disconnectReason() != reason) {
        why = "5.0: expected DISCONNECT " + std::to_string(reason) + ", the broker sent [" +
              hex(end.bytes) + "]";
        return false;
    }
    return true;
}

protocol::Properties richProperties(std::uint32_t messageExpiry)
{
    protocol::Properties p;
    p.payloadFormatIndicator = 1;
    p.messageExpiryInterval = messageExpiry;
    p.contentType = "application/json; charset=utf-8";
    p.responseTopic = "replies/for/me";
    p.correlationData = std::string("\x00\x01\xff\xfe corr", 9);
    p.userProperties = {{"b", "2"}, {"a", "1"}, {"b", "again"}, {"", ""}};
    return p;
}

void quietLogs()
{
    spdlog::set_level(spdlog::level::warn);
}

} // namespace sb::test
