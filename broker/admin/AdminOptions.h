#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sb::admin {

// How the admin API listens and whom it lets in.
struct AdminOptions
{
    std::string bindAddress = "127.0.0.1";
    std::uint16_t port = 8081; // 0 = any free port (tests)
    // The bearer token every request but /healthz must carry. When empty, the token is read
    // from (or created in) `tokenFile`.
    std::string token;
    std::string tokenFile;
    // TLS when both are set (PEM files).
    std::string tlsCertificateFile;
    std::string tlsKeyFile;
    // Larger request bodies are refused with 413 before they are read.
    std::size_t maxRequestBodyBytes = 1024 * 1024;
    // An idle HTTP connection (no complete request) is closed after this long.
    unsigned idleTimeoutSeconds = 60;
};

} // namespace sb::admin
