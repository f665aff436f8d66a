#include "app/MetricSample.h"

#include "app/StatsFrame.h"

namespace sb::app {

MetricSample MetricSample::fromFrame(const StatsFrame& frame)
{
    MetricSample sample;
    sample.timeMs = frame.time.toMSecsSinceEpoch() / 1000 * 1000;
    sample.messagesIn = frame.messagesInPerSecond;
    sample.messagesOut = frame.messagesOutPerSecond;
    sample.connections = static_cast<double>(frame.connections);
    sample.queued = static_cast<double>(frame.queuedMessages);
    if (frame.latencyCount > 0) {
        sample.latencyP50 = frame.latencyP50;
        sample.latencyP99 = frame.latencyP99;
        sample.latencyMax = frame.latencyMax;
    }
    sample.cpuPercent = frame.cpuPercent;
    sample.residentBytes = frame.residentBytes ? static_cast<double>(*frame.residentBytes) : 0;
    return sample;
}

} // namespace sb::app
