#pragma once

#include <deque>

#include <QtCore/QList>

#include "app/MetricSample.h"
#include "app/MetricWindow.h"

namespace sb::app {

// The points one chart window shows: the history from the store, then each live second folded
// into the window's resolution (a new point, or the last point updated), with the points that
// fell out of the window dropped from the front. It reports what changed, so a chart can
// append and remove points instead of being rebuilt every second.
class MetricWindowBuffer
{
public:
    struct Change
    {
        bool appended = false;    // a new point at the end (else the last point changed)
        bool changed = false;     // false: the sample was older than the last point, ignored
        int removedFromFront = 0; // points that left the window
    };

    explicit MetricWindowBuffer(MetricWindow::Span span = MetricWindow::OneMinute);

    MetricWindow::Span span() const { return m_span; }
    // Starts over with `history` (oldest first, at this span's resolution) for `span`.
    void reset(MetricWindow::Span span, const QList<MetricSample>& history);
    // Folds one second in; `nowMs` decides what has left the window.
    Change add(const MetricSample& second, qint64 nowMs);

    const std::deque<MetricSample>& points() const { return m_points; }
    bool isEmpty() const { return m_points.empty(); }

private:
    // Merges `second` into `bucket` as MetricHistoryStore aggregates: weighted averages, and
    // maxima for p99 and max. The median is left to add(), which knows how many of the
    // bucket's seconds had deliveries.
    static void merge(MetricSample& bucket, const MetricSample& second);

    int dropExpired(qint64 nowMs);

    MetricWindow::Span m_span;
    std::deque<MetricSample> m_points;
    // Weight of the latency fields of the last point (seconds that had deliveries).
    int m_lastLatencyWeight = 0;
};

} // namespace sb::app
