#include "broker/admin/AdminToken.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

namespace sb::admin {

namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kMaxTokenFileBytes = 4096;

[[noreturn]] void fail(const std::string& path, const std::string& what)
{
    throw std::runtime_error(path + ": " + what + ": " + std::strerror(errno));
}

std::string trimmed(std::string text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

std::string readAll(int fd, const std::string& path)
{
    std::string text;
    std::array<char, 512> buffer{};
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            fail(path, "cannot read the admin token");
        }
        if (n == 0) {
            break;
        }
        text.append(buffer.data(), static_cast<std::size_t>(n));
        if (text.size() > kMaxTokenFileBytes) {
            throw std::runtime_error(path + ": not an admin token file (too large)");
        }
    }
    return trimmed(std::move(text));
}

// Reads an existing token file. The creator writes it in one write() right after creating it,
// so a reader that finds it empty retries for a moment rather than failing.
std::string readExisting(const std::string& path)
{
    for (int attempt = 0; attempt < 100; ++attempt) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            fail(path, "cannot open the admin token");
        }
        std::string token = readAll(fd, path);
        ::close(fd);
        if (!token.empty()) {
            return token;
        }
        ::usleep(10'000);
    }
    throw std::runtime_error(path + ": the admin token file is empty");
}

} // namespace

std::string AdminToken::generate()
{
    std::array<unsigned char, kTokenBytes> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("cannot make an admin token: the system random source failed");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string token;
    token.reserve(bytes.size() * 2);
    for (const unsigned char b : bytes) {
        token.push_back(kHex[b >> 4]);
        token.push_back(kHex[b & 0x0F]);
    }
    return token;
}

std::string AdminToken::pathIn(const std::string& dataDirectory)
{
    return (std::filesystem::path(dataDirectory) / "admin-token").string();
}

std::string AdminToken::loadOrCreate(const std::string& path)
{
    const std::filesystem::path file(path);
    if (file.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(file.parent_path(), ec);
        if (ec) {
            throw std::runtime_error(file.parent_path().string() +
                                     ": cannot create the directory: " + ec.message());
        }
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0) {
        if (errno != EEXIST) {
            fail(path, "cannot create the admin token");
        }
        struct stat info
        {};
        if (::stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
            // Someone widened it: a token others can read is no secret. Put it back.
            ::chmod(path.c_str(), S_IRUSR | S_IWUSR);
        }
        return readExisting(path);
    }
    const std::string token = generate();
    const std::string line = token + "\n";
    const ssize_t written = ::write(fd, line.data(), line.size());
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (written != static_cast<ssize_t>(line.size()) || !synced) {
        ::unlink(path.c_str());
        fail(path, "cannot write the admin token");
    }
    return token;
}

bool AdminToken::matches(std::string_view expected, std::string_view presented)
{
    if (expected.empty() || expected.size() != presented.size()) {
        return false;
    }
    return CRYPTO_memcmp(expected.data(), presented.data(), expected.size()) == 0;
}

} // namespace sb::admin
