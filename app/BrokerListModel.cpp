#include "app/BrokerListModel.h"

namespace sb::app {

BrokerListModel::BrokerListModel(QObject* parent)
    : QAbstractListModel(parent)
{}

BrokerListModel::~BrokerListModel() = default;

int BrokerListModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_entries.size());
}

QVariant BrokerListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount()) {
        return {};
    }
    const Entry& e = m_entries[static_cast<std::size_t>(index.row())];
    const BrokerConnection& c = *e.connection;
    switch (role) {
    case Qt::DisplayRole:
        return e.name;
    case Qt::ToolTipRole:
        return e.detail.isEmpty() ? e.name : e.name + QLatin1Char('\n') + e.detail;
    case IdRole:
        return e.id;
    case KindRole:
        return static_cast<int>(e.kind);
    case StateRole:
        return static_cast<int>(c.state());
    case StateTextRole:
        return e.statusOverride.isEmpty() ? BrokerConnection::stateName(c.state())
                                          : e.statusOverride;
    case DetailRole:
        return e.detail;
    case ErrorTextRole:
        return c.state() == BrokerConnection::State::Connected ? QString()
                                                               : c.lastError().toDisplayString();
    case VersionRole:
        return c.overview() ? c.overview()->version : QString();
    case ProfileIdRole:
        return e.profileId;
    default:
        return {};
    }
}

QHash<int, QByteArray> BrokerListModel::roleNames() const
{
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(IdRole, "brokerId");
    names.insert(KindRole, "kind");
    names.insert(StateRole, "state");
    names.insert(StateTextRole, "stateText");
    names.insert(DetailRole, "detail");
    names.insert(ErrorTextRole, "errorText");
    names.insert(VersionRole, "version");
    names.insert(ProfileIdRole, "profileId");
    return names;
}

int BrokerListModel::insertionRow(Kind kind, const QString& name, int ignoreRow) const
{
    int row = 0;
    for (int i = 0; i < rowCount(); ++i) {
        if (i == ignoreRow) {
            continue;
        }
        const Entry& e = m_entries[static_cast<std::size_t>(i)];
        const bool before =
            (e.kind == Kind::Local && kind == Kind::Remote) ||
            (e.kind == kind && QString::compare(e.name, name, Qt::CaseInsensitive) <= 0);
        if (!before) {
            break;
        }
        ++row;
    }
    return row;
}

BrokerConnection* BrokerListModel::addBroker(const QString& id, Kind kind, const QString& name,
                                             const QString& detail, qint64 profileId)
{
    if (BrokerConnection* existing = connection(id)) {
        return existing;
    }
    const int row = insertionRow(kind, name, -1);
    Entry entry;
    entry.id = id;
    entry.kind = kind;
    entry.name = name;
    entry.detail = detail;
    entry.profileId = profileId;
    entry.connection = std::make_unique<BrokerConnection>(id);
    BrokerConnection* c = entry.connection.get();
    connect(c, &BrokerConnection::stateChanged, this, [this, id] { emitRowChanged(id); });
    connect(c, &BrokerConnection::attemptFailed, this, [this, id] { emitRowChanged(id); });
    connect(c, &BrokerConnection::overviewChanged, this, [this, id] { emitRowChanged(id); });
    connect(c, &BrokerConnection::frameReceived, this,
            [this, id](const StatsFrame& frame) { Q_EMIT frameReceived(id, frame); });

    beginInsertRows({}, row, row);
    m_entries.insert(m_entries.begin() + row, std::move(entry));
    endInsertRows();
    return c;
}

void BrokerListModel::updateBroker(const QString& id, const QString& name, const QString& detail)
{
    const int row = rowOf(id);
    if (row < 0) {
        return;
    }
    Entry& e = m_entries[static_cast<std::size_t>(row)];
    e.name = name;
    e.detail = detail;
    Q_EMIT dataChanged(index(row), index(row));
    // A rename may change the place in the order.
    const int target = insertionRow(e.kind, name, row);
    if (target != row) {
        beginMoveRows({}, row, row, {}, target > row ? target + 1 : target);
        Entry moved = std::move(m_entries[static_cast<std::size_t>(row)]);
        m_entries.erase(m_entries.begin() + row);
        m_entries.insert(m_entries.begin() + target, std::move(moved));
        endMoveRows();
    }
}

void BrokerListModel::removeBroker(const QString& id)
{
    const int row = rowOf(id);
    if (row < 0) {
        return;
    }
    beginRemoveRows({}, row, row);
    std::unique_ptr<BrokerConnection> gone =
        std::move(m_entries[static_cast<std::size_t>(row)].connection);
    m_entries.erase(m_entries.begin() + row);
    endRemoveRows();
    gone->disconnectFromBroker();
    gone.release()->deleteLater(); // it may be inside one of its own signals
}

void BrokerListModel::setStatusOverride(const QString& id, const QString& text)
{
    const int row = rowOf(id);
    if (row < 0) {
        return;
    }
    m_entries[static_cast<std::size_t>(row)].statusOverride = text;
    Q_EMIT dataChanged(index(row), index(row));
}

BrokerConnection* BrokerListModel::connection(const QString& id) const
{
    const int row = rowOf(id);
    return row < 0 ? nullptr : m_entries[static_cast<std::size_t>(row)].connection.get();
}

QModelIndex BrokerListModel::indexOf(const QString& id) const
{
    const int row = rowOf(id);
    return row < 0 ? QModelIndex() : index(row);
}

QString BrokerListModel::idAt(int row) const
{
    return row >= 0 && row < rowCount() ? m_entries[static_cast<std::size_t>(row)].id : QString();
}

QList<BrokerConnection*> BrokerListModel::connections() const
{
    QList<BrokerConnection*> all;
    for (const Entry& e : m_entries) {
        all.append(e.connection.get());
    }
    return all;
}

int BrokerListModel::rowOf(const QString& id) const
{
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
        if (m_entries[i].id == id) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

void BrokerListModel::emitRowChanged(const QString& id)
{
    const int row = rowOf(id);
    if (row >= 0) {
        Q_EMIT dataChanged(index(row), index(row));
    }
}

} // namespace sb::app
