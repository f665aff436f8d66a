#pragma once

#include <optional>
#include <utility>

#include "app/AdminError.h"

namespace sb::app {

// A value from the admin API, or the typed reason there is none.
template <typename T>
class AdminResult
{
public:
    AdminResult(T value)
        : m_value(std::move(value))
    {}
    AdminResult(AdminError error)
        : m_error(std::move(error))
    {}

    bool ok() const { return m_value.has_value(); }
    const T& value() const { return *m_value; }
    const AdminError& error() const { return m_error; }

private:
    std::optional<T> m_value;
    AdminError m_error;
};

} // namespace sb::app
