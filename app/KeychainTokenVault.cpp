#include "app/KeychainTokenVault.h"

#include <memory>

#include <QtCore/QTimer>
#include <qt6keychain/keychain.h>

namespace sb::app {

KeychainTokenVault::KeychainTokenVault(QString service)
    : m_service(std::move(service))
{}

void KeychainTokenVault::probe(QObject* context, std::function<void(bool available)> done)
{
    // Reading an entry that does not exist answers EntryNotFound when a keychain is there,
    // and NoBackendAvailable (or another error) when not, without writing anything.
    auto* job = new QKeychain::ReadPasswordJob(m_service);
    job->setAutoDelete(true);
    job->setKey(QStringLiteral("switchboard-keychain-probe"));
    auto answered = std::make_shared<bool>(false);
    auto finish = [answered, done](bool available) {
        if (!*answered) {
            *answered = true;
            done(available);
        }
    };
    QObject::connect(job, &QKeychain::Job::finished, context, [finish](QKeychain::Job* j) {
        finish(j->error() == QKeychain::NoError || j->error() == QKeychain::EntryNotFound);
    });
    QTimer::singleShot(kProbeTimeoutMs, context, [finish] { finish(false); });
    job->start();
}

void KeychainTokenVault::write(const QString& key, const QString& token, QObject* context,
                               Done done)
{
    auto* job = new QKeychain::WritePasswordJob(m_service);
    job->setAutoDelete(true);
    job->setKey(key);
    job->setTextData(token);
    QObject::connect(job, &QKeychain::Job::finished, context,
                     [done = std::move(done)](QKeychain::Job* j) {
                         done(j->error() == QKeychain::NoError, j->errorString());
                     });
    job->start();
}

void KeychainTokenVault::read(const QString& key, QObject* context, Read done)
{
    auto* job = new QKeychain::ReadPasswordJob(m_service);
    job->setAutoDelete(true);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, context,
                     [done = std::move(done)](QKeychain::Job* j) {
                         auto* read = static_cast<QKeychain::ReadPasswordJob*>(j);
                         if (j->error() == QKeychain::NoError) {
                             done(read->textData(), {});
                         } else if (j->error() == QKeychain::EntryNotFound) {
                             done(std::nullopt, {});
                         } else {
                             done(std::nullopt, j->errorString());
                         }
                     });
    job->start();
}

void KeychainTokenVault::remove(const QString& key, QObject* context, Done done)
{
    auto* job = new QKeychain::DeletePasswordJob(m_service);
    job->setAutoDelete(true);
    job->setKey(key);
    QObject::connect(job, &QKeychain::Job::finished, context,
                     [done = std::move(done)](QKeychain::Job* j) {
                         const bool gone = j->error() == QKeychain::NoError ||
                                           j->error() == QKeychain::EntryNotFound;
                         done(gone, j->errorString());
                     });
    job->start();
}

} // namespace sb::app
