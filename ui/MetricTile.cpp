#include "ui/MetricTile.h"

#include <QtCore/QEvent>
#include <QtWidgets/QLabel>
#include <QtWidgets/QVBoxLayout>

namespace sb::ui {

MetricTile::MetricTile(const QString& title, QWidget* parent)
    : QFrame(parent)
    , m_title(new QLabel(title, this))
    , m_value(new QLabel(this))
    , m_caption(new QLabel(this))
{
    setFrameShape(QFrame::StyledPanel);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setMinimumWidth(120);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 8, 12, 8);
    layout->setSpacing(2);
    layout->addWidget(m_title);
    layout->addWidget(m_value);
    layout->addWidget(m_caption);
    m_title->setForegroundRole(QPalette::PlaceholderText);
    m_caption->setForegroundRole(QPalette::PlaceholderText);
    m_value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    applyFonts();
    setUnavailable(tr("No data yet"));
}

void MetricTile::applyFonts()
{
    QFont valueFont = font();
    valueFont.setPointSizeF(font().pointSizeF() * 1.9);
    valueFont.setWeight(QFont::DemiBold);
    m_value->setFont(valueFont);
    QFont small = font();
    small.setPointSizeF(font().pointSizeF() * 0.9);
    m_caption->setFont(small);
    m_title->setFont(small);
}

void MetricTile::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::FontChange) {
        applyFonts();
    }
    QFrame::changeEvent(event);
}

void MetricTile::setValue(const QString& value, const QString& caption)
{
    m_value->setEnabled(true);
    m_value->setText(value);
    m_caption->setText(caption);
}

void MetricTile::setUnavailable(const QString& reason)
{
    m_value->setEnabled(false);
    m_value->setText(QStringLiteral("—"));
    m_caption->setText(reason);
}

QString MetricTile::value() const
{
    return m_value->text();
}

QString MetricTile::caption() const
{
    return m_caption->text();
}

} // namespace sb::ui
