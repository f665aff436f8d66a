#include "tests/deadletters/DeadLetterTestSupport.h"

#include <chrono>

namespace sb::test {

namespace {

std::string wallText(core::Clock::WallTimePoint t)
{
    return std::to_string(
        std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

} // namespace

bool letterIs(const core::DeadLetter& letter, const ExpectedLetter& expected, std::string& why)
{
    const std::string name = "dead letter " + std::to_string(letter.id) + ": ";
    if (letter.id == 0) {
        why = name + "has no id";
        return false;
    }
    if (letter.reason != expected.reason) {
        why = name + "reason " + std::string(core::deadLetterReasonName(letter.reason)) +
              ", expected " + std::string(core::deadLetterReasonName(expected.reason));
        return false;
    }
    if (letter.time < expected.from || letter.time > expected.to) {
        why = name + "time " + wallText(letter.time) + " outside [" + wallText(expected.from) +
              ", " + wallText(expected.to) + "]";
        return false;
    }
    if (!letter.message) {
        why = name + "has no message";
        return false;
    }
    const core::Message& m = *letter.message;
    if (m.topic != expected.topic) {
        why = name + "topic '" + m.topic + "', expected '" + expected.topic + "'";
        return false;
    }
    if (m.payload != expected.payload) {
        why = name + "payload of " + std::to_string(m.payload.size()) + " bytes, expected " +
              std::to_string(expected.payload.size()) + " ('" + m.payload.substr(0, 40) + "')";
        return false;
    }
    if (m.qos != expected.qos) {
        why = name + "QoS " + std::to_string(m.qos) + ", expected " + std::to_string(expected.qos);
        return false;
    }
    if (m.retain != expected.retain) {
        why = name + "retain " + std::to_string(m.retain) + ", expected " +
              std::to_string(expected.retain);
        return false;
    }
    if (!(m.properties == expected.properties)) {
        why = name + "properties differ from those published (user properties: " +
              std::to_string(m.properties.userProperties.size()) + ", content type '" +
              m.properties.contentType.value_or("-") + "')";
        return false;
    }
    if (m.publisherClientId != expected.publisher) {
        why =
            name + "publisher '" + m.publisherClientId + "', expected '" + expected.publisher + "'";
        return false;
    }
    if (letter.targetClientId != expected.target) {
        why = name + "target '" + letter.targetClientId + "', expected '" + expected.target + "'";
        return false;
    }
    if (letter.attempts != expected.attempts) {
        why = name + "attempts " + std::to_string(letter.attempts) + ", expected " +
              std::to_string(expected.attempts);
        return false;
    }
    if (letter.replayedAt) {
        why = name + "is marked replayed";
        return false;
    }
    return true;
}

std::vector<std::string> payloadsOf(const std::vector<core::DeadLetter>& letters)
{
    std::vector<std::string> payloads;
    for (const auto& letter : letters) {
        payloads.push_back(letter.message ? letter.message->payload : std::string("<none>"));
    }
    return payloads;
}

std::string joined(const std::vector<std::string>& values)
{
    std::string out;
    for (const auto& value : values) {
        out += (out.empty() ? "" : ",") + value;
    }
    return "[" + out + "]";
}

std::optional<protocol::Publish> receiveAndAnswer(MqttTestClient& client, std::uint8_t reasonCode,
                                                  std::string& why)
{
    auto publish = client.expect<protocol::Publish>();
    if (!publish) {
        why = "no PUBLISH: " + client.lastError();
        return std::nullopt;
    }
    bool sent = true;
    if (publish->qos == 1) {
        protocol::Puback puback;
        puback.packetId = publish->packetId;
        puback.reasonCode = reasonCode;
        sent = client.send(puback);
    } else if (publish->qos == 2) {
        protocol::Pubrec pubrec;
        pubrec.packetId = publish->packetId;
        pubrec.reasonCode = reasonCode;
        sent = client.send(pubrec);
    }
    if (!sent) {
        why = "answer not sent: " + client.lastError();
        return std::nullopt;
    }
    return publish;
}

bool parkSession(std::uint16_t port, const std::string& clientId, const std::string& filter,
                 std::uint8_t qos, std::string& why)
{
    auto client =
        acceptedClient(port, connectPacket(clientId, protocol::Version::V5, true, 300), &why);
    if (!client) {
        return false;
    }
    auto suback = client->subscribe(filter, qos);
    if (!suback || suback->reasonCodes != std::vector<std::uint8_t>{qos}) {
        why = "SUBSCRIBE " + filter + " not granted: " + client->lastError();
        return false;
    }
    if (!client->disconnect()) {
        why = "DISCONNECT: " + client->lastError();
        return false;
    }
    return true;
}

bool produceRejections(BrokerFixture& broker, MqttTestClient& subscriber, MqttTestClient& publisher,
                       const std::string& topic, const std::vector<std::string>& payloads,
                       std::uint64_t& expectedTotal, std::string& why)
{
    for (const auto& payload : payloads) {
        if (!publisher.publish(topic, payload, 1)) {
            why = "PUBLISH " + payload + ": " + publisher.lastError();
            return false;
        }
        if (!receiveAndAnswer(subscriber, 0x80, why)) {
            return false;
        }
        ++expectedTotal;
        if (!waitForDeadLetters(broker.broker(), expectedTotal)) {
            why = "no dead letter for " + payload;
            return false;
        }
    }
    return true;
}

} // namespace sb::test
