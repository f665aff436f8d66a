#include "ui/Icons.h"

#include <QtCore/QFile>

#include "ui/SvgIconEngine.h"

// Q_INIT_RESOURCE declares a function, so it cannot be used inside a namespace.
static void initSwitchboardResources()
{
    Q_INIT_RESOURCE(switchboard);
}

namespace sb::ui {

void Icons::initResources()
{
    static const bool done = [] {
        initSwitchboardResources();
        return true;
    }();
    Q_UNUSED(done);
}

QIcon Icons::get(const QString& name)
{
    initResources();
    QFile file(QStringLiteral(":/icons/%1.svg").arg(name));
    if (!file.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QIcon(new SvgIconEngine(file.readAll()));
}

QIcon Icons::application()
{
    initResources();
    return QIcon(QStringLiteral(":/icons/switchboard.svg"));
}

} // namespace sb::ui
