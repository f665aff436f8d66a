#include "broker/tools/bench/ScenarioPlan.h"

#include <numeric>

namespace sb::bench {

namespace {

std::string topicUnder(const std::string& root, const std::string& rest)
{
    return root.empty() ? rest : root + "/" + rest;
}

std::vector<std::uint32_t> everyPublisher(std::uint32_t count)
{
    std::vector<std::uint32_t> ids(count);
    std::iota(ids.begin(), ids.end(), 0u);
    return ids;
}

} // namespace

ScenarioPlan buildPlan(const BenchOptions& o)
{
    ScenarioPlan plan;
    if (o.scenario == Scenario::Idle) {
        return plan;
    }
    const bool realistic = o.scenario == Scenario::Realistic;
    const bool pairs = !realistic && o.topicMode == TopicMode::Pairs;

    for (std::uint32_t i = 0; i < o.publishers; ++i) {
        PublisherPlan publisher;
        publisher.id = i;
        if (realistic) {
            publisher.topic = topicUnder(o.topicRoot, "device/" + std::to_string(i) + "/telemetry");
        } else if (pairs) {
            publisher.topic = topicUnder(o.topicRoot, "t/" + std::to_string(i));
        } else {
            publisher.topic = topicUnder(o.topicRoot, "t");
        }
        if (o.messages > 0) {
            // An even split; the first (messages % publishers) send one more.
            publisher.quota = o.messages / o.publishers + (i < o.messages % o.publishers ? 1 : 0);
        }
        plan.publishers.push_back(std::move(publisher));
    }

    const auto all = everyPublisher(o.publishers);
    for (std::uint32_t i = 0; i < o.subscribers; ++i) {
        SubscriberPlan subscriber;
        if (realistic) {
            subscriber.filters.push_back(
                topicUnder(o.topicRoot, i % 2 == 0 ? "device/+/telemetry" : "device/#"));
            subscriber.expectedPublishers = all;
        } else if (pairs) {
            subscriber.filters.push_back(plan.publishers[i].topic);
            subscriber.expectedPublishers = {i};
        } else {
            subscriber.filters.push_back(topicUnder(o.topicRoot, "t"));
            subscriber.expectedPublishers = all;
        }
        plan.subscribers.push_back(std::move(subscriber));
    }
    return plan;
}

} // namespace sb::bench
