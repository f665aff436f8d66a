#pragma once

#include <chrono>

namespace sb::app {

// The delays between reconnection attempts: `initial`, doubling each failure up to `maximum`,
// back to `initial` after a success. A broker that is down costs the console one attempt per
// `maximum` instead of a busy loop, and one that comes back is found quickly.
class ExponentialBackoff
{
public:
    using Delay = std::chrono::milliseconds;

    explicit ExponentialBackoff(Delay initial = std::chrono::milliseconds(500),
                                Delay maximum = std::chrono::seconds(30));

    // The delay before the next attempt; each call doubles the one after.
    Delay next();
    void reset() { m_current = m_initial; }
    Delay peek() const { return m_current; }
    Delay initial() const { return m_initial; }
    Delay maximum() const { return m_maximum; }

private:
    Delay m_initial;
    Delay m_maximum;
    Delay m_current;
};

} // namespace sb::app
