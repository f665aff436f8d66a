#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace sb::core {

// What a session queue does when it is full (max_queue_messages / max_queue_bytes).
enum class OverflowPolicy : std::uint8_t
{
    DeadLetterNewest, // refuse the arriving message and keep it as a dead letter
    DeadLetterOldest, // make room: the oldest queued message becomes a dead letter
    DropNewest,       // refuse the arriving message (counted, not kept)
    DropOldest,       // make room by removing the oldest queued message (counted, not kept)
};

// The broker's limits as one value. Shards, connections and sessions hold it through a shared
// pointer to an immutable snapshot and read it without locking; a change makes a new snapshot
// (see LimitRegistry for names, ranges and descriptions). 0 means "no limit" where noted.
struct Limits
{
    // ---- Connections ----
    std::uint32_t maxConnections = 0;      // 0 = no limit
    std::uint32_t maxConnectionsPerIp = 0; // 0 = no limit
    std::uint32_t maxConnectRate = 0;      // CONNECTs per second per listener; 0 = no limit
    std::chrono::milliseconds connectTimeout{10'000};
    std::uint16_t minKeepAlive = 0;
    std::uint16_t maxKeepAlive = 65535; // 65535 = no ceiling
    std::uint32_t maxSessionExpiry = 0xFFFF'FFFF;

    // ---- Inbound, announced in CONNACK ----
    std::uint32_t maxPacketSize = 1024 * 1024;
    std::uint16_t receiveMaximum = 1024;  // QoS 1/2 publishes a client may have unanswered
    std::uint16_t topicAliasMaximum = 64; // aliases a client may define

    // ---- Per client ----
    std::uint32_t maxPublishRate = 0;            // messages per second (token bucket); 0 = no limit
    std::uint64_t maxPublishBytesRate = 0;       // payload bytes per second; 0 = no limit
    std::uint32_t maxSubscriptionsPerClient = 0; // 0 = no limit
    std::uint32_t maxTopicLevels = 128;
    std::uint32_t maxTopicLength = 65535;

    // ---- Sessions ----
    std::uint16_t maxInflight = 1024; // outbound window: min(client Receive Maximum, this)
    std::uint32_t maxQueueMessages = 100'000;
    std::uint64_t maxQueueBytes = 256ULL * 1024 * 1024;
    OverflowPolicy queueOverflow = OverflowPolicy::DeadLetterNewest;
    // Of the queue, how many messages a persistent session keeps in memory; the rest stay in
    // the store and are paged in as the client drains it (memory stays flat).
    std::uint32_t queueMemoryMessages = 1000;
    std::uint32_t maxDeliveryAttempts = 0; // 0 = no limit
    // Encoded output a connection may have waiting for its socket before QoS 0 deliveries to
    // it are dropped (counted) and QoS 1/2 ones wait in the session queue.
    std::uint64_t maxPendingOutputBytes = 4ULL * 1024 * 1024;

    // ---- Broker-wide stores ----
    std::uint32_t maxRetainedMessages = 0; // 0 = no limit
    std::uint32_t deadLetterMaxEntries = 100'000;
    std::uint64_t deadLetterMaxBytes = 64ULL * 1024 * 1024;
    bool deadLetterQos0 = false; // keep QoS 0 messages dropped for a full output as dead letters

    bool operator==(const Limits&) const = default;
};

} // namespace sb::core
