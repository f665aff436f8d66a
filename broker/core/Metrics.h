#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sb::core {

// Why a message did not reach a subscriber. Every drop is counted under one of these; the
// dead-letter store will keep the messages themselves.
enum class DropReason : std::uint8_t
{
    QueueFull,        // session queue at max_queue_messages
    Expired,          // Message Expiry Interval passed while queued
    TooLarge,         // over the receiver's Maximum Packet Size
    Rejected,         // receiver answered PUBACK/PUBREC >= 0x80
    SlowConsumer,     // QoS 0 to a connection whose output is backed up
    OfflineQos0,      // QoS 0 to a session without a connection (not queued, by the spec's leave)
    SessionDiscarded, // queued for a session that was ended (clean start, expiry)
    DeliveryLimit,    // sent max_delivery_attempts times without an acknowledgement
    Count
};

std::string_view dropReasonName(DropReason reason);

// Counters for one shard. Only the shard's thread writes them (relaxed atomics, no contention);
// readers on other threads sum the shards.
struct ShardMetrics
{
    using Counter = std::atomic<std::uint64_t>;

    Counter connectionsAccepted{0};
    Counter connectionsClosed{0};
    Counter clientsConnected{0}; // CONNACK accepted
    Counter clientsDisconnected{0};
    std::array<Counter, 3> messagesReceived{};  // by QoS
    std::array<Counter, 3> messagesDelivered{}; // by QoS
    Counter bytesReceived{0};
    Counter bytesSent{0};
    Counter protocolErrors{0};
    std::array<Counter, static_cast<std::size_t>(DropReason::Count)> dropped{};
    std::array<Counter, 5> deadLettered{}; // by DeadLetterReason

    static void add(Counter& counter, std::uint64_t n = 1)
    {
        counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    void countDrop(DropReason reason) { add(dropped[static_cast<std::size_t>(reason)]); }
};

} // namespace sb::core
