#include "app/MetricHistoryStore.h"

#include <algorithm>

#include <QtCore/QDir>
#include <QtCore/QStandardPaths>
#include <QtSql/QSqlQuery>

#include "app/SqlTransaction.h"

namespace sb::app {

namespace {

constexpr int kSchemaVersion = 1;
constexpr qint64 kMinuteMs = 60'000;
// Samples kept in memory while the database refuses writes (a full disk): an hour of one
// broker, then the oldest go.
constexpr int kMaxPending = 3600;
// The row cap is checked every this many flushes: counting rows is the one step whose cost
// grows with the file.
constexpr int kCapCheckEveryFlushes = 10;

const QStringList& schema()
{
    static const QStringList statements{
        QStringLiteral(R"(
            CREATE TABLE IF NOT EXISTS samples (
                broker TEXT NOT NULL,
                resolution INTEGER NOT NULL,
                t INTEGER NOT NULL,
                weight INTEGER NOT NULL,
                messages_in REAL,
                messages_out REAL,
                connections REAL,
                queued REAL,
                latency_p50 REAL,
                latency_p99 REAL,
                latency_max REAL,
                cpu_percent REAL,
                resident_bytes REAL,
                PRIMARY KEY (broker, resolution, t)
            ))"),
        QStringLiteral("CREATE INDEX IF NOT EXISTS samples_by_age ON samples (resolution, t)"),
    };
    return statements;
}

// Averages for rates, gauges and the median; maxima for p99 and max, because the average of
// tail latencies would hide exactly the spikes a tail chart is for.
const QString kAggregates = QStringLiteral(
    "SUM(weight), AVG(messages_in), AVG(messages_out), AVG(connections), AVG(queued), "
    "AVG(latency_p50), MAX(latency_p99), MAX(latency_max), AVG(cpu_percent), "
    "AVG(resident_bytes)");

QVariant nullable(double value)
{
    return std::isnan(value) ? QVariant() : QVariant(value);
}

double number(const QVariant& value)
{
    return value.isNull() ? MetricSample::kNone : value.toDouble();
}

} // namespace

MetricHistoryStore::MetricHistoryStore(const Clock& clock, Limits limits)
    : m_clock(clock)
    , m_limits(limits)
    , m_connection(QStringLiteral("metrics"))
{}

MetricHistoryStore::~MetricHistoryStore()
{
    if (m_connection.isOpen()) {
        flush();
    }
}

QString MetricHistoryStore::defaultPath()
{
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
        .filePath(QStringLiteral("metrics.sqlite"));
}

bool MetricHistoryStore::open(const QString& path, QString* error)
{
    return m_connection.open(path, kSchemaVersion, schema(), error);
}

void MetricHistoryStore::record(const QString& brokerId, const MetricSample& sample)
{
    if (m_pending.isEmpty()) {
        m_pendingSinceMs = m_clock.nowMs();
    }
    MetricSample second = sample;
    second.timeMs = sample.timeMs / 1000 * 1000;
    second.weight = 1;
    m_pending.append(Pending{brokerId, second});
    if (m_pending.size() > kMaxPending) {
        m_pending.removeFirst();
    }
    if (m_pending.size() >= m_limits.flushEverySamples ||
        m_clock.nowMs() - m_pendingSinceMs >= m_limits.flushEveryMs) {
        flush();
    }
}

bool MetricHistoryStore::flush()
{
    if (!m_connection.isOpen()) {
        return false;
    }
    if (!m_pending.isEmpty()) {
        SqlTransaction transaction(m_connection.database());
        if (!insertFine()) {
            return false;
        }
        QHash<QString, qint64> latest;
        for (const Pending& p : std::as_const(m_pending)) {
            qint64& t = latest[p.brokerId];
            t = std::max(t, p.sample.timeMs);
        }
        for (auto it = latest.cbegin(); it != latest.cend(); ++it) {
            // The minute of the newest sample is still filling: aggregate up to its start.
            if (!aggregateMinutes(it.key(), it.value() / kMinuteMs * kMinuteMs)) {
                return false;
            }
        }
        if (!transaction.commit()) {
            return false;
        }
        m_pending.clear();
    }
    return applyRetention();
}

bool MetricHistoryStore::insertFine()
{
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral(
        "INSERT OR REPLACE INTO samples (broker, resolution, t, weight, messages_in, "
        "messages_out, connections, queued, latency_p50, latency_p99, latency_max, "
        "cpu_percent, resident_bytes) VALUES (?, 1, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    for (const Pending& p : std::as_const(m_pending)) {
        const MetricSample& s = p.sample;
        query.addBindValue(p.brokerId);
        query.addBindValue(s.timeMs);
        query.addBindValue(s.messagesIn);
        query.addBindValue(s.messagesOut);
        query.addBindValue(s.connections);
        query.addBindValue(s.queued);
        query.addBindValue(nullable(s.latencyP50));
        query.addBindValue(nullable(s.latencyP99));
        query.addBindValue(nullable(s.latencyMax));
        query.addBindValue(s.cpuPercent);
        query.addBindValue(s.residentBytes);
        if (!query.exec()) {
            return false;
        }
    }
    return true;
}

qint64 MetricHistoryStore::firstUnaggregatedMinute(const QString& brokerId)
{
    const auto known = m_aggregatedUpTo.constFind(brokerId);
    if (known != m_aggregatedUpTo.constEnd()) {
        return *known;
    }
    QSqlQuery query(m_connection.database());
    query.prepare(
        QStringLiteral("SELECT MAX(t) FROM samples WHERE broker = ? AND resolution = 60"));
    query.addBindValue(brokerId);
    if (query.exec() && query.next() && !query.value(0).isNull()) {
        return query.value(0).toLongLong() + kMinuteMs;
    }
    query.prepare(QStringLiteral("SELECT MIN(t) FROM samples WHERE broker = ? AND resolution = 1"));
    query.addBindValue(brokerId);
    if (query.exec() && query.next() && !query.value(0).isNull()) {
        return query.value(0).toLongLong() / kMinuteMs * kMinuteMs;
    }
    return 0;
}

bool MetricHistoryStore::aggregateMinutes(const QString& brokerId, qint64 upToMs)
{
    const qint64 from = firstUnaggregatedMinute(brokerId);
    if (from >= upToMs) {
        return true;
    }
    QSqlQuery query(m_connection.database());
    query.prepare(
        QStringLiteral("INSERT OR REPLACE INTO samples (broker, resolution, t, weight, "
                       "messages_in, messages_out, connections, queued, latency_p50, "
                       "latency_p99, latency_max, cpu_percent, resident_bytes) "
                       "SELECT broker, 60, (t / 60000) * 60000 AS minute, %1 FROM samples "
                       "WHERE broker = ? AND resolution = 1 AND t >= ? AND t < ? "
                       "GROUP BY minute")
            .arg(kAggregates));
    query.addBindValue(brokerId);
    query.addBindValue(from);
    query.addBindValue(upToMs);
    if (!query.exec()) {
        return false;
    }
    m_aggregatedUpTo.insert(brokerId, upToMs);
    return true;
}

bool MetricHistoryStore::applyRetention()
{
    const qint64 now = m_clock.nowMs();
    const qint64 fineCutoff = now - m_limits.fineRetentionMs;
    QSqlDatabase& db = m_connection.database();
    SqlTransaction transaction(db);
    QSqlQuery query(db);

    // A broker that went quiet still has its last minutes unaggregated: aggregate them before
    // their seconds are deleted, or they would vanish from the 24 h chart.
    query.prepare(
        QStringLiteral("SELECT DISTINCT broker FROM samples WHERE resolution = 1 AND t < ?"));
    query.addBindValue(fineCutoff);
    if (!query.exec()) {
        return false;
    }
    QStringList expiring;
    while (query.next()) {
        expiring.append(query.value(0).toString());
    }
    for (const QString& brokerId : std::as_const(expiring)) {
        if (!aggregateMinutes(brokerId, fineCutoff / kMinuteMs * kMinuteMs)) {
            return false;
        }
    }

    query.prepare(QStringLiteral("DELETE FROM samples WHERE resolution = 1 AND t < ?"));
    query.addBindValue(fineCutoff);
    if (!query.exec()) {
        return false;
    }
    query.prepare(QStringLiteral("DELETE FROM samples WHERE resolution = 60 AND t < ?"));
    query.addBindValue(now - m_limits.coarseRetentionMs);
    if (!query.exec()) {
        return false;
    }
    if (++m_flushesSinceCapCheck >= kCapCheckEveryFlushes) {
        m_flushesSinceCapCheck = 0;
        if (!query.exec(QStringLiteral("SELECT COUNT(*) FROM samples")) || !query.next()) {
            return false;
        }
        const qint64 excess = query.value(0).toLongLong() - m_limits.maxRows;
        if (excess > 0) {
            query.prepare(QStringLiteral("DELETE FROM samples WHERE rowid IN "
                                         "(SELECT rowid FROM samples ORDER BY t LIMIT ?)"));
            query.addBindValue(excess);
            if (!query.exec()) {
                return false;
            }
            // Which minutes are aggregated is read from the database again.
            m_aggregatedUpTo.clear();
        }
    }
    return transaction.commit();
}

QList<MetricSample> MetricHistoryStore::query(const QString& brokerId, MetricWindow::Span span)
{
    flush();
    const qint64 resolution = MetricWindow::resolutionMs(span);
    const qint64 from =
        (m_clock.nowMs() - MetricWindow::spanMs(span)) / resolution * resolution + resolution;
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral("SELECT (t / %1) * %1 AS bucket, %2 FROM samples "
                                 "WHERE broker = ? AND resolution = ? AND t >= ? "
                                 "GROUP BY bucket ORDER BY bucket")
                      .arg(resolution)
                      .arg(kAggregates));
    query.addBindValue(brokerId);
    query.addBindValue(MetricWindow::sourceResolutionSeconds(span));
    query.addBindValue(from);
    QList<MetricSample> samples;
    if (!query.exec()) {
        return samples;
    }
    while (query.next()) {
        MetricSample s;
        s.timeMs = query.value(0).toLongLong();
        s.weight = query.value(1).toInt();
        s.messagesIn = query.value(2).toDouble();
        s.messagesOut = query.value(3).toDouble();
        s.connections = query.value(4).toDouble();
        s.queued = query.value(5).toDouble();
        s.latencyP50 = number(query.value(6));
        s.latencyP99 = number(query.value(7));
        s.latencyMax = number(query.value(8));
        s.cpuPercent = query.value(9).toDouble();
        s.residentBytes = query.value(10).toDouble();
        samples.append(s);
    }
    return samples;
}

void MetricHistoryStore::removeBroker(const QString& brokerId)
{
    m_pending.erase(std::remove_if(m_pending.begin(), m_pending.end(),
                                   [&](const Pending& p) { return p.brokerId == brokerId; }),
                    m_pending.end());
    m_aggregatedUpTo.remove(brokerId);
    QSqlQuery query(m_connection.database());
    query.prepare(QStringLiteral("DELETE FROM samples WHERE broker = ?"));
    query.addBindValue(brokerId);
    query.exec();
}

qint64 MetricHistoryStore::rowCount(const QString& brokerId, int resolutionSeconds)
{
    flush();
    QSqlQuery query(m_connection.database());
    QString sql = QStringLiteral("SELECT COUNT(*) FROM samples WHERE 1 = 1");
    if (!brokerId.isEmpty()) {
        sql += QStringLiteral(" AND broker = ?");
    }
    if (resolutionSeconds != 0) {
        sql += QStringLiteral(" AND resolution = ?");
    }
    query.prepare(sql);
    if (!brokerId.isEmpty()) {
        query.addBindValue(brokerId);
    }
    if (resolutionSeconds != 0) {
        query.addBindValue(resolutionSeconds);
    }
    return query.exec() && query.next() ? query.value(0).toLongLong() : 0;
}

} // namespace sb::app
