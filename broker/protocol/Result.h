#pragma once

#include <utility>
#include <variant>

namespace sb {

// A value or an error, for the protocol and storage boundaries (style.md, habit 6). A small
// stand-in for C++23's std::expected; the interface is the subset of it we use.
template <typename T, typename E>
class Result
{
public:
    Result(T value) // NOLINT(google-explicit-constructor): implicit like std::expected
        : m_value(std::in_place_index<0>, std::move(value))
    {}
    struct ErrorTag
    {};
    Result(ErrorTag, E error)
        : m_value(std::in_place_index<1>, std::move(error))
    {}

    bool hasValue() const { return m_value.index() == 0; }
    explicit operator bool() const { return hasValue(); }

    T& value() & { return std::get<0>(m_value); }
    const T& value() const& { return std::get<0>(m_value); }
    T&& value() && { return std::get<0>(std::move(m_value)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    E& error() & { return std::get<1>(m_value); }
    const E& error() const& { return std::get<1>(m_value); }

private:
    std::variant<T, E> m_value;
};

template <typename T, typename E>
Result<T, E> makeError(E error)
{
    return Result<T, E>(typename Result<T, E>::ErrorTag{}, std::move(error));
}

} // namespace sb
