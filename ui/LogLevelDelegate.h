#pragma once

#include <QtWidgets/QStyledItemDelegate>

namespace sb::ui {

// Colours each log line by its level (warnings and errors stand out) in the palette's terms.
class LogLevelDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override;
};

} // namespace sb::ui
