#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sb::bench {

// The fixed header every benchmark payload starts with, so subscribers count losses,
// duplicates and reordering per publisher and measure latency instead of assuming them.
// Layout (host byte order: writer and reader are the same process):
//   [0,4)   run tag: random per run, so messages left over from another run are told apart
//   [4,8)   publisher id (dense, 0..publishers-1)
//   [8,16)  sequence number (0, 1, 2, ... per publisher)
//   [16,24) intended send time (ns, monotonic): the fixed-rate schedule's slot, not the moment
//           the bytes left, so latency is corrected for coordinated omission
//   [24,32) actual send time (ns), only when the payload has room: the uncorrected latency
struct PayloadHeader
{
    static constexpr std::size_t kMinimumSize = 24;
    static constexpr std::size_t kWithSendTimeSize = 32;

    static constexpr std::size_t kRunTagOffset = 0;
    static constexpr std::size_t kPublisherOffset = 4;
    static constexpr std::size_t kSequenceOffset = 8;
    static constexpr std::size_t kIntendedOffset = 16;
    static constexpr std::size_t kActualOffset = 24;

    std::uint32_t runTag = 0;
    std::uint32_t publisher = 0;
    std::uint64_t sequence = 0;
    std::int64_t intendedNanos = 0;
    std::int64_t actualNanos = 0; // 0 when the payload is shorter than kWithSendTimeSize

    // Reads the header; false when the payload is too short to carry one.
    static bool read(std::string_view payload, PayloadHeader& header)
    {
        if (payload.size() < kMinimumSize) {
            return false;
        }
        const char* p = payload.data();
        std::memcpy(&header.runTag, p + kRunTagOffset, sizeof header.runTag);
        std::memcpy(&header.publisher, p + kPublisherOffset, sizeof header.publisher);
        std::memcpy(&header.sequence, p + kSequenceOffset, sizeof header.sequence);
        std::memcpy(&header.intendedNanos, p + kIntendedOffset, sizeof header.intendedNanos);
        header.actualNanos = 0;
        if (payload.size() >= kWithSendTimeSize) {
            std::memcpy(&header.actualNanos, p + kActualOffset, sizeof header.actualNanos);
        }
        return true;
    }
};

} // namespace sb::bench
