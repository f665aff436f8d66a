#pragma once

#include <deque>

#include <QtCore/QPointer>
#include <QtCore/QTimer>
#include <QtWidgets/QWidget>

#include "app/BrokerConnection.h"
#include "app/MetricWindowBuffer.h"

class QButtonGroup;
class QGridLayout;
class QLabel;

namespace sb::app {
class Console;
}

namespace sb::ui {

class MetricTile;
class TimeSeriesChart;

// The Overview of one broker: tiles with its numbers now, and charts of message rates,
// connections, queue depth and delivery latency over a chosen window (history from the
// metric store, then live). Frames are folded in at most four times a second, whatever rate
// they arrive at, and nothing here talks to the network: it reads the broker's connection.
class OverviewPage : public QWidget
{
    Q_OBJECT

public:
    explicit OverviewPage(app::Console& console, QWidget* parent = nullptr);

    // Shows `brokerId` (an id of the console's BrokerListModel).
    void showBroker(const QString& brokerId);
    const QString& brokerId() const { return m_brokerId; }
    void setWindow(app::MetricWindow::Span span);
    app::MetricWindow::Span window() const { return m_buffer.span(); }

    // By name ("connections", "messagesIn", "messagesOut", "queued", "deadLetters", "cpu",
    // "memory"), for the tests.
    MetricTile* tile(const QString& name) const;
    QList<TimeSeriesChart*> charts() const { return m_charts; }

Q_SIGNALS:
    void windowChanged(sb::app::MetricWindow::Span span);

private:
    void buildTiles(QGridLayout* layout);
    void buildCharts(QGridLayout* layout);
    void onFrame(const app::StatsFrame& frame);
    void applyPending();
    void onTick();
    void reloadHistory();
    void updateTiles();
    void updateHeader();

    app::Console& m_console;
    QString m_brokerId;
    QPointer<app::BrokerConnection> m_connection;
    // Parent of this page's connections to the current broker: replaced on a broker switch,
    // which drops them all at once.
    QObject* m_watch = nullptr;

    QLabel* m_title;
    QLabel* m_subtitle;
    QLabel* m_banner;
    QButtonGroup* m_windows;
    QHash<QString, MetricTile*> m_tiles;
    QList<TimeSeriesChart*> m_charts;

    app::MetricWindowBuffer m_buffer;
    std::deque<app::MetricSample> m_pending; // bounded: see applyPending()
    QTimer m_applyTimer;
    QTimer m_tick; // once a second: banner countdown, charts scroll while no frames come
    qint64 m_lastFrameMs = 0;
};

} // namespace sb::ui
