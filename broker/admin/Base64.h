#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sb::admin {

// Base64 (RFC 4648): the standard alphabet with padding for payloads in JSON, the URL-safe one
// without padding for cursors.
class Base64
{
public:
    static std::string encode(std::string_view bytes);
    static std::string encodeUrl(std::string_view bytes);
    // nullopt if `text` is not base64 (either alphabet is accepted; padding is optional).
    static std::optional<std::string> decode(std::string_view text);
};

} // namespace sb::admin
