#include "tests/limits/PublishProbe.h"

namespace sb::test {

protocol::Publish publishOf(const std::string& topic, const std::string& payload, std::uint8_t qos,
                            std::uint16_t packetId, bool retain)
{
    protocol::Publish p;
    p.topic = topic;
    p.payload = payload;
    p.qos = qos;
    p.packetId = qos == 0 ? 0 : packetId;
    p.retain = retain;
    return p;
}

Answer publishAndAnswer(MqttTestClient& client, const protocol::Publish& publish)
{
    Answer answer;
    if (!client.send(publish) || (publish.qos == 0 && !client.send(protocol::Pingreq{}))) {
        answer.closed = true;
        return answer;
    }
    auto packet = client.receive(3s);
    if (!packet) {
        answer.closed = client.peerClosed();
        return answer;
    }
    if (const auto* puback = std::get_if<protocol::Puback>(&*packet)) {
        answer.accepted = !protocol::isError(puback->reasonCode);
        answer.ackReason = puback->reasonCode;
    } else if (const auto* pubrec = std::get_if<protocol::Pubrec>(&*packet)) {
        answer.accepted = !protocol::isError(pubrec->reasonCode);
        answer.ackReason = pubrec->reasonCode;
    } else if (std::holds_alternative<protocol::Pingresp>(*packet)) {
        answer.accepted = true;
    } else if (const auto* d = std::get_if<protocol::Disconnect>(&*packet)) {
        answer.disconnectReason = d->reasonCode;
        answer.closed = client.waitClosed(3s);
    }
    return answer;
}

bool closedWith(const Answer& answer, protocol::Version version, int reason, std::string& why)
{
    if (answer.accepted) {
        why = "accepted";
        return false;
    }
    if (version == protocol::Version::V5 && answer.disconnectReason != reason) {
        why =
            "expected DISCONNECT " + std::to_string(reason) + ", got " +
            (answer.disconnectReason >= 0 ? "DISCONNECT " + std::to_string(answer.disconnectReason)
                                          : std::string("no DISCONNECT"));
        return false;
    }
    if (version == protocol::Version::V311 && answer.disconnectReason >= 0) {
        why = "3.1.1 got a DISCONNECT";
        return false;
    }
    if (!answer.closed) {
        why = "the connection stayed open";
        return false;
    }
    return true;
}

std::string describe(const Answer& a)
{
    return "accepted=" + std::to_string(a.accepted) + " ack=" + std::to_string(a.ackReason) +
           " disconnect=" + std::to_string(a.disconnectReason) +
           " closed=" + std::to_string(a.closed);
}

} // namespace sb::test
