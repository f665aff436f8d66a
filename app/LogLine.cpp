#include "app/LogLine.h"

#include <QtCore/QCoreApplication>

namespace sb::app {

QString LogLine::levelName(Level level)
{
    switch (level) {
    case Trace:
        return QCoreApplication::translate("LogLine", "trace");
    case Debug:
        return QCoreApplication::translate("LogLine", "debug");
    case Info:
        return QCoreApplication::translate("LogLine", "info");
    case Warning:
        return QCoreApplication::translate("LogLine", "warning");
    case Error:
        return QCoreApplication::translate("LogLine", "error");
    case Critical:
        return QCoreApplication::translate("LogLine", "critical");
    }
    return {};
}

} // namespace sb::app
