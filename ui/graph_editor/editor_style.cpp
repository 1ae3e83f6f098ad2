#include "ui/graph_editor/editor_style.h"

#include <QGuiApplication>
#include <QPalette>
#include <map>

namespace nw::ui {

EditorStyle EditorStyle::light() {
    EditorStyle s;
    s.canvas = QColor(0xF5, 0xF6, 0xF8);
    s.gridMinor = QColor(0xE8, 0xEA, 0xEE);
    s.gridMajor = QColor(0xD9, 0xDC, 0xE1);
    s.card = Qt::white;
    s.cardBorder = QColor(0xC3, 0xC8, 0xD0);
    s.cardText = QColor(0x22, 0x26, 0x2D);
    s.cardSubtleText = QColor(0x66, 0x6E, 0x7A);
    s.headerText = Qt::white;
    s.selection = QColor(0x1E, 0x88, 0xE5);
    s.error = QColor(0xE5, 0x39, 0x35);
    s.edge = QColor(0x86, 0x8E, 0x9A);
    s.edgeLabel = QColor(0xFF, 0xFF, 0xFF, 235);
    s.edgeLabelText = QColor(0x4A, 0x52, 0x5E);
    s.portFill = QColor(0xFF, 0xFF, 0xFF);
    s.portCompatible = QColor(0x2E, 0xB8, 0x5C);
    s.portIncompatible = QColor(0xC8, 0xCC, 0xD2);
    s.diffAdded = QColor(0x2E, 0x9D, 0x4F);
    s.diffRemoved = QColor(0xD3, 0x2F, 0x2F);
    s.diffChanged = QColor(0xF0, 0x9A, 0x0A);
    s.diffBadgeText = Qt::white;
    s.diffChangedBadgeText = QColor(0x22, 0x26, 0x2D);
    return s;
}

EditorStyle EditorStyle::darkTheme() {
    EditorStyle s;
    s.dark = true;
    s.canvas = QColor(0x1E, 0x20, 0x24);
    s.gridMinor = QColor(0x26, 0x29, 0x2E);
    s.gridMajor = QColor(0x2F, 0x33, 0x39);
    s.card = QColor(0x2B, 0x2F, 0x36);
    s.cardBorder = QColor(0x44, 0x4A, 0x54);
    s.cardText = QColor(0xE6, 0xE8, 0xEB);
    s.cardSubtleText = QColor(0x9A, 0xA2, 0xAE);
    s.headerText = Qt::white;
    s.selection = QColor(0x42, 0xA5, 0xF5);
    s.error = QColor(0xEF, 0x53, 0x50);
    s.edge = QColor(0x7B, 0x84, 0x90);
    s.edgeLabel = QColor(0x2B, 0x2F, 0x36, 235);
    s.edgeLabelText = QColor(0xB8, 0xBF, 0xC8);
    s.portFill = QColor(0x3A, 0x3F, 0x47);
    s.portCompatible = QColor(0x4C, 0xD9, 0x7B);
    s.portIncompatible = QColor(0x4A, 0x4F, 0x57);
    s.diffAdded = QColor(0x43, 0xA0, 0x47);
    s.diffRemoved = QColor(0xEF, 0x53, 0x50);
    s.diffChanged = QColor(0xFF, 0xB3, 0x00);
    s.diffBadgeText = Qt::white;
    s.diffChangedBadgeText = QColor(0x1E, 0x20, 0x24);
    return s;
}

EditorStyle EditorStyle::fromPalette() {
    const QPalette p = QGuiApplication::palette();
    return p.color(QPalette::Window).lightness() < 128 ? darkTheme() : light();
}

QColor EditorStyle::diffColor(DiffStatus status) const {
    switch (status) {
    case DiffStatus::Added:
        return diffAdded;
    case DiffStatus::Removed:
        return diffRemoved;
    case DiffStatus::Changed:
        return diffChanged;
    case DiffStatus::None:
    case DiffStatus::Unchanged:
        break;
    }
    return edge;
}

const char* EditorStyle::diffLabel(DiffStatus status) {
    switch (status) {
    case DiffStatus::Added:
        return "added";
    case DiffStatus::Removed:
        return "removed";
    case DiffStatus::Changed:
        return "changed";
    case DiffStatus::None:
    case DiffStatus::Unchanged:
        break;
    }
    return "";
}

QColor EditorStyle::categoryColor(const std::string& category) const {
    static const std::map<std::string, QColor, std::less<>> colours = {
        {"Input/Output", QColor(0x3F, 0x51, 0xB5)}, {"Convolution", QColor(0x1E, 0x7F, 0xD6)},
        {"Pooling", QColor(0x00, 0x89, 0x7B)},      {"Normalization", QColor(0x8E, 0x44, 0xAD)},
        {"Activation", QColor(0xE6, 0x7E, 0x22)},   {"Core", QColor(0x2E, 0x9D, 0x4F)},
        {"Shape", QColor(0x79, 0x55, 0x48)},        {"Merge", QColor(0x54, 0x6E, 0x7A)},
    };
    auto it = colours.find(category);
    QColor c = it == colours.end() ? QColor(0x75, 0x75, 0x75) : it->second;
    return dark ? c.darker(115) : c;
}

} // namespace nw::ui
