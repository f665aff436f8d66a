#pragma once

#include <QtGui/QColor>
#include <QtGui/QPalette>

#include "app/BrokerConnection.h"
#include "app/LogLine.h"

namespace sb::ui {

// Colours that are not in the palette (chart series, state dots, log levels), chosen from the
// current palette so that they read well on light and dark themes alike.
class ThemeColors
{
public:
    static bool isDark(const QPalette& palette);
    // The n-th series colour (0: in/p50, 1: out/p99, 2: max, ...).
    static QColor series(int index, const QPalette& palette);
    static QColor state(app::BrokerConnection::State state, const QPalette& palette);
    // For states the connection does not know: the Local broker stopped or starting.
    static QColor idle(const QPalette& palette);
    static QColor busy(const QPalette& palette);
    static QColor logLevel(app::LogLine::Level level, const QPalette& palette);
    static QColor warning(const QPalette& palette);
};

} // namespace sb::ui
