#pragma once

#include <QtCore/QHash>

#include "app/TokenVault.h"

namespace sb::test {

// A keychain in memory, for the profile store's tests: present or absent, refusing writes on
// request, answering asynchronously and in order as a real one does.
class FakeTokenVault final : public app::TokenVault
{
public:
    struct State
    {
        bool available = true;
        bool refuseWrites = false;
        QHash<QString, QString> entries;
        int writes = 0;
    };

    // `state` outlives the vault, so a test can look inside after handing the vault over.
    explicit FakeTokenVault(State& state)
        : m_state(state)
    {}

    void probe(QObject* context, std::function<void(bool available)> done) override;
    void write(const QString& key, const QString& token, QObject* context, Done done) override;
    void read(const QString& key, QObject* context, Read done) override;
    void remove(const QString& key, QObject* context, Done done) override;

private:
    State& m_state;
};

} // namespace sb::test
