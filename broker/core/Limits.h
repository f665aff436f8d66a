#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace sb::core {

// What a session queue does when it is full.
enum class OverflowPolicy : std::uint8_t
{
    DropNewest, // refuse the arriving message
    DropOldest, // make room by removing the oldest queued message
};

// The broker's limits as one value: each shard holds a copy and reads it without locking. The
// defaults are for a development broker on a laptop; production sets them in the config file.
struct Limits
{
    // Inbound: announced in CONNACK and enforced on what clients send.
    std::uint32_t maxPacketSize = 1024 * 1024;
    std::uint16_t receiveMaximum = 1024;  // QoS 1/2 publishes a client may have unanswered
    std::uint16_t topicAliasMaximum = 64; // aliases a client may define

    // Outbound in-flight window per session: min(client's Receive Maximum, this).
    std::uint16_t maxInflight = 1024;

    // Session queue (QoS 1/2 messages waiting for a client), per session.
    std::size_t maxQueueMessages = 100'000;
    // Of those, how many a persistent session keeps in memory; the rest stay in the store and
    // are paged in as the client drains the queue (memory stays flat however deep it gets).
    std::size_t queueMemoryMessages = 1000;
    OverflowPolicy queueOverflow = OverflowPolicy::DropNewest;

    // Session Expiry Interval ceiling (seconds); 0xFFFFFFFF = no ceiling.
    std::uint32_t maxSessionExpiry = 0xFFFF'FFFF;

    // Keep Alive bounds (seconds). A 5.0 client outside them is told the Server Keep Alive.
    std::uint16_t minKeepAlive = 0;
    std::uint16_t maxKeepAlive = 65535;

    // Topic names and filters longer or deeper than this are refused: the topic trees walk one
    // level per recursion, so depth must be bounded.
    std::size_t maxTopicLevels = 128;
    std::size_t maxTopicLength = 65535;

    // A TCP connection that has not sent CONNECT within this time is closed.
    std::chrono::milliseconds connectTimeout{10'000};

    // Bytes of encoded output a connection may have waiting for the socket before QoS 0
    // deliveries to it are dropped (counted) and QoS 1/2 ones wait in the session queue.
    std::size_t maxPendingOutputBytes = 4 * 1024 * 1024;
};

} // namespace sb::core
