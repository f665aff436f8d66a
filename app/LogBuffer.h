#pragma once

#include <cstddef>
#include <deque>
#include <mutex>

#include <QtCore/QList>

#include "app/LogLine.h"

namespace sb::app {

// Where broker threads leave log lines for the GUI thread. Bounded: when the GUI falls behind
// (a broker logging at full speed), the oldest lines go and are counted, so memory stays flat
// and no broker thread ever waits for the GUI.
class LogBuffer
{
public:
    explicit LogBuffer(std::size_t capacity = 5000);

    // From any thread. True if the consumer should be woken (the first line since the last
    // take()), so that one wake-up is queued per batch, not per line.
    bool push(LogLine line);
    // From the consumer: every line waiting, oldest first, and how many were dropped since
    // the last take().
    QList<LogLine> take(std::size_t* dropped);

    std::size_t capacity() const { return m_capacity; }

private:
    const std::size_t m_capacity;
    std::mutex m_mutex;
    std::deque<LogLine> m_lines;
    std::size_t m_dropped = 0;
    bool m_wakePending = false;
};

} // namespace sb::app
