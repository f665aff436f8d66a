#pragma once

#include <QtCore/QByteArray>
#include <QtCore/QHash>
#include <QtGui/QIconEngine>

namespace sb::ui {

// Draws a monochrome SVG icon at any size and device pixel ratio, in the palette's text colour
// at the moment it is drawn (the SVG says "currentColor"), so icons stay sharp on high-DPI
// screens and follow a switch between light and dark themes.
class SvgIconEngine final : public QIconEngine
{
public:
    explicit SvgIconEngine(QByteArray svg);

    void paint(QPainter* painter, const QRect& rect, QIcon::Mode mode, QIcon::State state) override;
    QPixmap pixmap(const QSize& size, QIcon::Mode mode, QIcon::State state) override;
    QPixmap scaledPixmap(const QSize& size, QIcon::Mode mode, QIcon::State state,
                         qreal scale) override;
    QIconEngine* clone() const override;
    bool isNull() override { return m_svg.isEmpty(); }

private:
    QByteArray coloured(QIcon::Mode mode) const;

    QByteArray m_svg;
    // Rendered pixmaps by size, scale, mode and colour: a toolbar repaints often.
    QHash<QString, QPixmap> m_cache;
};

} // namespace sb::ui
