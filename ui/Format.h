#pragma once

#include <QtCore/QCoreApplication>
#include <QtCore/QString>

namespace sb::ui {

// Numbers as the Overview shows them, in the user's locale: counts with separators, rates
// with a sensible number of digits, bytes in KiB/MiB, durations in words.
class Format
{
    Q_DECLARE_TR_FUNCTIONS(Format)

public:
    static QString count(double value);
    static QString rate(double perSecond);
    static QString bytes(double bytes);
    static QString percent(double value);
    static QString duration(double seconds);
};

} // namespace sb::ui
