#pragma once

#include <string>
#include <string_view>

namespace sb::admin {

// The admin API's bearer token: made from a CSPRNG, kept in a file only its owner may read,
// and compared in constant time.
class AdminToken
{
public:
    // 32 random bytes from OpenSSL's RAND_bytes, hex-encoded (64 characters).
    static std::string generate();

    // Reads the token from `path`, creating the file (and its directory) with mode 0600 and a
    // fresh token if it does not exist. Two processes racing to create it end up with the same
    // token (O_EXCL). Throws std::runtime_error naming the file when it cannot be read or made.
    static std::string loadOrCreate(const std::string& path);

    // The token file of a data directory: "<dataDir>/admin-token".
    static std::string pathIn(const std::string& dataDirectory);

    // Compares without leaking, through timing, how much of `presented` was right.
    static bool matches(std::string_view expected, std::string_view presented);
};

} // namespace sb::admin
