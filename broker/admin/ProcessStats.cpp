#include "broker/admin/ProcessStats.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace sb::admin {

namespace {

std::optional<double> bootTimeSeconds()
{
    std::ifstream stat("/proc/stat");
    std::string key;
    while (stat >> key) {
        if (key == "btime") {
            double value = 0;
            stat >> value;
            return value;
        }
        stat.ignore(4096, '\n');
    }
    return std::nullopt;
}

} // namespace

std::optional<ProcessStats> ProcessStats::read()
{
    std::ifstream file("/proc/self/stat");
    std::string line;
    if (!file || !std::getline(file, line)) {
        return std::nullopt;
    }
    // The command name (field 2) may contain spaces and parentheses: fields are counted from
    // the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    ProcessStats stats;
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const auto pageSize = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    // Fields from 3 (state) on: utime is 14, stime 15, num_threads 20, starttime 22, vsize 23,
    // rss 24 (proc(5)).
    for (int index = 3; fields >> field; ++index) {
        switch (index) {
        case 14:
        case 15:
            stats.cpuSeconds += std::stod(field) / ticks;
            break;
        case 20:
            stats.threads = static_cast<unsigned>(std::stoul(field));
            break;
        case 22:
            if (const auto boot = bootTimeSeconds()) {
                stats.startTimeSeconds = *boot + std::stod(field) / ticks;
            }
            break;
        case 23:
            stats.virtualBytes = std::stoull(field);
            break;
        case 24:
            stats.residentBytes = std::stoull(field) * pageSize;
            break;
        default:
            break;
        }
        if (index >= 24) {
            break;
        }
    }
    std::error_code ec;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
         it.increment(ec)) {
        ++stats.openFds;
    }
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        stats.maxFds = limit.rlim_cur;
    }
    return stats;
}

} // namespace sb::admin
