#pragma once

#include "app/Clock.h"

namespace sb::test {

// A clock that moves only when a test says so.
class ManualClock final : public app::Clock
{
public:
    explicit ManualClock(qint64 startMs)
        : m_now(startMs)
    {}

    qint64 nowMs() const override { return m_now; }
    void set(qint64 ms) { m_now = ms; }
    void advance(qint64 ms) { m_now += ms; }

private:
    qint64 m_now;
};

} // namespace sb::test
