// switchboard: the desktop console. Wires the console's logic (app/) to its window (ui/),
// starts the Local broker on first launch, and optionally saves a screenshot of the window.

#include <QtCore/QCommandLineParser>
#include <QtCore/QTimer>
#include <QtWidgets/QApplication>

#include "app/Console.h"
#include "app/KeychainTokenVault.h"
#include "ui/Icons.h"
#include "ui/MainWindow.h"
#include "ui/Translations.h"

#ifndef SWITCHBOARD_VERSION
#define SWITCHBOARD_VERSION "unknown"
#endif

int main(int argc, char** argv)
{
#ifdef Q_OS_WIN
    // Qt 6.4 follows Windows' dark mode only when asked to.
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "windows:darkmode=2");
    }
#endif
    QApplication app(argc, argv);
    // Folders: ~/.config/switchboard/console and ~/.local/share/switchboard/console on Linux.
    QApplication::setOrganizationName(QStringLiteral("switchboard"));
    QApplication::setApplicationName(QStringLiteral("console"));
    QApplication::setApplicationVersion(QStringLiteral(SWITCHBOARD_VERSION));
    sb::ui::Icons::initResources();
    sb::ui::Translations::install(app);
    QApplication::setApplicationDisplayName(QApplication::translate("main", "Switchboard"));
    QApplication::setWindowIcon(sb::ui::Icons::application());

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "Switchboard: MQTT broker console"));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QApplication::translate("main", "Save a picture of the window to <file> and quit."),
        QApplication::translate("main", "file"));
    const QCommandLineOption delay(
        QStringLiteral("screenshot-delay"),
        QApplication::translate("main", "Seconds to wait before --screenshot (default 5)."),
        QApplication::translate("main", "seconds"), QStringLiteral("5"));
    parser.addOptions({screenshot, delay});
    parser.process(app);

    sb::app::Console::Parts parts;
    parts.settings = std::make_unique<sb::app::AppSettings>();
    parts.profiles = std::make_unique<sb::app::ConnectionProfileStore>(
        std::make_unique<sb::app::KeychainTokenVault>());
    parts.history = std::make_unique<sb::app::MetricHistoryStore>();
    sb::app::Console console(std::move(parts));
    console.open(sb::app::ConnectionProfileStore::defaultPath(),
                 sb::app::MetricHistoryStore::defaultPath());

    sb::ui::MainWindow window(console);
    window.show();
    console.startAutomatically();

    if (parser.isSet(screenshot)) {
        const QString file = parser.value(screenshot);
        QTimer::singleShot(static_cast<int>(parser.value(delay).toDouble() * 1000), &window,
                           [&window, file] {
                               window.grab().save(file);
                               window.close();
                           });
    }
    return QApplication::exec();
}
