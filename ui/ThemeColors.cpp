#include "ui/ThemeColors.h"

#include <array>

namespace sb::ui {

namespace {

// Tableau-like hues: distinct for colour-blind readers in the first three. The dark variants
// are lighter so they keep their contrast on a dark background.
constexpr std::array<QRgb, 5> kLightSeries{0x1f77b4, 0xd9480f, 0x2b8a3e, 0x7048e8, 0x868e96};
constexpr std::array<QRgb, 5> kDarkSeries{0x5aa9e6, 0xff922b, 0x69db7c, 0xb197fc, 0xadb5bd};

} // namespace

bool ThemeColors::isDark(const QPalette& palette)
{
    return palette.color(QPalette::Window).lightness() < 128;
}

QColor ThemeColors::series(int index, const QPalette& palette)
{
    const auto& colours = isDark(palette) ? kDarkSeries : kLightSeries;
    return QColor::fromRgb(colours[static_cast<std::size_t>(index) % colours.size()]);
}

QColor ThemeColors::state(app::BrokerConnection::State state, const QPalette& palette)
{
    using State = app::BrokerConnection::State;
    const bool dark = isDark(palette);
    switch (state) {
    case State::Connected:
        return dark ? QColor(0x69db7c) : QColor(0x2b8a3e);
    case State::Connecting:
        return busy(palette);
    case State::Unreachable:
    case State::Unauthorized:
    case State::Failed:
        return dark ? QColor(0xff6b6b) : QColor(0xc92a2a);
    case State::Disconnected:
        break;
    }
    return idle(palette);
}

QColor ThemeColors::idle(const QPalette& palette)
{
    return palette.color(QPalette::Disabled, QPalette::WindowText);
}

QColor ThemeColors::busy(const QPalette& palette)
{
    return isDark(palette) ? QColor(0xffd43b) : QColor(0xe67700);
}

QColor ThemeColors::warning(const QPalette& palette)
{
    return isDark(palette) ? QColor(0xffa94d) : QColor(0xc2410c);
}

QColor ThemeColors::logLevel(app::LogLine::Level level, const QPalette& palette)
{
    const bool dark = isDark(palette);
    switch (level) {
    case app::LogLine::Trace:
    case app::LogLine::Debug:
        return palette.color(QPalette::Disabled, QPalette::Text);
    case app::LogLine::Info:
        return palette.color(QPalette::Text);
    case app::LogLine::Warning:
        return warning(palette);
    case app::LogLine::Error:
    case app::LogLine::Critical:
        return dark ? QColor(0xff6b6b) : QColor(0xc92a2a);
    }
    return palette.color(QPalette::Text);
}

} // namespace sb::ui
