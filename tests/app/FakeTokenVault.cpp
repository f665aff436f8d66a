#include "tests/app/FakeTokenVault.h"

#include <QtCore/QTimer>

namespace sb::test {

void FakeTokenVault::probe(QObject* context, std::function<void(bool available)> done)
{
    QTimer::singleShot(0, context, [this, done] { done(m_state.available); });
}

void FakeTokenVault::write(const QString& key, const QString& token, QObject* context, Done done)
{
    QTimer::singleShot(0, context, [this, key, token, done] {
        ++m_state.writes;
        if (!m_state.available || m_state.refuseWrites) {
            done(false, QStringLiteral("the fake keychain refuses"));
            return;
        }
        m_state.entries.insert(key, token);
        done(true, {});
    });
}

void FakeTokenVault::read(const QString& key, QObject* context, Read done)
{
    QTimer::singleShot(0, context, [this, key, done] {
        if (!m_state.available) {
            done(std::nullopt, QStringLiteral("no keychain"));
            return;
        }
        const auto it = m_state.entries.constFind(key);
        done(it == m_state.entries.constEnd() ? std::nullopt : std::optional<QString>(*it), {});
    });
}

void FakeTokenVault::remove(const QString& key, QObject* context, Done done)
{
    QTimer::singleShot(0, context, [this, key, done] {
        m_state.entries.remove(key);
        done(true, {});
    });
}

} // namespace sb::test
