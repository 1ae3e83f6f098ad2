#pragma once
// Application themes. "system" keeps the platform's palette (the canvas follows it: dark
// palette, dark canvas); "light" and "dark" force a Fusion palette.

#include <QString>

class QApplication;

namespace nw::ui {

// Applies `name` ("system", "light" or "dark"); false for an unknown name.
bool applyTheme(QApplication& app, const QString& name);

} // namespace nw::ui
