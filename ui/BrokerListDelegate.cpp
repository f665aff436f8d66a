#include "ui/BrokerListDelegate.h"

#include <QtGui/QPainter>
#include <QtWidgets/QApplication>

#include "app/BrokerListModel.h"
#include "ui/Icons.h"
#include "ui/ThemeColors.h"

namespace sb::ui {

namespace {

constexpr int kPadding = 6;
constexpr int kIconSize = 24;
constexpr int kDot = 8;

QColor dotColour(const QModelIndex& index, const QPalette& palette)
{
    // Disconnected (the Local broker stopped, a remote one without its token) is grey.
    const auto state = static_cast<app::BrokerConnection::State>(
        index.data(app::BrokerListModel::StateRole).toInt());
    return ThemeColors::state(state, palette);
}

} // namespace

void BrokerListDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                               const QModelIndex& index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    opt.icon = QIcon();
    const QWidget* widget = option.widget;
    QStyle* style = widget != nullptr ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const bool selected = option.state.testFlag(QStyle::State_Selected);
    const QPalette& palette = option.palette;
    const QColor text = palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    QColor secondary = text;
    secondary.setAlphaF(0.7F);

    const QRect r = option.rect.adjusted(kPadding, kPadding, -kPadding, -kPadding);
    const auto kind =
        static_cast<app::BrokerListModel::Kind>(index.data(app::BrokerListModel::KindRole).toInt());
    const QIcon icon =
        Icons::get(kind == app::BrokerListModel::Kind::Local ? QStringLiteral("broker-local")
                                                             : QStringLiteral("broker-remote"));
    const QRect iconRect(r.left(), r.top() + (r.height() - kIconSize) / 2, kIconSize, kIconSize);
    icon.paint(painter, iconRect, Qt::AlignCenter, selected ? QIcon::Selected : QIcon::Normal);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const int textLeft = iconRect.right() + kPadding + 2;
    const QFontMetrics metrics(option.font);
    const int lineHeight = metrics.height();

    // A white ring keeps the dot visible on the selection colour.
    const QRect dot(iconRect.right() - kDot + 2, iconRect.bottom() - kDot + 2, kDot, kDot);
    painter->setPen(QPen(palette.color(selected ? QPalette::Highlight : QPalette::Base), 1.5));
    painter->setBrush(dotColour(index, palette));
    painter->drawEllipse(dot);

    QFont nameFont = option.font;
    nameFont.setWeight(QFont::DemiBold);
    painter->setFont(nameFont);
    painter->setPen(text);
    const QRect nameRect(textLeft, r.top(), r.right() - textLeft, lineHeight);
    painter->drawText(nameRect, Qt::AlignLeft | Qt::AlignVCenter,
                      QFontMetrics(nameFont).elidedText(index.data(Qt::DisplayRole).toString(),
                                                        Qt::ElideRight, nameRect.width()));

    QStringList second;
    second.append(index.data(app::BrokerListModel::StateTextRole).toString());
    const QString detail = index.data(app::BrokerListModel::DetailRole).toString();
    if (!detail.isEmpty()) {
        second.append(detail);
    }
    painter->setFont(option.font);
    painter->setPen(secondary);
    const QRect detailRect(textLeft, r.top() + lineHeight + 2, r.right() - textLeft, lineHeight);
    painter->drawText(
        detailRect, Qt::AlignLeft | Qt::AlignVCenter,
        metrics.elidedText(second.join(QStringLiteral(" · ")), Qt::ElideRight, detailRect.width()));
    painter->restore();
}

QSize BrokerListDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const
{
    const int height = QFontMetrics(option.font).height() * 2 + 2 + 2 * kPadding;
    return {200, std::max(height, kIconSize + 2 * kPadding)};
}

} // namespace sb::ui
