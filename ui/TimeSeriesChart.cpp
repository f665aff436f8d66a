#include "ui/TimeSeriesChart.h"

#include <algorithm>
#include <cmath>

#include <QtCharts/QAbstractAxis>
#include <QtCharts/QChart>
#include <QtCharts/QDateTimeAxis>
#include <QtCharts/QLegend>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>
#include <QtCore/QDateTime>
#include <QtCore/QEvent>
#include <QtCore/QLocale>
#include <QtGui/QCursor>
#include <QtWidgets/QLabel>
#include <QtWidgets/QToolTip>

#include "ui/ThemeColors.h"

namespace sb::ui {

namespace {

QString timeFormat(app::MetricWindow::Span span)
{
    return span == app::MetricWindow::OneMinute || span == app::MetricWindow::FifteenMinutes
               ? QStringLiteral("HH:mm:ss")
               : QStringLiteral("HH:mm");
}

} // namespace

TimeSeriesChart::TimeSeriesChart(const QString& title, const QString& unit, QList<Line> lines,
                                 QWidget* parent)
    // The chart is given to the constructor: QChartView(parent) would make a default chart that
    // setChart() releases without deleting (a leak LeakSanitizer reported).
    : QChartView(new QChart(), parent)
    , m_lines(std::move(lines))
    , m_unit(unit)
    , m_chart(chart())
    , m_time(new QDateTimeAxis(m_chart))
    , m_values(new QValueAxis(m_chart))
    , m_empty(new QLabel(this))
{
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);
    // Animations would redraw for a second after each update, that is, all the time.
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->setTitle(title);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->legend()->setAlignment(Qt::AlignTop);
    m_chart->legend()->setVisible(m_lines.size() > 1);

    m_time->setTickCount(5);
    m_values->setTitleText(unit);
    m_values->setLabelFormat(QStringLiteral("%.4g"));
    m_values->setMinorTickCount(0);
    m_chart->addAxis(m_time, Qt::AlignBottom);
    m_chart->addAxis(m_values, Qt::AlignLeft);

    for (const Line& line : std::as_const(m_lines)) {
        auto* series = new QLineSeries(m_chart);
        series->setName(line.name);
        m_chart->addSeries(series);
        series->attachAxis(m_time);
        series->attachAxis(m_values);
        connect(series, &QLineSeries::hovered, this,
                [this, name = line.name](const QPointF& point, bool entered) {
                    if (!entered) {
                        QToolTip::hideText();
                        return;
                    }
                    const QString at = QDateTime::fromMSecsSinceEpoch(qint64(point.x()))
                                           .toString(QStringLiteral("HH:mm:ss"));
                    QToolTip::showText(
                        QCursor::pos(),
                        QStringLiteral("%1\n%2: %3").arg(at, name, formatValue(point.y())), this);
                });
        m_series.append(series);
    }

    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_empty->setForegroundRole(QPalette::PlaceholderText);
    setEmptyText(tr("No data yet"));
    applyPalette();
    load(m_span, {}, QDateTime::currentMSecsSinceEpoch());
}

QString TimeSeriesChart::title() const
{
    return m_chart->title();
}

int TimeSeriesChart::pointCount(int line) const
{
    return line >= 0 && line < m_series.size() ? static_cast<int>(m_series[line]->count()) : 0;
}

void TimeSeriesChart::setEmptyText(const QString& text)
{
    m_empty->setText(text);
}

QString TimeSeriesChart::formatValue(double value) const
{
    const QLocale locale;
    const QString number =
        std::abs(value) >= 100 ? locale.toString(value, 'f', 0) : locale.toString(value, 'g', 3);
    return m_unit.isEmpty() ? number : QStringLiteral("%1 %2").arg(number, m_unit);
}

void TimeSeriesChart::load(app::MetricWindow::Span span,
                           const std::deque<app::MetricSample>& points, qint64 nowMs)
{
    m_span = span;
    m_time->setFormat(timeFormat(span));
    for (qsizetype i = 0; i < m_series.size(); ++i) {
        QList<QPointF> values;
        values.reserve(static_cast<qsizetype>(points.size()));
        for (const app::MetricSample& sample : points) {
            const double y = m_lines[i].value(sample);
            if (!std::isnan(y)) {
                values.append(QPointF(double(sample.timeMs), y));
            }
        }
        m_series[i]->replace(values);
    }
    scrollTo(nowMs);
    rescaleValues();
    updateEmptyState();
}

void TimeSeriesChart::setPoint(QLineSeries* series, qint64 timeMs, double value)
{
    const qsizetype count = series->count();
    const bool sameTime = count > 0 && qint64(series->at(count - 1).x()) == timeMs;
    if (std::isnan(value)) {
        if (sameTime) {
            series->remove(int(count - 1));
        }
        return;
    }
    if (sameTime) {
        series->replace(int(count - 1), QPointF(double(timeMs), value));
    } else {
        series->append(double(timeMs), value);
    }
}

void TimeSeriesChart::updateLast(const app::MetricSample& last, qint64 nowMs)
{
    for (qsizetype i = 0; i < m_series.size(); ++i) {
        setPoint(m_series[i], last.timeMs, m_lines[i].value(last));
    }
    scrollTo(nowMs);
    rescaleValues();
    updateEmptyState();
}

void TimeSeriesChart::scrollTo(qint64 nowMs)
{
    const qint64 span = app::MetricWindow::spanMs(m_span);
    const qint64 from = nowMs - span;
    // Points that left the window go, so no series grows past its window's point count.
    for (QLineSeries* series : std::as_const(m_series)) {
        int expired = 0;
        while (expired < series->count() && series->at(expired).x() < double(from)) {
            ++expired;
        }
        if (expired > 0) {
            series->removePoints(0, expired);
        }
    }
    m_time->setRange(QDateTime::fromMSecsSinceEpoch(from), QDateTime::fromMSecsSinceEpoch(nowMs));
}

void TimeSeriesChart::rescaleValues()
{
    double top = 0;
    for (const QLineSeries* series : std::as_const(m_series)) {
        const qsizetype count = series->count();
        for (qsizetype i = 0; i < count; ++i) {
            top = std::max(top, series->at(i).y());
        }
    }
    // A quiet broker draws its zero line at the bottom of a small scale, not in the middle.
    m_values->setRange(0, top <= 0 ? 1.0 : top * 1.1);
    m_values->applyNiceNumbers();
    // Whole numbers from 10 up ("40000", not "4e+04"); small scales keep their decimals.
    m_values->setLabelFormat(m_values->max() >= 10 ? QStringLiteral("%.0f")
                                                   : QStringLiteral("%.4g"));
}

void TimeSeriesChart::updateEmptyState()
{
    const bool empty = std::all_of(m_series.cbegin(), m_series.cend(),
                                   [](const QLineSeries* s) { return s->count() == 0; });
    m_empty->setVisible(empty);
}

void TimeSeriesChart::applyPalette()
{
    const QPalette p = palette();
    const QColor text = p.color(QPalette::WindowText);
    const QColor grid = p.color(QPalette::Mid);
    m_chart->setBackgroundBrush(p.color(QPalette::Base));
    m_chart->setBackgroundPen(QPen(p.color(QPalette::Midlight)));
    m_chart->setTitleBrush(text);
    m_chart->legend()->setLabelColor(text);
    for (QAbstractAxis* axis :
         {static_cast<QAbstractAxis*>(m_time), static_cast<QAbstractAxis*>(m_values)}) {
        axis->setLabelsColor(text);
        axis->setTitleBrush(text);
        axis->setGridLineColor(grid);
        axis->setLinePenColor(grid);
    }
    for (qsizetype i = 0; i < m_series.size(); ++i) {
        QPen pen(ThemeColors::series(int(i), p));
        pen.setWidthF(2.0);
        m_series[i]->setPen(pen);
    }
    setBackgroundBrush(p.color(QPalette::Window));
}

void TimeSeriesChart::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange) {
        applyPalette();
    }
    QChartView::changeEvent(event);
}

void TimeSeriesChart::resizeEvent(QResizeEvent* event)
{
    QChartView::resizeEvent(event);
    m_empty->setGeometry(rect());
}

} // namespace sb::ui
