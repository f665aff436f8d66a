#include "broker/admin/Cursor.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "broker/admin/Base64.h"

namespace sb::admin {

std::string Cursor::encode(std::string_view kind, boost::json::object position)
{
    position["k"] = kind;
    return Base64::encodeUrl(boost::json::serialize(position));
}

std::optional<boost::json::object> Cursor::decode(std::string_view kind, std::string_view text)
{
    const auto bytes = Base64::decode(text);
    if (!bytes) {
        return std::nullopt;
    }
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(*bytes, ec);
    if (ec || !value.is_object()) {
        return std::nullopt;
    }
    auto& object = value.as_object();
    const auto* k = object.if_contains("k");
    if (k == nullptr || !k->is_string() || k->as_string() != kind) {
        return std::nullopt;
    }
    return std::move(object);
}

std::string Cursor::forKey(std::string_view kind, std::string_view sort, bool descending,
                           const SortKey& key)
{
    boost::json::object position = key.toJson();
    position["s"] = sort;
    position["d"] = descending;
    return encode(kind, std::move(position));
}

boost::json::value Cursor::nextForKey(std::string_view kind, std::string_view sort, bool descending,
                                      const std::optional<SortKey>& next)
{
    return next ? boost::json::value(forKey(kind, sort, descending, *next))
                : boost::json::value(nullptr);
}

std::string Cursor::forName(std::string_view kind, std::string_view name)
{
    return encode(kind, {{"a", name}});
}

std::string Cursor::readName(QueryReader& query, std::string_view kind)
{
    const std::string text = query.text("cursor");
    if (text.empty()) {
        return {};
    }
    const auto position = decode(kind, text);
    const auto* a = position ? position->if_contains("a") : nullptr;
    if (a == nullptr || !a->is_string()) {
        query.fail("cursor", "not a cursor of this list (use next_cursor as returned)");
        return {};
    }
    return std::string(a->as_string());
}

std::optional<SortKey> Cursor::readKey(QueryReader& query, std::string_view kind,
                                       std::string_view sort, bool descending)
{
    const std::string text = query.text("cursor");
    if (text.empty()) {
        return std::nullopt;
    }
    const auto position = decode(kind, text);
    if (!position) {
        query.fail("cursor", "not a cursor of this list (use next_cursor as returned)");
        return std::nullopt;
    }
    const auto* s = position->if_contains("s");
    const auto* d = position->if_contains("d");
    if (s == nullptr || !s->is_string() || s->as_string() != sort || d == nullptr ||
        !d->is_bool() || d->as_bool() != descending) {
        query.fail("cursor", "belongs to another sort order; keep sort and order while paging");
        return std::nullopt;
    }
    auto key = SortKey::fromJson(*position);
    if (!key) {
        query.fail("cursor", "not a cursor of this list (use next_cursor as returned)");
    }
    return key;
}

} // namespace sb::admin
