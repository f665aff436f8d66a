#pragma once

#include <QtCore/QtGlobal>

namespace sb::app {

// The wall-clock time the console's stores reason about (retention, downsampling), behind an
// interface so tests move time by hand instead of waiting for it.
class Clock
{
public:
    virtual ~Clock() = default;
    // Milliseconds since the Unix epoch.
    virtual qint64 nowMs() const = 0;

    // The real clock (QDateTime::currentMSecsSinceEpoch).
    static const Clock& system();
};

} // namespace sb::app
