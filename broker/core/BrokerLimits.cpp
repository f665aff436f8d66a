// Broker: runtime limits, per-user and per-client overrides, admission and rejection counts.

#include "broker/core/Broker.h"
#include "broker/core/Persistence.h"

namespace sb::core {
namespace {

std::size_t specIndex(std::string_view name)
{
    const auto specs = LimitRegistry::specs();
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (specs[i].name == name) {
            return i;
        }
    }
    return specs.size();
}

// Every client's limits stay consistent: global, then any user's overrides, then any client id's
// (a client id may connect under any user name, so every pair is checked).
bool layersConsistent(const Limits& global, const std::map<std::string, LimitOverrides>& users,
                      const std::map<std::string, LimitOverrides>& clients, std::string* error)
{
    std::vector<std::pair<std::string, const LimitOverrides*>> userLayers{{"", nullptr}};
    for (const auto& [name, o] : users) {
        userLayers.emplace_back("user '" + name + "'", &o);
    }
    std::vector<std::pair<std::string, const LimitOverrides*>> clientLayers{{"", nullptr}};
    for (const auto& [name, o] : clients) {
        clientLayers.emplace_back("client '" + name + "'", &o);
    }
    for (const auto& [userName, user] : userLayers) {
        for (const auto& [clientName, client] : clientLayers) {
            Limits merged = global;
            if (user != nullptr) {
                user->applyTo(merged);
            }
            if (client != nullptr) {
                client->applyTo(merged);
            }
            if (!LimitRegistry::consistent(merged, error)) {
                if (error != nullptr && !(userName.empty() && clientName.empty())) {
                    *error += " (for " + userName +
                              (userName.empty() || clientName.empty() ? "" : " with ") +
                              clientName + ")";
                }
                return false;
            }
        }
    }
    return true;
}

StoredLimit::Scope storedScope(Broker::OverrideScope scope)
{
    return scope == Broker::OverrideScope::User ? StoredLimit::Scope::User
                                                : StoredLimit::Scope::Client;
}

} // namespace

void Broker::setPersistence(Persistence* persistence)
{
    m_persistence = persistence;
    m_deadLetters =
        persistence != nullptr ? &persistence->deadLetters() : m_memoryDeadLetters.get();
    const auto limits = this->limits();
    m_deadLetters->setBounds(limits->deadLetterMaxEntries, limits->deadLetterMaxBytes);
}

std::shared_ptr<const Limits> Broker::limits() const
{
    const std::lock_guard lock(m_limitsMutex);
    return m_globalLimits;
}

std::shared_ptr<const Limits> Broker::effectiveLimits(const std::string& username,
                                                      const std::string& clientId) const
{
    const std::lock_guard lock(m_limitsMutex);
    const auto user = username.empty() ? m_userOverrides.end() : m_userOverrides.find(username);
    const auto client = m_clientOverrides.find(clientId);
    if (user == m_userOverrides.end() && client == m_clientOverrides.end()) {
        return m_globalLimits; // the common case shares one snapshot
    }
    auto merged = std::make_shared<Limits>(*m_globalLimits);
    if (user != m_userOverrides.end()) {
        user->second.applyTo(*merged);
    }
    if (client != m_clientOverrides.end()) {
        client->second.applyTo(*merged);
    }
    return merged;
}

bool Broker::updateLimits(const std::map<std::string, LimitRegistry::Value>& values,
                          std::string* error)
{
    std::shared_ptr<const Limits> updated;
    {
        const std::lock_guard lock(m_limitsMutex);
        Limits candidate = *m_globalLimits;
        if (!LimitRegistry::apply(candidate, values, error) ||
            !layersConsistent(candidate, m_userOverrides, m_clientOverrides, error)) {
            return false;
        }
        updated = std::make_shared<const Limits>(candidate);
        m_globalLimits = updated;
        if (m_persistence != nullptr) {
            for (const auto& [name, value] : values) {
                const auto* spec = LimitRegistry::find(name);
                m_persistence->saveLimit(
                    {StoredLimit::Scope::Global, {}, name, spec->get(candidate)});
            }
        }
    }
    m_deadLetters->setBounds(updated->deadLetterMaxEntries, updated->deadLetterMaxBytes);
    publishLimits(updated);
    return true;
}

bool Broker::setOverrides(OverrideScope scope, const std::string& name,
                          const std::map<std::string, LimitRegistry::Value>& values,
                          std::string* error)
{
    LimitOverrides parsed;
    for (const auto& [limit, value] : values) {
        const auto* spec = LimitRegistry::find(limit);
        if (spec == nullptr) {
            if (error != nullptr) {
                *error = limit + ": unknown limit";
            }
            return false;
        }
        if (!spec->perClient) {
            if (error != nullptr) {
                *error = limit + ": applies to the whole broker and cannot be set per " +
                         (scope == OverrideScope::User ? "user" : "client");
            }
            return false;
        }
        const auto stored = LimitRegistry::parse(*spec, value, error);
        if (!stored) {
            return false;
        }
        parsed.values[limit] = *stored;
    }
    std::shared_ptr<const Limits> global;
    {
        const std::lock_guard lock(m_limitsMutex);
        // The override must leave every client's set consistent (min_keepalive <=
        // max_keepalive), whichever user name and client id it combines with.
        auto users = m_userOverrides;
        auto clients = m_clientOverrides;
        auto& candidate = scope == OverrideScope::User ? users : clients;
        if (parsed.empty()) {
            candidate.erase(name);
        } else {
            candidate[name] = parsed;
        }
        if (!layersConsistent(*m_globalLimits, users, clients, error)) {
            return false;
        }
        auto& table = scope == OverrideScope::User ? m_userOverrides : m_clientOverrides;
        if (parsed.empty()) {
            table.erase(name);
        } else {
            table[name] = parsed;
        }
        if (m_persistence != nullptr) {
            m_persistence->deleteLimit(storedScope(scope), name, {});
            for (const auto& [limit, value] : parsed.values) {
                m_persistence->saveLimit({storedScope(scope), name, limit, value});
            }
        }
        global = m_globalLimits;
    }
    publishLimits(global);
    return true;
}

std::map<std::string, LimitOverrides> Broker::overrides(OverrideScope scope) const
{
    const std::lock_guard lock(m_limitsMutex);
    return scope == OverrideScope::User ? m_userOverrides : m_clientOverrides;
}

void Broker::publishLimits(std::shared_ptr<const Limits> global)
{
    for (const auto& shard : m_shards) {
        Shard* target = shard.get();
        target->post([target, global] { target->applyLimits(global); });
    }
}

std::map<std::string, std::uint64_t> Broker::rejections() const
{
    std::map<std::string, std::uint64_t> counts;
    const auto specs = LimitRegistry::specs();
    for (std::size_t i = 0; i < specs.size() && i < m_rejections.size(); ++i) {
        counts[std::string(specs[i].name)] = m_rejections[i].load(std::memory_order_relaxed);
    }
    return counts;
}

void Broker::countRejection(std::string_view limitName)
{
    const std::size_t index = specIndex(limitName);
    if (index < m_rejections.size()) {
        m_rejections[index].fetch_add(1, std::memory_order_relaxed);
    }
}

std::optional<std::string_view> Broker::admit(const std::string& ip, Clock::TimePoint now,
                                              const std::string*& counted)
{
    const auto limits = this->limits();
    const std::lock_guard lock(m_admissionMutex);
    if (limits->maxConnectRate != 0) {
        // A token bucket holding one second's worth of connects.
        const double rate = limits->maxConnectRate;
        const double elapsed = std::chrono::duration<double>(now - m_connectRefill).count();
        m_connectTokens = std::min(rate, m_connectTokens + elapsed * rate);
        m_connectRefill = now;
        if (m_connectTokens < 1.0) {
            countRejection("max_connect_rate");
            return "max_connect_rate";
        }
    }
    if (limits->maxConnections != 0 && m_admitted.load() >= limits->maxConnections) {
        countRejection("max_connections");
        return "max_connections";
    }
    const auto entry = m_perIp.try_emplace(ip, 0).first;
    std::uint32_t& fromIp = entry->second;
    if (limits->maxConnectionsPerIp != 0 && fromIp >= limits->maxConnectionsPerIp) {
        if (fromIp == 0) {
            m_perIp.erase(entry);
        }
        countRejection("max_connections_per_ip");
        return "max_connections_per_ip";
    }
    if (limits->maxConnectRate != 0) {
        m_connectTokens -= 1.0;
    }
    ++fromIp;
    ++m_admitted;
    counted = &entry->first; // a node's key stays put while the entry exists (its count > 0)
    return std::nullopt;
}

void Broker::release(const std::string& counted)
{
    const std::lock_guard lock(m_admissionMutex);
    const auto it = m_perIp.find(counted);
    if (it != m_perIp.end() && --it->second == 0) {
        m_perIp.erase(it); // `counted` is this entry's key: not used after this
    }
    --m_admitted;
}

} // namespace sb::core
