#include "app/MetricWindowBuffer.h"

#include <algorithm>

namespace sb::app {

namespace {

double weighted(double a, int wa, double b, int wb)
{
    return (a * wa + b * wb) / (wa + wb);
}

double maxOf(double a, double b)
{
    if (std::isnan(a)) {
        return b;
    }
    if (std::isnan(b)) {
        return a;
    }
    return std::max(a, b);
}

} // namespace

MetricWindowBuffer::MetricWindowBuffer(MetricWindow::Span span)
    : m_span(span)
{}

void MetricWindowBuffer::reset(MetricWindow::Span span, const QList<MetricSample>& history)
{
    m_span = span;
    m_points.assign(history.begin(), history.end());
    m_lastLatencyWeight =
        !m_points.empty() && m_points.back().hasLatency() ? m_points.back().weight : 0;
}

void MetricWindowBuffer::merge(MetricSample& bucket, const MetricSample& second)
{
    const int w = bucket.weight;
    const int v = second.weight;
    bucket.messagesIn = weighted(bucket.messagesIn, w, second.messagesIn, v);
    bucket.messagesOut = weighted(bucket.messagesOut, w, second.messagesOut, v);
    bucket.connections = weighted(bucket.connections, w, second.connections, v);
    bucket.queued = weighted(bucket.queued, w, second.queued, v);
    bucket.cpuPercent = weighted(bucket.cpuPercent, w, second.cpuPercent, v);
    bucket.residentBytes = weighted(bucket.residentBytes, w, second.residentBytes, v);
    bucket.latencyP99 = maxOf(bucket.latencyP99, second.latencyP99);
    bucket.latencyMax = maxOf(bucket.latencyMax, second.latencyMax);
    bucket.weight = w + v;
}

MetricWindowBuffer::Change MetricWindowBuffer::add(const MetricSample& second, qint64 nowMs)
{
    Change change;
    const qint64 resolution = MetricWindow::resolutionMs(m_span);
    const qint64 bucketStart = second.timeMs / resolution * resolution;
    if (!m_points.empty() && bucketStart < m_points.back().timeMs) {
        return change;
    }
    change.changed = true;
    if (m_points.empty() || bucketStart > m_points.back().timeMs) {
        MetricSample point = second;
        point.timeMs = bucketStart;
        m_points.push_back(point);
        m_lastLatencyWeight = point.hasLatency() ? point.weight : 0;
        change.appended = true;
    } else {
        MetricSample& last = m_points.back();
        // The median is averaged over the seconds that had deliveries only.
        if (second.hasLatency()) {
            last.latencyP50 = last.hasLatency() ? weighted(last.latencyP50, m_lastLatencyWeight,
                                                           second.latencyP50, second.weight)
                                                : second.latencyP50;
            m_lastLatencyWeight += second.weight;
        }
        merge(last, second);
    }
    change.removedFromFront = dropExpired(nowMs);
    return change;
}

int MetricWindowBuffer::dropExpired(qint64 nowMs)
{
    const qint64 resolution = MetricWindow::resolutionMs(m_span);
    const qint64 oldest = (nowMs - MetricWindow::spanMs(m_span)) / resolution * resolution;
    int removed = 0;
    // The last point always stays, so a window never goes blank because of a clock jump.
    while (m_points.size() > 1 && m_points.front().timeMs <= oldest) {
        m_points.pop_front();
        ++removed;
    }
    return removed;
}

} // namespace sb::app
