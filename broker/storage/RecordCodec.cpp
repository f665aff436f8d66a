#include "broker/storage/RecordCodec.h"

#include <charconv>

#include "broker/protocol/Codec.h"

namespace sb::storage::records {

std::int64_t toMillis(core::Clock::WallTimePoint time)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

core::Clock::WallTimePoint fromMillis(std::int64_t millis)
{
    return core::Clock::WallTimePoint(
        std::chrono::duration_cast<core::Clock::WallTimePoint::duration>(
            std::chrono::milliseconds(millis)));
}

std::optional<std::int64_t> expiryMillis(const core::Message& message)
{
    if (!message.expiresAt) {
        return std::nullopt;
    }
    // The core keeps expiry on the monotonic clock; on disk it must be wall time to survive a
    // restart. The offset from reception is the same on both clocks.
    const auto wall =
        message.receivedWallTime + std::chrono::duration_cast<core::Clock::WallTimePoint::duration>(
                                       *message.expiresAt - message.receivedAt);
    return toMillis(wall);
}

std::string encodePublishBlob(const std::string& topic, const std::string& payload,
                              const protocol::Properties& properties)
{
    protocol::Publish publish;
    publish.topic = topic;
    publish.payload = payload;
    publish.properties = properties;
    std::string bytes;
    protocol::encodePublish(publish, protocol::Version::V5, bytes);
    return bytes;
}

Result<protocol::Publish, std::string> decodePublishBlob(std::string_view blob)
{
    auto decoded = protocol::decodeFrame(blob, protocol::Version::V5);
    if (!decoded) {
        return makeError<protocol::Publish, std::string>(decoded.error().message);
    }
    auto* publish = std::get_if<protocol::Publish>(&decoded.value());
    if (publish == nullptr) {
        return makeError<protocol::Publish, std::string>("not a PUBLISH packet");
    }
    return std::move(*publish);
}

std::string joinSubscriptionIds(const std::vector<std::uint32_t>& ids)
{
    std::string text;
    for (const std::uint32_t id : ids) {
        if (!text.empty()) {
            text += ',';
        }
        text += std::to_string(id);
    }
    return text;
}

std::vector<std::uint32_t> splitSubscriptionIds(std::string_view text)
{
    std::vector<std::uint32_t> ids;
    const char* position = text.data();
    const char* const end = text.data() + text.size();
    while (position < end) {
        std::uint32_t id = 0;
        const auto [next, error] = std::from_chars(position, end, id);
        if (error != std::errc()) {
            break; // a damaged list keeps the ids read so far
        }
        ids.push_back(id);
        position = next;
        if (position < end && *position == ',') {
            ++position;
        }
    }
    return ids;
}

std::uint8_t encodeOptions(const protocol::SubscriptionOptions& options)
{
    return static_cast<std::uint8_t>((options.qos & 0x03U) | (options.noLocal ? 0x04U : 0U) |
                                     (options.retainAsPublished ? 0x08U : 0U) |
                                     (static_cast<unsigned>(options.retainHandling) << 4));
}

protocol::SubscriptionOptions decodeOptions(std::uint8_t byte)
{
    protocol::SubscriptionOptions options;
    options.qos = static_cast<std::uint8_t>(byte & 0x03U);
    options.noLocal = (byte & 0x04U) != 0;
    options.retainAsPublished = (byte & 0x08U) != 0;
    options.retainHandling = static_cast<protocol::RetainHandling>((byte >> 4) & 0x03U);
    return options;
}

} // namespace sb::storage::records
