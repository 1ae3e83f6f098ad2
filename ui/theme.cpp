#include "ui/theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace nw::ui {

namespace {

QPalette darkPalette() {
    QPalette p;
    const QColor window(0x2B, 0x2D, 0x31), base(0x1F, 0x21, 0x24), text(0xE3, 0xE5, 0xE8);
    const QColor disabled(0x7A, 0x80, 0x88), accent(0x42, 0xA5, 0xF5);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, window);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Highlight, accent);
    p.setColor(QPalette::HighlightedText, Qt::black);
    p.setColor(QPalette::Link, accent);
    p.setColor(QPalette::Mid, QColor(0x3A, 0x3D, 0x42));
    p.setColor(QPalette::Dark, QColor(0x18, 0x19, 0x1C));
    p.setColor(QPalette::Light, QColor(0x45, 0x48, 0x4E));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText}) {
        p.setColor(QPalette::Disabled, role, disabled);
    }
    return p;
}

} // namespace

bool applyTheme(QApplication& app, const QString& name) {
    if (name == QLatin1String("system")) {
        return true;
    }
    if (name != QLatin1String("light") && name != QLatin1String("dark")) {
        return false;
    }
    app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    app.setPalette(name == QLatin1String("dark") ? darkPalette() : app.style()->standardPalette());
    return true;
}

} // namespace nw::ui
