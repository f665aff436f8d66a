#include "broker/storage/DataDirectoryLock.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <boost/interprocess/sync/file_lock.hpp>

namespace sb::storage {

struct DataDirectoryLock::Impl
{
    boost::interprocess::file_lock lock;
};

DataDirectoryLock::DataDirectoryLock(const std::string& directory)
{
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec) {
        throw std::runtime_error(directory + ": cannot create the data directory: " + ec.message());
    }
    const std::string path = (std::filesystem::path(directory) / kFileName).string();
    {
        std::ofstream touch(path, std::ios::app);
        if (!touch) {
            throw std::runtime_error(path + ": cannot create the lock file");
        }
    }
    try {
        auto impl = std::make_unique<Impl>(Impl{boost::interprocess::file_lock(path.c_str())});
        if (!impl->lock.try_lock()) {
            throw std::runtime_error(directory +
                                     ": another Switchboard broker is using this data directory");
        }
        m_impl = std::move(impl);
    } catch (const boost::interprocess::interprocess_exception& error) {
        throw std::runtime_error(path + ": cannot lock: " + error.what());
    }
}

DataDirectoryLock::~DataDirectoryLock()
{
    if (m_impl) {
        m_impl->lock.unlock();
    }
}

} // namespace sb::storage
