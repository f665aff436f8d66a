#pragma once

#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QString>

#include "app/Clock.h"
#include "app/MetricSample.h"
#include "app/MetricWindow.h"
#include "app/SqliteConnection.h"

namespace sb::app {

// How much history MetricHistoryStore keeps and how often it writes.
struct MetricHistoryLimits
{
    qint64 fineRetentionMs = 60LL * 60 * 1000;        // 1 s samples: 1 h
    qint64 coarseRetentionMs = 24LL * 60 * 60 * 1000; // 1 min aggregates: 24 h
    qint64 maxRows = 500'000;                         // all brokers together (~40 MB)
    int flushEverySamples = 30;                       // a write at least every 30 samples
    qint64 flushEveryMs = 10'000;                     // or when the oldest waits 10 s
};

// Each broker's metric history in SQLite, so the Overview charts survive a restart of the
// console: one-second samples for the last hour, one-minute aggregates for the last day. A
// minute is aggregated once it is complete; what is older than its tier keeps is deleted; and
// a cap on the number of rows bounds the file whatever the number of brokers. Samples are
// written in batches, not one transaction a second.
class MetricHistoryStore
{
public:
    using Limits = MetricHistoryLimits;

    explicit MetricHistoryStore(const Clock& clock = Clock::system(), Limits limits = {});
    MetricHistoryStore(const MetricHistoryStore&) = delete;
    MetricHistoryStore& operator=(const MetricHistoryStore&) = delete;
    ~MetricHistoryStore();

    // <app data>/metrics.sqlite
    static QString defaultPath();

    bool open(const QString& path, QString* error);

    // Keeps a one-second sample (time rounded down to the second; a second recorded twice
    // keeps the later sample).
    void record(const QString& brokerId, const MetricSample& sample);
    // Writes what waits, aggregates complete minutes, applies retention. False on a database
    // error (the samples stay queued, up to a bound).
    bool flush();

    // The points of `span` ending now, at the span's resolution, oldest first. Each point
    // averages its seconds (rates, gauges, p50) or takes their maximum (p99, max).
    QList<MetricSample> query(const QString& brokerId, MetricWindow::Span span);
    // Forgets a broker (its profile was removed).
    void removeBroker(const QString& brokerId);

    // Rows kept for `brokerId` at a stored resolution (1 or 60 s), or for all brokers and
    // resolutions when `brokerId` is empty.
    qint64 rowCount(const QString& brokerId = {}, int resolutionSeconds = 0);

private:
    struct Pending
    {
        QString brokerId;
        MetricSample sample;
    };

    bool insertFine();
    bool aggregateMinutes(const QString& brokerId, qint64 upToMs);
    bool applyRetention();
    qint64 firstUnaggregatedMinute(const QString& brokerId);

    const Clock& m_clock;
    Limits m_limits;
    SqliteConnection m_connection;
    QList<Pending> m_pending;
    qint64 m_pendingSinceMs = 0;
    int m_flushesSinceCapCheck = 0;
    // Per broker: the start of the first minute not yet aggregated.
    QHash<QString, qint64> m_aggregatedUpTo;
};

} // namespace sb::app
