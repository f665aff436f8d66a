#include "ui/OverviewPage.h"

#include <QtCore/QDateTime>
#include <QtWidgets/QButtonGroup>
#include <QtWidgets/QGridLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

#include "app/Console.h"
#include "ui/Format.h"
#include "ui/MetricTile.h"
#include "ui/ThemeColors.h"
#include "ui/TimeSeriesChart.h"

namespace sb::ui {

namespace {

using app::MetricSample;
using app::MetricWindow;

// Frames are folded in at most this often; between two applications they wait, bounded.
constexpr int kApplyIntervalMs = 250;
constexpr std::size_t kMaxPendingSamples = 120;

double milliseconds(double seconds)
{
    return seconds * 1000.0;
}

} // namespace

OverviewPage::OverviewPage(app::Console& console, QWidget* parent)
    : QWidget(parent)
    , m_console(console)
    , m_title(new QLabel(this))
    , m_subtitle(new QLabel(this))
    , m_banner(new QLabel(this))
    , m_windows(new QButtonGroup(this))
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 12, 12, 12);
    layout->setSpacing(10);

    QFont titleFont = font();
    titleFont.setPointSizeF(font().pointSizeF() * 1.4);
    titleFont.setWeight(QFont::DemiBold);
    m_title->setFont(titleFont);
    m_subtitle->setForegroundRole(QPalette::PlaceholderText);
    m_subtitle->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* header = new QHBoxLayout;
    auto* names = new QVBoxLayout;
    names->setSpacing(0);
    names->addWidget(m_title);
    names->addWidget(m_subtitle);
    header->addLayout(names, 1);
    header->addWidget(new QLabel(tr("Window:"), this));
    for (const MetricWindow::Span span : MetricWindow::all()) {
        auto* button = new QToolButton(this);
        button->setText(MetricWindow::label(span));
        button->setCheckable(true);
        button->setAutoRaise(true);
        button->setObjectName(QStringLiteral("window-") + MetricWindow::key(span));
        button->setToolTip(tr("Show the last %1").arg(MetricWindow::label(span)));
        m_windows->addButton(button, span);
        header->addWidget(button);
    }
    connect(m_windows, &QButtonGroup::idClicked, this,
            [this](int id) { setWindow(static_cast<MetricWindow::Span>(id)); });
    layout->addLayout(header);

    m_banner->setWordWrap(true);
    m_banner->setTextFormat(Qt::RichText);
    m_banner->setFrameShape(QFrame::StyledPanel);
    m_banner->setMargin(8);
    m_banner->setVisible(false);
    layout->addWidget(m_banner);

    auto* tiles = new QGridLayout;
    tiles->setSpacing(8);
    buildTiles(tiles);
    layout->addLayout(tiles);

    auto* charts = new QGridLayout;
    charts->setSpacing(8);
    buildCharts(charts);
    layout->addLayout(charts, 1);

    m_applyTimer.setSingleShot(true);
    m_applyTimer.setInterval(kApplyIntervalMs);
    connect(&m_applyTimer, &QTimer::timeout, this, &OverviewPage::applyPending);
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &OverviewPage::onTick);
    m_tick.start();

    setWindow(m_console.settings().chartWindow());
}

void OverviewPage::buildTiles(QGridLayout* layout)
{
    const std::pair<const char*, QString> tiles[] = {
        {"connections", tr("Connections")},
        {"messagesIn", tr("Messages in/s")},
        {"messagesOut", tr("Messages out/s")},
        {"queued", tr("Queued messages")},
        {"deadLetters", tr("Dead letters")},
        {"cpu", tr("CPU")},
        {"memory", tr("Memory")},
    };
    int column = 0;
    for (const auto& [name, title] : tiles) {
        auto* tile = new MetricTile(title, this);
        tile->setObjectName(QStringLiteral("tile-") + QLatin1String(name));
        m_tiles.insert(QLatin1String(name), tile);
        layout->addWidget(tile, 0, column++);
    }
}

void OverviewPage::buildCharts(QGridLayout* layout)
{
    using Line = TimeSeriesChart::Line;
    auto* rates = new TimeSeriesChart(tr("Message rates"), tr("msg/s"),
                                      {Line{tr("In"),
                                            [](const MetricSample& s) {
                                                return s.messagesIn;
                                            }},
                                       Line{tr("Out"),
                                            [](const MetricSample& s) {
                                                return s.messagesOut;
                                            }}},
                                      this);
    auto* connections = new TimeSeriesChart(tr("Connections"), {},
                                            {Line{tr("Connections"),
                                                  [](const MetricSample& s) {
                                                      return s.connections;
                                                  }}},
                                            this);
    auto* queued = new TimeSeriesChart(tr("Queue depth"), tr("messages"),
                                       {Line{tr("Queued"),
                                             [](const MetricSample& s) {
                                                 return s.queued;
                                             }}},
                                       this);
    auto* latency = new TimeSeriesChart(tr("Delivery latency"), tr("ms"),
                                        {Line{tr("p50"),
                                              [](const MetricSample& s) {
                                                  return milliseconds(s.latencyP50);
                                              }},
                                         Line{tr("p99"),
                                              [](const MetricSample& s) {
                                                  return milliseconds(s.latencyP99);
                                              }},
                                         Line{tr("max"),
                                              [](const MetricSample& s) {
                                                  return milliseconds(s.latencyMax);
                                              }}},
                                        this);
    m_charts = {rates, connections, queued, latency};
    layout->addWidget(rates, 0, 0);
    layout->addWidget(connections, 0, 1);
    layout->addWidget(queued, 1, 0);
    layout->addWidget(latency, 1, 1);
}

MetricTile* OverviewPage::tile(const QString& name) const
{
    return m_tiles.value(name);
}

void OverviewPage::showBroker(const QString& brokerId)
{
    delete m_watch; // drops every connection to the previous broker
    m_watch = new QObject(this);
    m_brokerId = brokerId;
    m_connection = m_console.brokers().connection(brokerId);
    m_pending.clear();
    if (m_connection) {
        connect(m_connection, &app::BrokerConnection::frameReceived, m_watch,
                [this](const app::StatsFrame& frame) { onFrame(frame); });
        connect(m_connection, &app::BrokerConnection::stateChanged, m_watch, [this] {
            updateTiles();
            updateHeader();
        });
        connect(m_connection, &app::BrokerConnection::overviewChanged, m_watch, [this] {
            updateTiles();
            updateHeader();
        });
        connect(m_connection, &app::BrokerConnection::attemptFailed, m_watch,
                [this] { updateHeader(); });
    }
    connect(&m_console.brokers(), &QAbstractItemModel::dataChanged, m_watch,
            [this] { updateHeader(); });
    reloadHistory();
    updateTiles();
    updateHeader();
}

void OverviewPage::setWindow(MetricWindow::Span span)
{
    if (QAbstractButton* button = m_windows->button(span)) {
        button->setChecked(true);
    }
    const bool changed = span != m_buffer.span();
    m_buffer.reset(span, {});
    reloadHistory();
    if (changed) {
        m_console.settings().setChartWindow(span);
        Q_EMIT windowChanged(span);
    }
}

void OverviewPage::reloadHistory()
{
    const MetricWindow::Span span = m_buffer.span();
    const QList<MetricSample> history =
        m_brokerId.isEmpty() ? QList<MetricSample>() : m_console.history().query(m_brokerId, span);
    m_buffer.reset(span, history);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (TimeSeriesChart* chart : std::as_const(m_charts)) {
        chart->load(span, m_buffer.points(), now);
    }
}

void OverviewPage::onFrame(const app::StatsFrame& frame)
{
    m_pending.push_back(MetricSample::fromFrame(frame));
    // A GUI that fell far behind shows the latest two minutes, not a growing backlog.
    while (m_pending.size() > kMaxPendingSamples) {
        m_pending.pop_front();
    }
    if (!m_applyTimer.isActive()) {
        m_applyTimer.start();
    }
}

void OverviewPage::applyPending()
{
    if (m_pending.empty()) {
        return;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_lastFrameMs = now;
    for (const MetricSample& sample : m_pending) {
        // Each sample lands on the window's newest point, so the charts append or update
        // exactly that point; a sample older than it is ignored.
        if (!m_buffer.add(sample, now).changed) {
            continue;
        }
        for (TimeSeriesChart* chart : std::as_const(m_charts)) {
            chart->updateLast(m_buffer.points().back(), now);
        }
    }
    m_pending.clear();
    updateTiles();
}

void OverviewPage::onTick()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // While frames flow they move the charts; without them, time still passes.
    if (now - m_lastFrameMs > 1500) {
        for (TimeSeriesChart* chart : std::as_const(m_charts)) {
            chart->scrollTo(now);
        }
    }
    if (m_connection && m_connection->state() != app::BrokerConnection::State::Connected) {
        updateHeader();
    }
}

void OverviewPage::updateTiles()
{
    const bool live =
        m_connection && m_connection->state() == app::BrokerConnection::State::Connected;
    const auto& frame = m_connection ? m_connection->latestFrame() : std::nullopt;
    if (!live || !frame) {
        const QString reason = !m_connection ? tr("No broker selected")
                               : live        ? tr("No data yet")
                                             : m_console.brokers()
                                            .indexOf(m_brokerId)
                                            .data(app::BrokerListModel::StateTextRole)
                                            .toString();
        for (MetricTile* tile : std::as_const(m_tiles)) {
            tile->setUnavailable(reason);
        }
        return;
    }
    const app::StatsFrame& f = *frame;
    m_tiles[QStringLiteral("connections")]->setValue(
        Format::count(double(f.connections)), tr("%n MQTT client(s)", nullptr, int(f.clients)));
    m_tiles[QStringLiteral("messagesIn")]->setValue(
        Format::rate(f.messagesInPerSecond),
        tr("%1/s received").arg(Format::bytes(f.bytesInPerSecond)));
    m_tiles[QStringLiteral("messagesOut")]->setValue(
        Format::rate(f.messagesOutPerSecond),
        tr("%1/s sent").arg(Format::bytes(f.bytesOutPerSecond)));
    m_tiles[QStringLiteral("queued")]->setValue(
        Format::count(double(f.queuedMessages)),
        tr("%1 in flight").arg(Format::count(double(f.inflightMessages))));
    const auto& overview = m_connection->overview();
    if (overview && overview->deadLetters) {
        m_tiles[QStringLiteral("deadLetters")]->setValue(
            Format::count(double(*overview->deadLetters)),
            tr("%1/s now").arg(Format::rate(f.deadLettersPerSecond)));
    } else {
        m_tiles[QStringLiteral("deadLetters")]->setValue(
            Format::rate(f.deadLettersPerSecond), tr("per second (store total not reported)"));
    }
    m_tiles[QStringLiteral("cpu")]->setValue(Format::percent(f.cpuPercent), tr("of one core"));
    if (f.residentBytes) {
        m_tiles[QStringLiteral("memory")]->setValue(Format::bytes(double(*f.residentBytes)),
                                                    tr("resident"));
    } else {
        m_tiles[QStringLiteral("memory")]->setUnavailable(tr("Not reported"));
    }
}

void OverviewPage::updateHeader()
{
    const QModelIndex index = m_console.brokers().indexOf(m_brokerId);
    m_title->setText(index.isValid() ? index.data(Qt::DisplayRole).toString() : QString());

    QStringList facts;
    const QString detail = index.data(app::BrokerListModel::DetailRole).toString();
    if (!detail.isEmpty()) {
        facts.append(detail);
    }
    if (m_connection && m_connection->overview()) {
        const app::Overview& o = *m_connection->overview();
        facts.append(tr("Switchboard %1").arg(o.version));
        facts.append(tr("up %1").arg(Format::duration(o.uptimeSeconds)));
        if (!o.durability.isEmpty()) {
            facts.append(tr("durability %1").arg(o.durability));
        }
        if (o.workers > 0) {
            facts.append(tr("%n worker(s)", nullptr, o.workers));
        }
    }
    m_subtitle->setText(facts.join(QStringLiteral("  ·  ")));

    const bool connected =
        m_connection && m_connection->state() == app::BrokerConnection::State::Connected;
    if (connected || !index.isValid()) {
        m_banner->setVisible(false);
        return;
    }
    QString text =
        QStringLiteral("<b>%1</b>")
            .arg(index.data(app::BrokerListModel::StateTextRole).toString().toHtmlEscaped());
    const QString error = index.data(app::BrokerListModel::ErrorTextRole).toString();
    if (!error.isEmpty()) {
        text += QStringLiteral(" — ") + error.toHtmlEscaped();
    }
    if (m_connection) {
        if (const auto next = m_connection->nextAttemptIn()) {
            text +=
                QLatin1Char(' ') + tr("Next attempt in %1 s.").arg((next->count() + 999) / 1000);
        }
    }
    m_banner->setText(text);
    m_banner->setVisible(true);
}

} // namespace sb::ui
