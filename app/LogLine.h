#pragma once

#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QString>

namespace sb::app {

// One line of the embedded broker's log as the console keeps it.
struct LogLine
{
    // The broker's levels (spdlog's order), most verbose first.
    enum Level : int
    {
        Trace = 0,
        Debug,
        Info,
        Warning,
        Error,
        Critical,
    };

    Level level = Info;
    QString text; // "HH:MM:SS.mmm message"

    static QString levelName(Level level);
};

} // namespace sb::app

Q_DECLARE_METATYPE(sb::app::LogLine)
