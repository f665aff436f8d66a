#include "app/AppSettings.h"

#include <algorithm>

namespace sb::app {

namespace {

const QString kAutoStart = QStringLiteral("embeddedBroker/startAutomatically");
const QString kMqttPort = QStringLiteral("embeddedBroker/mqttPort");
const QString kAdminPort = QStringLiteral("embeddedBroker/adminPort");
const QString kDataDirectory = QStringLiteral("embeddedBroker/dataDirectory");
const QString kDurability = QStringLiteral("embeddedBroker/durability");
const QString kWorkers = QStringLiteral("embeddedBroker/workers");
const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
const QString kSplitter = QStringLiteral("window/splitter");
const QString kSelectedBroker = QStringLiteral("view/selectedBroker");
const QString kChartWindow = QStringLiteral("view/chartWindow");
const QString kLogVisible = QStringLiteral("view/logPaneVisible");
const QString kLogLevel = QStringLiteral("view/logMinimumLevel");

} // namespace

AppSettings::AppSettings()
    : m_settings(std::make_unique<QSettings>())
{}

AppSettings::AppSettings(const QString& iniPath)
    : m_settings(std::make_unique<QSettings>(iniPath, QSettings::IniFormat))
{}

EmbeddedBrokerSettings AppSettings::embeddedBroker() const
{
    const EmbeddedBrokerSettings defaults;
    EmbeddedBrokerSettings s;
    s.startAutomatically = m_settings->value(kAutoStart, defaults.startAutomatically).toBool();
    s.mqttPort = static_cast<quint16>(m_settings->value(kMqttPort, defaults.mqttPort).toUInt());
    s.adminPort = static_cast<quint16>(m_settings->value(kAdminPort, defaults.adminPort).toUInt());
    s.dataDirectory = m_settings->value(kDataDirectory).toString();
    s.durability = EmbeddedBrokerSettings::durabilityFromName(
        m_settings->value(kDurability).toString(), defaults.durability);
    s.workers = m_settings->value(kWorkers, defaults.workers).toInt();
    return s;
}

void AppSettings::setEmbeddedBroker(const EmbeddedBrokerSettings& s)
{
    m_settings->setValue(kAutoStart, s.startAutomatically);
    m_settings->setValue(kMqttPort, s.mqttPort);
    m_settings->setValue(kAdminPort, s.adminPort);
    m_settings->setValue(kDataDirectory, s.dataDirectory);
    m_settings->setValue(kDurability, EmbeddedBrokerSettings::durabilityName(s.durability));
    m_settings->setValue(kWorkers, s.workers);
}

QByteArray AppSettings::windowGeometry() const
{
    return m_settings->value(kGeometry).toByteArray();
}

void AppSettings::setWindowGeometry(const QByteArray& geometry)
{
    m_settings->setValue(kGeometry, geometry);
}

QByteArray AppSettings::windowState() const
{
    return m_settings->value(kState).toByteArray();
}

void AppSettings::setWindowState(const QByteArray& state)
{
    m_settings->setValue(kState, state);
}

QByteArray AppSettings::splitterState() const
{
    return m_settings->value(kSplitter).toByteArray();
}

void AppSettings::setSplitterState(const QByteArray& state)
{
    m_settings->setValue(kSplitter, state);
}

QString AppSettings::selectedBroker() const
{
    return m_settings->value(kSelectedBroker).toString();
}

void AppSettings::setSelectedBroker(const QString& brokerId)
{
    m_settings->setValue(kSelectedBroker, brokerId);
}

MetricWindow::Span AppSettings::chartWindow() const
{
    return MetricWindow::fromKey(m_settings->value(kChartWindow).toString(),
                                 MetricWindow::FifteenMinutes);
}

void AppSettings::setChartWindow(MetricWindow::Span span)
{
    m_settings->setValue(kChartWindow, MetricWindow::key(span));
}

bool AppSettings::logPaneVisible() const
{
    return m_settings->value(kLogVisible, false).toBool();
}

void AppSettings::setLogPaneVisible(bool visible)
{
    m_settings->setValue(kLogVisible, visible);
}

LogLine::Level AppSettings::logMinimumLevel() const
{
    const int level = m_settings->value(kLogLevel, static_cast<int>(LogLine::Info)).toInt();
    return static_cast<LogLine::Level>(std::clamp(level, 0, static_cast<int>(LogLine::Critical)));
}

void AppSettings::setLogMinimumLevel(LogLine::Level level)
{
    m_settings->setValue(kLogLevel, static_cast<int>(level));
}

} // namespace sb::app
