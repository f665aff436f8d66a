#include "tests/support/BrokerFixture.h"

#include <thread>

namespace sb::test {

BrokerFixture::BrokerFixture(core::Limits limits, unsigned workers, const core::Clock* clock)
    : BrokerFixture(Options{limits, workers, clock, nullptr})
{}

BrokerFixture::BrokerFixture(Options fixtureOptions)
{
    net::ServerOptions options;
    options.bindAddress = "127.0.0.1";
    options.port = 0;
    options.workers = fixtureOptions.workers;
    options.limits = fixtureOptions.limits;
    options.clock = fixtureOptions.clock;
    options.persistence = std::move(fixtureOptions.persistence);
    m_server = std::make_unique<net::Server>(options);
    m_server->start();
}

BrokerFixture::~BrokerFixture()
{
    m_server->stop();
}

bool BrokerFixture::waitFor(const std::function<bool()>& condition,
                            std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        // Not synchronisation by sleeping: the condition is re-checked until the deadline.
        std::this_thread::yield();
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

} // namespace sb::test
