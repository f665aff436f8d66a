#pragma once

#include <memory>
#include <vector>

#include <QtCore/QAbstractListModel>

#include "app/BrokerConnection.h"

namespace sb::app {

// The brokers of the sidebar: the Local broker first, then the saved remote brokers by name.
// Each row owns the BrokerConnection that keeps it connected, and reports its state as the
// connection changes.
class BrokerListModel : public QAbstractListModel
{
    Q_OBJECT

public:
    enum Role
    {
        IdRole = Qt::UserRole + 1, // "local" or "profile-<id>"
        KindRole,                  // Kind as int
        StateRole,                 // BrokerConnection::State as int
        StateTextRole,             // what the status line says about it
        DetailRole,                // address or URL
        ErrorTextRole,             // why the last attempt failed, empty when connected
        VersionRole,               // the broker's version once known
        ProfileIdRole,             // the profile of a remote broker (0 for the Local one)
    };

    enum class Kind
    {
        Local,
        Remote,
    };
    Q_ENUM(Kind)

    explicit BrokerListModel(QObject* parent = nullptr);
    ~BrokerListModel() override;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    // Adds a row (placed by kind, then name) and returns its connection, owned by the model.
    BrokerConnection* addBroker(const QString& id, Kind kind, const QString& name,
                                const QString& detail, qint64 profileId = 0);
    void updateBroker(const QString& id, const QString& name, const QString& detail);
    void removeBroker(const QString& id);
    // Text shown instead of the connection's state (the Local broker "Starting", "Stopped",
    // or a remote broker whose token cannot be read); empty to show the connection's state.
    void setStatusOverride(const QString& id, const QString& text);

    BrokerConnection* connection(const QString& id) const;
    QModelIndex indexOf(const QString& id) const;
    QString idAt(int row) const;
    QList<BrokerConnection*> connections() const;

Q_SIGNALS:
    // A frame from any broker's stream (the metric history records them all).
    void frameReceived(const QString& id, const sb::app::StatsFrame& frame);

private:
    struct Entry
    {
        QString id;
        Kind kind = Kind::Remote;
        QString name;
        QString detail;
        qint64 profileId = 0;
        QString statusOverride;
        std::unique_ptr<BrokerConnection> connection;
    };

    int rowOf(const QString& id) const;
    int insertionRow(Kind kind, const QString& name, int ignoreRow) const;
    void emitRowChanged(const QString& id);

    std::vector<Entry> m_entries;
};

} // namespace sb::app
