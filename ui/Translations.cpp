#include "ui/Translations.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QLibraryInfo>
#include <QtCore/QLocale>
#include <QtCore/QTranslator>

#include "ui/Icons.h"

namespace sb::ui {

void Translations::install(QCoreApplication& application)
{
    Icons::initResources();
    auto* qt = new QTranslator(&application);
    if (qt->load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QCoreApplication::installTranslator(qt);
    }
    auto* ours = new QTranslator(&application);
    const QString folder = QStringLiteral(":/i18n");
    if (ours->load(QLocale(), QStringLiteral("switchboard"), QStringLiteral("_"), folder) ||
        ours->load(QStringLiteral("switchboard_en"), folder)) {
        QCoreApplication::installTranslator(ours);
    }
}

} // namespace sb::ui
