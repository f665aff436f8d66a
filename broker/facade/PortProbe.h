#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sb::facade {

// Answers "could a listener bind this address and port right now?" by binding a throwaway
// socket with the options the broker's own listener uses, so a port held by another program
// (a system mosquitto on 1883, say) is skipped before the store is opened for it.
class PortProbe
{
public:
    static bool isFree(const std::string& address, std::uint16_t port);
    // The first free port in [from, from + attempts), or nullopt if all are taken.
    static std::optional<std::uint16_t> firstFree(const std::string& address, std::uint16_t from,
                                                  unsigned attempts);
};

} // namespace sb::facade
