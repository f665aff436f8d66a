#pragma once

#include "broker/tools/bench/Connection.h"

namespace sb::bench {

// A connection that only connects and keeps alive (PINGREQ from the thread's sweep): what the
// idle scenario opens by the thousand to measure connect rate and broker memory per connection.
class IdleClient final : public Connection
{
public:
    using Connection::Connection;

protected:
    void onPacket(std::uint8_t, std::string_view) override {}
};

} // namespace sb::bench
