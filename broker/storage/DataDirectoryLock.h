#pragma once

#include <memory>
#include <string>

namespace sb::storage {

// Holds an exclusive lock on a data directory for the life of the broker, so two brokers can
// never write the same database (SQLite would let both open it and interleave their sessions).
class DataDirectoryLock
{
public:
    // Creates the directory if needed and takes the lock. Throws std::runtime_error naming the
    // directory if it cannot be created or another process holds the lock.
    explicit DataDirectoryLock(const std::string& directory);
    ~DataDirectoryLock();
    DataDirectoryLock(const DataDirectoryLock&) = delete;
    DataDirectoryLock& operator=(const DataDirectoryLock&) = delete;

    static constexpr const char* kFileName = "switchboard.lock";

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace sb::storage
