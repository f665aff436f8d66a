#include "ui/LogLevelDelegate.h"

#include "app/LogModel.h"
#include "ui/ThemeColors.h"

namespace sb::ui {

void LogLevelDelegate::initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    const auto level =
        static_cast<app::LogLine::Level>(index.data(app::LogModel::LevelRole).toInt());
    option->palette.setColor(QPalette::Text, ThemeColors::logLevel(level, option->palette));
}

} // namespace sb::ui
