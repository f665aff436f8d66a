#pragma once

class QCoreApplication;

namespace sb::ui {

// Installs the console's translations (and Qt's own) for the user's language. English, the
// language of the sources, is the fallback: its file holds the plural forms ("1 client",
// "3 clients") that the sources write as "%n client(s)".
class Translations
{
public:
    static void install(QCoreApplication& application);
};

} // namespace sb::ui
