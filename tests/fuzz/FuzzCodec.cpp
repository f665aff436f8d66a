// libFuzzer harness for the MQTT codec: arbitrary bytes through the connection's decode path;
// whatever is accepted must survive encode and decode unchanged.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "broker/protocol/Codec.h"

using namespace sb::protocol;

// The first input byte picks the negotiated version; the rest is the stream from the client.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    const Version version = (data[0] & 0x01U) != 0 ? Version::V5 : Version::V311;
    std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

    // Frames back to back, as a connection reads them.
    while (!stream.empty()) {
        FixedHeader header;
        if (parseFixedHeader(stream, header) != FrameStatus::Complete ||
            stream.size() < header.frameSize()) {
            return 0;
        }
        const DecodeResult decoded =
            decode(header, stream.substr(header.headerSize, header.remainingLength), version);
        stream.remove_prefix(header.frameSize());
        if (!decoded) {
            if (decoded.error().message.empty() || !isError(decoded.error().reason)) {
                std::fputs("refusal without a message or with a success code\n", stderr);
                std::abort();
            }
            continue;
        }
        const std::string encoded = encodeToString(*decoded, version);
        if (encoded.size() != encodedSize(*decoded, version)) {
            std::fputs("encodedSize() disagrees with encode()\n", stderr);
            std::abort();
        }
        const DecodeResult again = decodeFrame(encoded, version);
        if (!again || !(*again == *decoded)) {
            std::fputs("accepted packet does not survive a round trip\n", stderr);
            std::abort();
        }
    }
    return 0;
}
