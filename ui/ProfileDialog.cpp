#include "ui/ProfileDialog.h"

#include <QtWidgets/QCheckBox>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFileDialog>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QGroupBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QToolButton>
#include <QtWidgets/QVBoxLayout>

#include "app/AdminClient.h"
#include "app/ConnectionProfileStore.h"
#include "ui/ThemeColors.h"

namespace sb::ui {

ProfileDialog::ProfileDialog(app::ConnectionProfileStore& store, qint64 profileId, QWidget* parent)
    : QDialog(parent)
    , m_store(store)
    , m_profileId(profileId)
    , m_name(new QLineEdit(this))
    , m_url(new QLineEdit(this))
    , m_token(new QLineEdit(this))
    , m_ignoreTlsErrors(new QCheckBox(tr("Ignore TLS certificate errors"), this))
    , m_tlsWarning(new QLabel(this))
    , m_keychainNote(new QLabel(this))
    , m_test(new QPushButton(tr("Test connection"), this))
    , m_testResult(new QLabel(this))
    , m_error(new QLabel(this))
{
    setWindowTitle(profileId == 0 ? tr("New remote broker") : tr("Edit remote broker"));
    setObjectName(QStringLiteral("profileDialog"));
    setMinimumWidth(520);

    m_name->setObjectName(QStringLiteral("name"));
    m_name->setPlaceholderText(tr("Production"));
    m_url->setObjectName(QStringLiteral("adminUrl"));
    m_url->setPlaceholderText(QStringLiteral("https://broker.example.com:8081"));
    m_token->setObjectName(QStringLiteral("token"));
    m_token->setEchoMode(QLineEdit::Password);
    m_token->setPlaceholderText(tr("switchboard-broker --print-admin-token"));
    QAction* reveal = m_token->addAction(QIcon(), QLineEdit::TrailingPosition);
    reveal->setText(tr("Show"));
    reveal->setToolTip(tr("Show or hide the token"));
    reveal->setCheckable(true);
    connect(reveal, &QAction::toggled, this, [this](bool shown) {
        m_token->setEchoMode(shown ? QLineEdit::Normal : QLineEdit::Password);
    });
    m_ignoreTlsErrors->setObjectName(QStringLiteral("ignoreTlsErrors"));
    m_tlsWarning->setObjectName(QStringLiteral("tlsWarning"));
    m_tlsWarning->setWordWrap(true);
    m_keychainNote->setObjectName(QStringLiteral("keychainNote"));
    m_keychainNote->setWordWrap(true);
    m_test->setObjectName(QStringLiteral("testConnection"));
    m_testResult->setObjectName(QStringLiteral("testResult"));
    m_testResult->setWordWrap(true);
    m_testResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setObjectName(QStringLiteral("error"));
    m_error->setWordWrap(true);
    m_error->setVisible(false);

    auto* form = new QFormLayout;
    form->addRow(tr("Name:"), m_name);
    form->addRow(tr("Admin URL:"), m_url);
    form->addRow(tr("Token:"), m_token);
    form->addRow(QString(), m_keychainNote);

    auto* tls = new QGroupBox(tr("TLS"), this);
    auto* tlsForm = new QFormLayout(tls);
    QWidget* row = nullptr;
    m_caFile = fileField(QStringLiteral("caFile"), tr("CA certificates"), &row);
    tlsForm->addRow(tr("CA file:"), row);
    m_certificateFile =
        fileField(QStringLiteral("clientCertificate"), tr("Client certificate"), &row);
    tlsForm->addRow(tr("Client certificate:"), row);
    m_keyFile = fileField(QStringLiteral("clientKey"), tr("Client key"), &row);
    tlsForm->addRow(tr("Client key:"), row);
    tlsForm->addRow(m_ignoreTlsErrors);
    tlsForm->addRow(m_tlsWarning);

    auto* testRow = new QHBoxLayout;
    testRow->addWidget(m_test);
    testRow->addWidget(m_testResult, 1);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(tls);
    layout->addLayout(testRow);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::accepted, this, &ProfileDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_test, &QPushButton::clicked, this, &ProfileDialog::testConnection);
    connect(m_ignoreTlsErrors, &QCheckBox::toggled, this, &ProfileDialog::updateTlsWarning);
    connect(&m_store, &app::ConnectionProfileStore::keychainStateChanged, this,
            &ProfileDialog::updateKeychainNote);

    if (profileId != 0) {
        if (const auto profile = m_store.profile(profileId)) {
            m_name->setText(profile->name);
            m_url->setText(profile->endpoint.url.toString());
            m_caFile->setText(profile->endpoint.caFile);
            m_certificateFile->setText(profile->endpoint.clientCertificateFile);
            m_keyFile->setText(profile->endpoint.clientKeyFile);
            m_ignoreTlsErrors->setChecked(profile->endpoint.ignoreTlsErrors);
        }
        m_token->setPlaceholderText(tr("Reading the token…"));
        m_store.token(profileId, this, [this](std::optional<QString> token, const QString& error) {
            if (token) {
                m_token->setText(*token);
                m_token->setPlaceholderText({});
            } else {
                m_token->setPlaceholderText(tr("Token unavailable: %1").arg(error));
            }
        });
    }
    updateTlsWarning();
    updateKeychainNote();
}

QLineEdit* ProfileDialog::fileField(const QString& objectName, const QString& caption,
                                    QWidget** row)
{
    auto* container = new QWidget(this);
    auto* edit = new QLineEdit(container);
    edit->setObjectName(objectName);
    edit->setPlaceholderText(tr("PEM file (optional)"));
    auto* browse = new QToolButton(container);
    browse->setText(tr("Browse…"));
    auto* layout = new QHBoxLayout(container);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    layout->addWidget(browse);
    connect(browse, &QToolButton::clicked, this, [this, edit, caption] {
        const QString file = QFileDialog::getOpenFileName(
            this, caption, edit->text(), tr("PEM files (*.pem *.crt *.key);;All files (*)"));
        if (!file.isEmpty()) {
            edit->setText(file);
        }
    });
    *row = container;
    return edit;
}

app::AdminEndpoint ProfileDialog::endpoint() const
{
    app::AdminEndpoint endpoint;
    endpoint.url = QUrl::fromUserInput(m_url->text().trimmed());
    endpoint.token = m_token->text().trimmed();
    endpoint.caFile = m_caFile->text().trimmed();
    endpoint.clientCertificateFile = m_certificateFile->text().trimmed();
    endpoint.clientKeyFile = m_keyFile->text().trimmed();
    endpoint.ignoreTlsErrors = m_ignoreTlsErrors->isChecked();
    return endpoint;
}

void ProfileDialog::updateTlsWarning()
{
    const bool ignoring = m_ignoreTlsErrors->isChecked();
    m_tlsWarning->setVisible(ignoring);
    if (!ignoring) {
        return;
    }
    QPalette p = m_tlsWarning->palette();
    p.setColor(QPalette::WindowText, ThemeColors::warning(palette()));
    m_tlsWarning->setPalette(p);
    m_tlsWarning->setText(tr("Warning: any certificate will be accepted, so anyone between you "
                             "and the broker can read the token and everything you do. Use "
                             "this only for a test broker with a self-signed certificate; "
                             "for anything else, give its CA file instead."));
}

void ProfileDialog::updateKeychainNote()
{
    switch (m_store.keychainState()) {
    case app::ConnectionProfileStore::KeychainState::Available:
        m_keychainNote->setText(tr("The token is kept in the system keychain."));
        break;
    case app::ConnectionProfileStore::KeychainState::Probing:
        m_keychainNote->setText(tr("Looking for the system keychain…"));
        break;
    case app::ConnectionProfileStore::KeychainState::Unavailable:
        m_keychainNote->setText(
            tr("No system keychain is available: the token is kept in the profile database "
               "in your configuration folder, readable by anyone who can read your files."));
        break;
    }
}

void ProfileDialog::testConnection()
{
    if (m_probe) {
        m_probe->deleteLater();
    }
    m_probe = new app::AdminClient(this);
    m_probe->setEndpoint(endpoint());
    m_test->setEnabled(false);
    m_testResult->setText(tr("Connecting…"));
    m_probe->fetchOverview(this, [this](const app::AdminResult<app::Overview>& result) {
        m_test->setEnabled(true);
        if (!result.ok()) {
            m_testResult->setText(result.error().toDisplayString());
            Q_EMIT testFinished(false);
            return;
        }
        const app::Overview& o = result.value();
        m_testResult->setText(tr("Connected: Switchboard %1, %n connection(s).", nullptr,
                                 static_cast<int>(o.connections))
                                  .arg(o.version));
        Q_EMIT testFinished(true);
    });
}

void ProfileDialog::accept()
{
    app::ConnectionProfile profile;
    profile.id = m_profileId;
    profile.name = m_name->text();
    profile.endpoint = endpoint();
    if (m_url->text().trimmed().isEmpty()) {
        profile.endpoint.url = QUrl();
    }
    QString error;
    const qint64 id = m_store.save(profile, &error);
    if (id == 0) {
        m_error->setText(error);
        m_error->setVisible(true);
        return;
    }
    m_profileId = id;
    QDialog::accept();
}

} // namespace sb::ui
