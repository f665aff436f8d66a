#pragma once

#include <QtCore/QSortFilterProxyModel>

#include "app/LogLine.h"

namespace sb::app {

// The log lines at or above a level and containing a text, for the log pane's filters.
class LogFilterModel : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit LogFilterModel(QObject* parent = nullptr);

    void setMinimumLevel(LogLine::Level level);
    LogLine::Level minimumLevel() const { return m_minimumLevel; }
    // Case-insensitive substring; empty shows everything.
    void setText(const QString& text);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    LogLine::Level m_minimumLevel = LogLine::Trace;
    QString m_text;
};

} // namespace sb::app
