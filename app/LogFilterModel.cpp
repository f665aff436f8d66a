#include "app/LogFilterModel.h"

#include "app/LogModel.h"

namespace sb::app {

LogFilterModel::LogFilterModel(QObject* parent)
    : QSortFilterProxyModel(parent)
{}

void LogFilterModel::setMinimumLevel(LogLine::Level level)
{
    if (level == m_minimumLevel) {
        return;
    }
    m_minimumLevel = level;
    invalidateFilter();
}

void LogFilterModel::setText(const QString& text)
{
    if (text == m_text) {
        return;
    }
    m_text = text;
    invalidateFilter();
}

bool LogFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    if (index.data(LogModel::LevelRole).toInt() < m_minimumLevel) {
        return false;
    }
    return m_text.isEmpty() ||
           index.data(Qt::DisplayRole).toString().contains(m_text, Qt::CaseInsensitive);
}

} // namespace sb::app
