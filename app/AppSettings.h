#pragma once

#include <memory>

#include <QtCore/QByteArray>
#include <QtCore/QSettings>

#include "app/EmbeddedBrokerSettings.h"
#include "app/LogLine.h"
#include "app/MetricWindow.h"

namespace sb::app {

// The console's preferences in QSettings: the Local broker's options, the window's geometry
// and state, and the view choices worth keeping between runs.
class AppSettings
{
public:
    // The platform's place for the application's settings.
    AppSettings();
    // A given INI file (tests).
    explicit AppSettings(const QString& iniPath);

    EmbeddedBrokerSettings embeddedBroker() const;
    void setEmbeddedBroker(const EmbeddedBrokerSettings& settings);

    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray& geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray& state);
    QByteArray splitterState() const;
    void setSplitterState(const QByteArray& state);

    QString selectedBroker() const;
    void setSelectedBroker(const QString& brokerId);
    MetricWindow::Span chartWindow() const;
    void setChartWindow(MetricWindow::Span span);
    bool logPaneVisible() const;
    void setLogPaneVisible(bool visible);
    LogLine::Level logMinimumLevel() const;
    void setLogMinimumLevel(LogLine::Level level);

    void sync() { m_settings->sync(); }

private:
    std::unique_ptr<QSettings> m_settings;
};

} // namespace sb::app
