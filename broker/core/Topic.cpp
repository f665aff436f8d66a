#include "broker/core/Topic.h"

#include <algorithm>

namespace sb::core::topic {

namespace {

constexpr std::string_view kSharePrefix = "$share/";

bool startsWithWildcard(std::string_view filter)
{
    return !filter.empty() && (filter.front() == '+' || filter.front() == '#');
}

bool startsWithDollar(std::string_view name)
{
    return !name.empty() && name.front() == '$';
}

} // namespace

bool isValidTopicName(std::string_view name)
{
    return !name.empty() &&
           name.find_first_of(std::string_view("+#\0", 3)) == std::string_view::npos;
}

bool isValidTopicFilter(std::string_view filter)
{
    // U+0000 is forbidden in every MQTT UTF-8 string (1.5.4); the codec may not have looked.
    if (filter.empty() || isShared(filter) || filter.find('\0') != std::string_view::npos) {
        return false;
    }
    Levels levels(filter);
    while (!levels.done()) {
        const auto level = levels.next();
        if (level.find_first_of("+#") == std::string_view::npos) {
            continue;
        }
        if (level == "+") {
            continue;
        }
        if (level == "#" && levels.done()) {
            continue;
        }
        return false;
    }
    return true;
}

bool hasWildcard(std::string_view filter)
{
    return filter.find_first_of("+#") != std::string_view::npos;
}

bool isShared(std::string_view filter)
{
    return filter.starts_with(kSharePrefix);
}

std::optional<SharedFilter> parseShared(std::string_view filter)
{
    if (!isShared(filter)) {
        return std::nullopt;
    }
    const auto rest = filter.substr(kSharePrefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    SharedFilter shared{rest.substr(0, slash), rest.substr(slash + 1)};
    if (shared.group.empty() || hasWildcard(shared.group) ||
        shared.group.find('\0') != std::string_view::npos || !isValidTopicFilter(shared.filter)) {
        return std::nullopt;
    }
    return shared;
}

bool matches(std::string_view filter, std::string_view name)
{
    if (startsWithDollar(name) && startsWithWildcard(filter)) {
        return false;
    }
    Levels filterLevels(filter);
    Levels nameLevels(name);
    while (true) {
        const auto filterLevel = filterLevels.next();
        if (filterLevel == "#") {
            return true; // matches the parent level too: "sport/#" matches "sport"
        }
        if (nameLevels.done()) {
            return false;
        }
        const auto nameLevel = nameLevels.next();
        if (filterLevel != "+" && filterLevel != nameLevel) {
            return false;
        }
        if (filterLevels.done()) {
            return nameLevels.done();
        }
    }
}

std::size_t levelCount(std::string_view text)
{
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '/')) + 1;
}

} // namespace sb::core::topic
