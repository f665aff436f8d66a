#pragma once

#include <QtCore/QList>
#include <QtCore/QString>

namespace sb::app {

// The time windows the Overview charts offer, and at which resolution each is drawn: fine
// enough to see a spike, coarse enough that no chart holds more than ~300 points.
class MetricWindow
{
public:
    enum Span
    {
        OneMinute,
        FifteenMinutes,
        OneHour,
        OneDay,
    };

    static QList<Span> all() { return {OneMinute, FifteenMinutes, OneHour, OneDay}; }

    static qint64 spanMs(Span span);
    // The width of one drawn point.
    static qint64 resolutionMs(Span span);
    // Which stored resolution the points are built from: 1 s samples or 1 min aggregates.
    static int sourceResolutionSeconds(Span span);
    static QString label(Span span); // "1 min", "15 min", "1 h", "24 h"
    // For the settings file: "1m", "15m", "1h", "24h".
    static QString key(Span span);
    static Span fromKey(const QString& key, Span fallback);
};

} // namespace sb::app
