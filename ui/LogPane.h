#pragma once

#include <QtWidgets/QWidget>

class QComboBox;
class QLineEdit;
class QListView;

namespace sb::app {
class LogFilterModel;
class LogModel;
} // namespace sb::app

namespace sb::ui {

// The Local broker's log: the newest lines of a bounded model, filtered by level and text,
// following the end unless the user scrolled up to read.
class LogPane : public QWidget
{
    Q_OBJECT

public:
    explicit LogPane(app::LogModel& model, QWidget* parent = nullptr);

    void setMinimumLevel(int level);
    int minimumLevel() const;
    int visibleLines() const;

Q_SIGNALS:
    void minimumLevelChanged(int level);

private:
    app::LogModel& m_model;
    app::LogFilterModel* m_filter;
    QComboBox* m_level;
    QLineEdit* m_text;
    QListView* m_view;
    bool m_follow = true;
};

} // namespace sb::ui
