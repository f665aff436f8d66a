#pragma once

#include <memory>

#include <QtCore/QObject>
#include <QtCore/QStringList>

#include "app/AppSettings.h"
#include "app/BrokerListModel.h"
#include "app/ConnectionProfileStore.h"
#include "app/EmbeddedBroker.h"
#include "app/LogModel.h"
#include "app/MetricHistoryStore.h"

namespace sb::app {

// The console without its windows: the Local broker, the saved remote brokers and their
// connections, the metric history and the log, wired together. The program makes one over
// the user's folders; the UI tests make one over temporary ones.
class Console : public QObject
{
    Q_OBJECT

public:
    static inline const QString kLocalBrokerId = QStringLiteral("local");

    struct Parts
    {
        std::unique_ptr<AppSettings> settings;
        std::unique_ptr<ConnectionProfileStore> profiles;
        std::unique_ptr<MetricHistoryStore> history;
    };

    explicit Console(Parts parts, QObject* parent = nullptr);
    // Flushes the history; stops the Local broker (waiting for it).
    ~Console() override;

    // Opens the databases and loads the saved brokers. The console works without them (the
    // Local broker does not need them); what failed is in problems().
    void open(const QString& profileDatabase, const QString& metricDatabase);
    // Starts the Local broker if its settings say so (the default on first launch).
    void startAutomatically();
    const QStringList& problems() const { return m_problems; }

    AppSettings& settings() { return *m_settings; }
    EmbeddedBroker& embeddedBroker() { return m_embedded; }
    ConnectionProfileStore& profiles() { return *m_profiles; }
    MetricHistoryStore& history() { return *m_history; }
    BrokerListModel& brokers() { return m_brokers; }
    LogModel& log() { return m_log; }

    // Saves the Local broker's settings; with `run`, starts it with them (restarting it if it
    // runs with other settings), else stops it.
    void applyEmbeddedSettings(const EmbeddedBrokerSettings& settings, bool run);
    void startEmbedded();
    void stopEmbedded();
    // Reconnects one broker now (F5).
    void reconnect(const QString& brokerId);

    static QString remoteBrokerId(qint64 profileId);

private:
    void onEmbeddedStateChanged(EmbeddedBroker::State state);
    void addProfile(qint64 id);
    void updateProfile(qint64 id);
    void connectProfile(const ConnectionProfile& profile);

    std::unique_ptr<AppSettings> m_settings;
    std::unique_ptr<ConnectionProfileStore> m_profiles;
    std::unique_ptr<MetricHistoryStore> m_history;
    LogModel m_log;
    BrokerListModel m_brokers;
    EmbeddedBroker m_embedded; // destroyed first: its threads feed the log model
    QStringList m_problems;
};

} // namespace sb::app
