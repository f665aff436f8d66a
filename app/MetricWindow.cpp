#include "app/MetricWindow.h"

#include <QtCore/QCoreApplication>

namespace sb::app {

qint64 MetricWindow::spanMs(Span span)
{
    switch (span) {
    case OneMinute:
        return 60'000;
    case FifteenMinutes:
        return 15 * 60'000;
    case OneHour:
        return 60 * 60'000;
    case OneDay:
        return 24 * 60 * 60'000;
    }
    return 60'000;
}

qint64 MetricWindow::resolutionMs(Span span)
{
    switch (span) {
    case OneMinute:
        return 1'000; // 60 points
    case FifteenMinutes:
        return 5'000; // 180 points
    case OneHour:
        return 15'000; // 240 points
    case OneDay:
        return 5 * 60'000; // 288 points
    }
    return 1'000;
}

int MetricWindow::sourceResolutionSeconds(Span span)
{
    return span == OneDay ? 60 : 1;
}

QString MetricWindow::label(Span span)
{
    switch (span) {
    case OneMinute:
        return QCoreApplication::translate("MetricWindow", "1 min");
    case FifteenMinutes:
        return QCoreApplication::translate("MetricWindow", "15 min");
    case OneHour:
        return QCoreApplication::translate("MetricWindow", "1 h");
    case OneDay:
        return QCoreApplication::translate("MetricWindow", "24 h");
    }
    return {};
}

QString MetricWindow::key(Span span)
{
    switch (span) {
    case OneMinute:
        return QStringLiteral("1m");
    case FifteenMinutes:
        return QStringLiteral("15m");
    case OneHour:
        return QStringLiteral("1h");
    case OneDay:
        return QStringLiteral("24h");
    }
    return {};
}

MetricWindow::Span MetricWindow::fromKey(const QString& key, Span fallback)
{
    for (const Span span : all()) {
        if (MetricWindow::key(span) == key) {
            return span;
        }
    }
    return fallback;
}

} // namespace sb::app
