#pragma once

#include <cstdint>
#include <optional>

namespace sb::bench {

// CPU seconds a process has used, split as the kernel accounts them.
struct CpuSeconds
{
    double user = 0;
    double system = 0;
    double total() const { return user + system; }
};

// This process (getrusage(RUSAGE_SELF): every thread, so the generator's own cost).
CpuSeconds selfCpu();
// Another process, from /proc/<pid>/stat; nullopt when it cannot be read.
std::optional<CpuSeconds> processCpu(int pid);
// VmRSS from /proc/<pid>/status in KiB; nullopt when it cannot be read.
std::optional<std::uint64_t> residentKiB(int pid);
std::uint64_t selfResidentKiB();

// Raises the open-file soft limit to the hard limit; returns the limit now in force.
std::uint64_t raiseOpenFileLimit();

} // namespace sb::bench
