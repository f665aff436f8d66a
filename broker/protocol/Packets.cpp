// Names and type tags of the MQTT control packets.

#include "broker/protocol/Packets.h"

#include <type_traits>

namespace sb::protocol {

namespace {

// packetType() relies on the variant listing the packets in wire order, Connect (1) first.
template <PacketType Type, typename T>
constexpr bool isAt()
{
    return std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(Type) - 1, Packet>,
                          T>;
}

static_assert(isAt<PacketType::Connect, Connect>() && isAt<PacketType::Connack, Connack>() &&
              isAt<PacketType::Publish, Publish>() && isAt<PacketType::Puback, Puback>() &&
              isAt<PacketType::Pubrec, Pubrec>() && isAt<PacketType::Pubrel, Pubrel>() &&
              isAt<PacketType::Pubcomp, Pubcomp>() && isAt<PacketType::Subscribe, Subscribe>() &&
              isAt<PacketType::Suback, Suback>() && isAt<PacketType::Unsubscribe, Unsubscribe>() &&
              isAt<PacketType::Unsuback, Unsuback>() && isAt<PacketType::Pingreq, Pingreq>() &&
              isAt<PacketType::Pingresp, Pingresp>() &&
              isAt<PacketType::Disconnect, Disconnect>() && isAt<PacketType::Auth, Auth>() &&
              std::variant_size_v<Packet> == 15);

} // namespace

std::string_view packetTypeName(PacketType type)
{
    switch (type) {
    case PacketType::Connect:
        return "CONNECT";
    case PacketType::Connack:
        return "CONNACK";
    case PacketType::Publish:
        return "PUBLISH";
    case PacketType::Puback:
        return "PUBACK";
    case PacketType::Pubrec:
        return "PUBREC";
    case PacketType::Pubrel:
        return "PUBREL";
    case PacketType::Pubcomp:
        return "PUBCOMP";
    case PacketType::Subscribe:
        return "SUBSCRIBE";
    case PacketType::Suback:
        return "SUBACK";
    case PacketType::Unsubscribe:
        return "UNSUBSCRIBE";
    case PacketType::Unsuback:
        return "UNSUBACK";
    case PacketType::Pingreq:
        return "PINGREQ";
    case PacketType::Pingresp:
        return "PINGRESP";
    case PacketType::Disconnect:
        return "DISCONNECT";
    case PacketType::Auth:
        return "AUTH";
    }
    return "RESERVED"; // type 0, or a value cast from a byte
}

PacketType packetType(const Packet& packet)
{
    return static_cast<PacketType>(packet.index() + 1);
}

} // namespace sb::protocol
