#pragma once

#include <QtCore/QPointer>
#include <QtWidgets/QDialog>

#include "app/AdminEndpoint.h"

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace sb::app {
class AdminClient;
class ConnectionProfileStore;
} // namespace sb::app

namespace sb::ui {

// Adds or edits a remote broker: name, admin URL, token, TLS files and the ignore-TLS-errors
// switch (with a warning), where the token will be kept, and a "Test connection" that asks the
// broker for its overview with exactly these settings.
class ProfileDialog : public QDialog
{
    Q_OBJECT

public:
    // `profileId` 0 adds a new profile.
    ProfileDialog(app::ConnectionProfileStore& store, qint64 profileId, QWidget* parent = nullptr);

    // The profile's id after a successful save.
    qint64 savedId() const { return m_profileId; }
    app::AdminEndpoint endpoint() const;

    void accept() override;

Q_SIGNALS:
    // The test finished (for the tests; the result is in the dialog).
    void testFinished(bool ok);

private:
    void testConnection();
    void updateTlsWarning();
    void updateKeychainNote();
    QLineEdit* fileField(const QString& objectName, const QString& caption, QWidget** row);

    app::ConnectionProfileStore& m_store;
    qint64 m_profileId;
    QLineEdit* m_name;
    QLineEdit* m_url;
    QLineEdit* m_token;
    QLineEdit* m_caFile = nullptr;
    QLineEdit* m_certificateFile = nullptr;
    QLineEdit* m_keyFile = nullptr;
    QCheckBox* m_ignoreTlsErrors;
    QLabel* m_tlsWarning;
    QLabel* m_keychainNote;
    QPushButton* m_test;
    QLabel* m_testResult;
    QLabel* m_error;
    QPointer<app::AdminClient> m_probe;
};

} // namespace sb::ui
