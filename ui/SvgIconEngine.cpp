#include "ui/SvgIconEngine.h"

#include <QtGui/QGuiApplication>
#include <QtGui/QPainter>
#include <QtGui/QPalette>
#include <QtGui/QPixmap>
#include <QtSvg/QSvgRenderer>

namespace sb::ui {

namespace {

// The cache stays small: a few sizes per icon, times modes and themes.
constexpr qsizetype kMaxCachedPixmaps = 16;

} // namespace

SvgIconEngine::SvgIconEngine(QByteArray svg)
    : m_svg(std::move(svg))
{}

QByteArray SvgIconEngine::coloured(QIcon::Mode mode) const
{
    const QPalette palette = QGuiApplication::palette();
    QColor colour = palette.color(QPalette::Active, QPalette::WindowText);
    if (mode == QIcon::Disabled) {
        colour = palette.color(QPalette::Disabled, QPalette::WindowText);
    } else if (mode == QIcon::Selected) {
        colour = palette.color(QPalette::Active, QPalette::HighlightedText);
    }
    QByteArray svg = m_svg;
    svg.replace("currentColor", colour.name().toLatin1());
    return svg;
}

void SvgIconEngine::paint(QPainter* painter, const QRect& rect, QIcon::Mode mode, QIcon::State)
{
    QSvgRenderer renderer(coloured(mode));
    renderer.render(painter, rect);
}

QPixmap SvgIconEngine::pixmap(const QSize& size, QIcon::Mode mode, QIcon::State state)
{
    return scaledPixmap(size, mode, state, 1.0);
}

QPixmap SvgIconEngine::scaledPixmap(const QSize& size, QIcon::Mode mode, QIcon::State, qreal scale)
{
    const QColor text = QGuiApplication::palette().color(QPalette::WindowText);
    const QString key = QStringLiteral("%1x%2@%3/%4/%5")
                            .arg(size.width())
                            .arg(size.height())
                            .arg(scale)
                            .arg(static_cast<int>(mode))
                            .arg(text.name());
    const auto cached = m_cache.constFind(key);
    if (cached != m_cache.constEnd()) {
        return *cached;
    }
    QPixmap pixmap(size * scale);
    pixmap.fill(Qt::transparent);
    {
        QPainter painter(&pixmap);
        QSvgRenderer renderer(coloured(mode));
        renderer.render(&painter, QRectF(QPointF(0, 0), QSizeF(size * scale)));
    }
    pixmap.setDevicePixelRatio(scale);
    if (m_cache.size() >= kMaxCachedPixmaps) {
        m_cache.clear();
    }
    m_cache.insert(key, pixmap);
    return pixmap;
}

QIconEngine* SvgIconEngine::clone() const
{
    return new SvgIconEngine(m_svg);
}

} // namespace sb::ui
