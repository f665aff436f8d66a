#pragma once

#include <deque>
#include <functional>

#include <QtCharts/QChartView>

#include "app/MetricSample.h"
#include "app/MetricWindow.h"

class QDateTimeAxis;
class QLabel;
class QLineSeries;
class QValueAxis;

namespace sb::ui {

// One Overview chart: a few lines of one unit over a time window. The series are made once;
// each second the newest point is appended (or the last one updated), points that left the
// window are removed from the front, and the time axis scrolls, so a busy broker costs the
// chart the same as an idle one. Hovering a line shows its value.
class TimeSeriesChart : public QChartView
{
    Q_OBJECT

public:
    struct Line
    {
        QString name;
        // The value to plot, or NaN for none (no point at that time).
        std::function<double(const app::MetricSample&)> value;
    };

    TimeSeriesChart(const QString& title, const QString& unit, QList<Line> lines,
                    QWidget* parent = nullptr);

    // Replaces everything with `points` for `span` (a new window or another broker).
    void load(app::MetricWindow::Span span, const std::deque<app::MetricSample>& points,
              qint64 nowMs);
    // The window's newest point was appended or changed.
    void updateLast(const app::MetricSample& last, qint64 nowMs);
    // Scrolls the time axis to `nowMs` without new data (the broker is quiet or gone).
    void scrollTo(qint64 nowMs);
    // The text over an empty chart.
    void setEmptyText(const QString& text);

    int pointCount(int line) const;
    QString title() const;

protected:
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void applyPalette();
    void rescaleValues();
    void updateEmptyState();
    void setPoint(QLineSeries* series, qint64 timeMs, double value);
    QString formatValue(double value) const;

    QList<Line> m_lines;
    QString m_unit;
    QChart* m_chart;
    QDateTimeAxis* m_time;
    QValueAxis* m_values;
    QList<QLineSeries*> m_series;
    QLabel* m_empty;
    app::MetricWindow::Span m_span = app::MetricWindow::OneMinute;
};

} // namespace sb::ui
