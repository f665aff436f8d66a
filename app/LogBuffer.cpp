#include "app/LogBuffer.h"

namespace sb::app {

LogBuffer::LogBuffer(std::size_t capacity)
    : m_capacity(capacity == 0 ? 1 : capacity)
{}

bool LogBuffer::push(LogLine line)
{
    const std::lock_guard lock(m_mutex);
    if (m_lines.size() >= m_capacity) {
        m_lines.pop_front();
        ++m_dropped;
    }
    m_lines.push_back(std::move(line));
    if (m_wakePending) {
        return false;
    }
    m_wakePending = true;
    return true;
}

QList<LogLine> LogBuffer::take(std::size_t* dropped)
{
    std::deque<LogLine> lines;
    {
        const std::lock_guard lock(m_mutex);
        lines.swap(m_lines);
        if (dropped != nullptr) {
            *dropped = m_dropped;
        }
        m_dropped = 0;
        m_wakePending = false;
    }
    QList<LogLine> batch;
    batch.reserve(static_cast<qsizetype>(lines.size()));
    for (LogLine& line : lines) {
        batch.append(std::move(line));
    }
    return batch;
}

} // namespace sb::app
