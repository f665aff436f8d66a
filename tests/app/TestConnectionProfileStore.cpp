// The saved remote brokers: CRUD in SQLite, and where each token ends up — the keychain when
// one answers, the database (flagged) when none does or it refuses — with a fake keychain,
// since CI machines have no keychain daemon.

#include <QtCore/QTemporaryDir>
#include <QtSql/QSqlDatabase>
#include <QtSql/QSqlQuery>
#include <QtTest/QSignalSpy>
#include <QtTest/QTest>

#include "app/ConnectionProfileStore.h"
#include "tests/app/FakeTokenVault.h"

using namespace sb;
using app::ConnectionProfile;
using app::ConnectionProfileStore;
using Storage = app::ConnectionProfile::TokenStorage;
using test::FakeTokenVault;

namespace {

ConnectionProfile makeProfile(const QString& name, const QString& token)
{
    ConnectionProfile p;
    p.name = name;
    p.endpoint.url = QUrl(QStringLiteral("https://%1.example.com:8081").arg(name.toLower()));
    p.endpoint.token = token;
    p.endpoint.caFile = QStringLiteral("/etc/ssl/%1-ca.pem").arg(name.toLower());
    p.endpoint.ignoreTlsErrors = name.startsWith(QLatin1Char('S'));
    return p;
}

// What the database file itself holds for a profile's token, read without the store.
QVariant tokenColumn(const QString& path, qint64 id)
{
    QVariant value;
    {
        QSqlDatabase db =
            QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("peek"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery q(db);
            q.prepare(QStringLiteral("SELECT token FROM profiles WHERE id = ?"));
            q.addBindValue(id);
            if (q.exec() && q.next()) {
                value = q.value(0);
            }
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("peek"));
    return value;
}

std::optional<QString> readToken(ConnectionProfileStore& store, qint64 id, QString* error = nullptr)
{
    std::optional<QString> token;
    bool done = false;
    QObject context;
    store.token(id, &context, [&](std::optional<QString> t, const QString& e) {
        token = std::move(t);
        if (error != nullptr) {
            *error = e;
        }
        done = true;
    });
    if (!QTest::qWaitFor([&] { return done; }, 5000) && error != nullptr) {
        *error = QStringLiteral("no answer within 5 s");
    }
    return token;
}

} // namespace

class TestConnectionProfileStore : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString path() const { return m_dir->filePath(QStringLiteral("profiles.sqlite")); }

    std::unique_ptr<ConnectionProfileStore> open(FakeTokenVault::State* keychain)
    {
        auto store = std::make_unique<ConnectionProfileStore>(
            keychain != nullptr ? std::make_unique<FakeTokenVault>(*keychain) : nullptr);
        QString error;
        if (!store->open(path(), &error)) {
            qWarning("%s", qPrintable(error));
            return nullptr;
        }
        if (keychain != nullptr) {
            QSignalSpy probed(store.get(), &ConnectionProfileStore::keychainStateChanged);
            store->detectKeychain();
            probed.wait(2000);
        }
        return store;
    }

private Q_SLOTS:
    void init() { m_dir = std::make_unique<QTemporaryDir>(); }

    void addListUpdateRemove()
    {
        auto store = open(nullptr);
        QVERIFY(store);
        QSignalSpy added(store.get(), &ConnectionProfileStore::profileAdded);
        QSignalSpy changed(store.get(), &ConnectionProfileStore::profileChanged);
        QSignalSpy removed(store.get(), &ConnectionProfileStore::profileRemoved);
        QString error;
        const qint64 prod =
            store->save(makeProfile(QStringLiteral("Production"), QStringLiteral("p")), &error);
        const qint64 staging =
            store->save(makeProfile(QStringLiteral("Staging"), QStringLiteral("s")), &error);
        QVERIFY2(prod > 0 && staging > 0 && prod != staging, qPrintable(error));
        QCOMPARE(added.count(), 2);

        QList<ConnectionProfile> all = store->profiles();
        QCOMPARE(all.size(), 2);
        QCOMPARE(all[0].name, QStringLiteral("Production"));
        QCOMPARE(all[1].endpoint.url, QUrl(QStringLiteral("https://staging.example.com:8081")));
        QCOMPARE(all[1].endpoint.caFile, QStringLiteral("/etc/ssl/staging-ca.pem"));
        QVERIFY(all[1].endpoint.ignoreTlsErrors);
        QVERIFY(all[0].endpoint.token.isEmpty()); // tokens only through token()

        ConnectionProfile renamed = *store->profile(staging);
        renamed.name = QStringLiteral("Acceptance");
        renamed.endpoint.token = QStringLiteral("s2");
        QCOMPARE(store->save(renamed, &error), staging);
        QCOMPARE(changed.count(), 1);
        all = store->profiles();
        QCOMPARE(all[0].name, QStringLiteral("Acceptance")); // ordered by name
        QCOMPARE(readToken(*store, staging), std::optional<QString>(QStringLiteral("s2")));

        QVERIFY(store->remove(prod, &error));
        QCOMPARE(removed.count(), 1);
        QCOMPARE(store->profiles().size(), 1);
        QVERIFY(!store->profile(prod));
        QVERIFY(!store->remove(prod, &error));
        QVERIFY(!error.isEmpty());
        // Ids are never reused: the history and keychain entry of a removed one are not
        // inherited.
        const qint64 next = store->save(makeProfile(QStringLiteral("Next"), {}), &error);
        QVERIFY(next > staging);
    }

    void invalidProfilesAreRefused_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("url");
        QTest::newRow("no name") << QStringLiteral("  ") << QStringLiteral("http://a:1");
        QTest::newRow("no url") << QStringLiteral("A") << QString();
        QTest::newRow("duplicate name")
            << QStringLiteral("Production") << QStringLiteral("http://a:1");
    }
    void invalidProfilesAreRefused()
    {
        QFETCH(QString, name);
        QFETCH(QString, url);
        auto store = open(nullptr);
        QString error;
        QVERIFY(store->save(makeProfile(QStringLiteral("Production"), {}), &error) > 0);
        ConnectionProfile p;
        p.name = name;
        p.endpoint.url = QUrl(url);
        QCOMPARE(store->save(p, &error), 0);
        QVERIFY(!error.isEmpty());
        QCOMPARE(store->profiles().size(), 1);
    }

    void withoutKeychainTheTokenIsInTheDatabaseAndSaysSo()
    {
        auto store = open(nullptr);
        QCOMPARE(store->keychainState(), ConnectionProfileStore::KeychainState::Unavailable);
        QString error;
        const qint64 id =
            store->save(makeProfile(QStringLiteral("Dev"), QStringLiteral("dev-token")), &error);
        QCOMPARE(store->profile(id)->tokenStorage, Storage::Database);
        QCOMPARE(tokenColumn(path(), id).toString(), QStringLiteral("dev-token"));
        store.reset();

        auto reopened = open(nullptr);
        QCOMPARE(readToken(*reopened, id), std::optional<QString>(QStringLiteral("dev-token")));
        QCOMPARE(QFile::permissions(path()) & (QFileDevice::ReadOther | QFileDevice::ReadGroup),
                 QFileDevice::Permissions());
    }

    void withKeychainTheTokenLeavesTheDatabase()
    {
        FakeTokenVault::State keychain;
        auto store = open(&keychain);
        QCOMPARE(store->keychainState(), ConnectionProfileStore::KeychainState::Available);
        QString error;
        const qint64 id =
            store->save(makeProfile(QStringLiteral("Prod"), QStringLiteral("secret")), &error);
        QTRY_COMPARE(keychain.entries.size(), 1);
        QCOMPARE(keychain.entries.begin().value(), QStringLiteral("secret"));
        QCOMPARE(store->profile(id)->tokenStorage, Storage::Keychain);
        QVERIFY(tokenColumn(path(), id).isNull());
        store.reset();

        // A new session reads it back from the keychain.
        auto reopened = open(&keychain);
        QCOMPARE(readToken(*reopened, id), std::optional<QString>(QStringLiteral("secret")));
        QVERIFY(reopened->remove(id, &error));
        QTRY_VERIFY(keychain.entries.isEmpty());
    }

    void refusedKeychainWriteKeepsTheTokenInTheDatabase()
    {
        FakeTokenVault::State keychain;
        keychain.refuseWrites = true;
        auto store = open(&keychain);
        QSignalSpy changed(store.get(), &ConnectionProfileStore::profileChanged);
        QString error;
        const qint64 id =
            store->save(makeProfile(QStringLiteral("Prod"), QStringLiteral("kept")), &error);
        QTRY_COMPARE(keychain.writes, 1);
        QTRY_COMPARE(store->profile(id)->tokenStorage, Storage::Database);
        QCOMPARE(tokenColumn(path(), id).toString(), QStringLiteral("kept"));
        QVERIFY(changed.count() >= 1);
        store.reset();
        auto reopened = open(nullptr);
        QCOMPARE(readToken(*reopened, id), std::optional<QString>(QStringLiteral("kept")));
    }

    void tokensMoveToAKeychainThatAppears()
    {
        qint64 id = 0;
        {
            auto store = open(nullptr);
            QString error;
            id = store->save(makeProfile(QStringLiteral("Old"), QStringLiteral("moved")), &error);
        }
        FakeTokenVault::State keychain;
        auto store = open(&keychain);
        QTRY_COMPARE(store->profile(id)->tokenStorage, Storage::Keychain);
        QCOMPARE(keychain.entries.value(QStringLiteral("broker-profile-%1").arg(id)),
                 QStringLiteral("moved"));
        QVERIFY(tokenColumn(path(), id).isNull());
    }

    void missingKeychainEntryIsReported()
    {
        FakeTokenVault::State keychain;
        qint64 id = 0;
        {
            auto store = open(&keychain);
            QString error;
            id = store->save(makeProfile(QStringLiteral("Gone"), QStringLiteral("t")), &error);
            QTRY_COMPARE(keychain.entries.size(), 1);
        }
        keychain.entries.clear(); // someone cleaned the keychain
        auto store = open(&keychain);
        QString error;
        QCOMPARE(readToken(*store, id, &error), std::nullopt);
        QVERIFY(!error.isEmpty());
    }

    void aNewerSchemaIsRefused()
    {
        {
            auto store = open(nullptr);
            QVERIFY(store);
        }
        {
            QSqlDatabase db =
                QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("bump"));
            db.setDatabaseName(path());
            QVERIFY(db.open());
            QSqlQuery(QStringLiteral("UPDATE schema_version SET version = 99"), db);
        }
        QSqlDatabase::removeDatabase(QStringLiteral("bump"));
        ConnectionProfileStore store(nullptr);
        QString error;
        QVERIFY(!store.open(path(), &error));
        QVERIFY2(error.contains(QStringLiteral("newer")), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestConnectionProfileStore)
#include "TestConnectionProfileStore.moc"
