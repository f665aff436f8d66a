#include "app/LogModel.h"

#include <algorithm>

namespace sb::app {

LogModel::LogModel(int capacity, QObject* parent)
    : QAbstractListModel(parent)
    , m_capacity(std::max(capacity, 1))
{}

int LogModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_lines.size());
}

QVariant LogModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount()) {
        return {};
    }
    const LogLine& line = m_lines[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        return line.text;
    case LevelRole:
        return static_cast<int>(line.level);
    case LevelNameRole:
        return LogLine::levelName(line.level);
    default:
        return {};
    }
}

QHash<int, QByteArray> LogModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(LevelRole, "level");
    names.insert(LevelNameRole, "levelName");
    return names;
}

void LogModel::append(const QList<LogLine>& lines, std::size_t dropped)
{
    QList<LogLine> incoming;
    if (dropped > 0) {
        incoming.append(
            LogLine{LogLine::Warning, tr("%n log line(s) dropped while the console was busy",
                                         nullptr, static_cast<int>(dropped))});
    }
    incoming.append(lines);
    if (incoming.isEmpty()) {
        return;
    }
    // Only the newest `capacity` lines of the batch can stay.
    const auto keep = std::min<qsizetype>(incoming.size(), m_capacity);
    const qsizetype skip = incoming.size() - keep;

    const auto overflow = static_cast<int>(m_lines.size()) + static_cast<int>(keep) - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, overflow - 1);
        m_lines.erase(m_lines.begin(), m_lines.begin() + overflow);
        endRemoveRows();
    }
    const int first = static_cast<int>(m_lines.size());
    beginInsertRows({}, first, first + static_cast<int>(keep) - 1);
    for (qsizetype i = skip; i < incoming.size(); ++i) {
        m_lines.push_back(incoming[i]);
    }
    endInsertRows();
}

void LogModel::clear()
{
    beginResetModel();
    m_lines.clear();
    endResetModel();
}

} // namespace sb::app
