#pragma once

#include <vector>

#include "broker/tools/bench/BenchOptions.h"
#include "broker/tools/bench/Publisher.h"
#include "broker/tools/bench/Subscriber.h"

namespace sb::bench {

// Who publishes what where and who should receive it, for one scenario. Everything after this
// (connections, counting, the report) is the same for every scenario.
struct ScenarioPlan
{
    std::vector<PublisherPlan> publishers;
    std::vector<SubscriberPlan> subscribers;
};

// Topics all start with options.topicRoot:
//   shared     <root>/t                        every subscriber on <root>/t
//   pairs      <root>/t/<i>                    subscriber i on <root>/t/<i>
//   realistic  <root>/device/<id>/telemetry    subscribers alternate between
//                                              <root>/device/+/telemetry and <root>/device/#
// The idle scenario has no plan (empty).
ScenarioPlan buildPlan(const BenchOptions& options);

} // namespace sb::bench
