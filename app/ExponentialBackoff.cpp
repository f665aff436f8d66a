#include "app/ExponentialBackoff.h"

#include <algorithm>

namespace sb::app {

ExponentialBackoff::ExponentialBackoff(Delay initial, Delay maximum)
    : m_initial(std::max(initial, Delay(1)))
    , m_maximum(std::max(maximum, m_initial))
    , m_current(m_initial)
{}

ExponentialBackoff::Delay ExponentialBackoff::next()
{
    const Delay delay = m_current;
    m_current = std::min(m_current * 2, m_maximum);
    return delay;
}

} // namespace sb::app
