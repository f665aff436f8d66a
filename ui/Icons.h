#pragma once

#include <QtGui/QIcon>

namespace sb::ui {

// The console's icons: monochrome SVGs from resources/icons (compiled in), drawn in the
// palette's text colour. The application icon keeps its own colours.
class Icons
{
public:
    // Registers the compiled-in resources of the static sb_ui library (once, before any icon
    // or translation is used).
    static void initResources();

    // `name` is a file in resources/icons without ".svg": "add", "edit", "remove", ...
    static QIcon get(const QString& name);
    static QIcon application();
};

} // namespace sb::ui
