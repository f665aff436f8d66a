#include "broker/core/Metrics.h"

namespace sb::core {

std::string_view dropReasonName(DropReason reason)
{
    switch (reason) {
    case DropReason::QueueFull:
        return "queue_full";
    case DropReason::Expired:
        return "expired";
    case DropReason::TooLarge:
        return "too_large";
    case DropReason::Rejected:
        return "rejected";
    case DropReason::SlowConsumer:
        return "slow_consumer";
    case DropReason::OfflineQos0:
        return "offline_qos0";
    case DropReason::SessionDiscarded:
        return "session_discarded";
    case DropReason::DeliveryLimit:
        return "delivery_limit";
    case DropReason::Count:
        break;
    }
    return "unknown";
}

} // namespace sb::core
