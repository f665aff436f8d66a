#pragma once

#include <deque>

#include <QtCore/QAbstractListModel>

#include "app/LogLine.h"

namespace sb::app {

// The embedded broker's recent log, newest last, for the log pane. Bounded: beyond `capacity`
// lines the oldest are removed as new ones arrive.
class LogModel : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Role
    {
        LevelRole = Qt::UserRole + 1, // LogLine::Level as int
        LevelNameRole,
    };

    explicit LogModel(int capacity = 10000, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Appends a batch; `dropped` lines lost before it (LogBuffer overflow) are reported as one
    // warning line, so a gap in the log is never silent.
    void append(const QList<LogLine>& lines, std::size_t dropped = 0);
    void clear();
    int capacity() const { return m_capacity; }

private:
    int m_capacity;
    std::deque<LogLine> m_lines;
};

} // namespace sb::app
