#pragma once

#include <cstddef>

#include <boost/json/object.hpp>

#include "broker/core/Message.h"

namespace sb::admin {

// How a message looks in the API (tap, queue browsing, retained messages, dead letters):
// topic, QoS, retain flag, payload as base64 and as a UTF-8 preview, its MQTT 5 properties
// and where it came from. Both payload forms are bounded, so a response stays bounded too.
class MessageJson
{
public:
    struct Options
    {
        std::size_t previewBytes = 256;           // payload_preview: at most this many bytes
        std::size_t maxPayloadBytes = 256 * 1024; // payload_base64 left out above this
    };

    static constexpr std::size_t kDefaultPreviewBytes = 256;
    static constexpr std::size_t kMaxPreviewBytes = 4096;

    static boost::json::object describe(const core::Message& message, const Options& options);
    static boost::json::object properties(const protocol::Properties& properties);
};

} // namespace sb::admin
