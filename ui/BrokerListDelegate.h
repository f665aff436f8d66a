#pragma once

#include <QtWidgets/QStyledItemDelegate>

namespace sb::ui {

// Draws a sidebar row: the broker's icon, its name, a coloured dot for its state, and a second
// line with its address and state in words.
class BrokerListDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

} // namespace sb::ui
