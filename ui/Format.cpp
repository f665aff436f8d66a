#include "ui/Format.h"

#include <cmath>

#include <QtCore/QLocale>

namespace sb::ui {

QString Format::count(double value)
{
    return QLocale().toString(static_cast<qlonglong>(std::llround(value)));
}

QString Format::rate(double perSecond)
{
    // Below 10/s a decimal says something ("0.5/s"); above it, it is noise.
    const QLocale locale;
    return perSecond < 10 && perSecond != 0 ? locale.toString(perSecond, 'f', 1) : count(perSecond);
}

QString Format::bytes(double bytes)
{
    return QLocale().formattedDataSize(static_cast<qint64>(bytes), 1);
}

QString Format::percent(double value)
{
    return tr("%1 %").arg(QLocale().toString(value, 'f', value < 10 ? 1 : 0));
}

QString Format::duration(double seconds)
{
    const auto total = static_cast<qint64>(seconds);
    const qint64 days = total / 86400;
    const qint64 hours = total % 86400 / 3600;
    const qint64 minutes = total % 3600 / 60;
    if (days > 0) {
        return tr("%1 d %2 h").arg(days).arg(hours);
    }
    if (hours > 0) {
        return tr("%1 h %2 min").arg(hours).arg(minutes);
    }
    if (minutes > 0) {
        return tr("%1 min").arg(minutes);
    }
    return tr("%1 s").arg(total);
}

} // namespace sb::ui
