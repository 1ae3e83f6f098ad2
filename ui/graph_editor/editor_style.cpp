#include "ui/graph_editor/editor_style.h"

#include <QGuiApplication>
#include <QPalette>
#include <map>

namespace nw::ui {

namespace {

// One row per themed colour: the EditorStyle member and its value in the light and the dark
// theme.
struct ThemeColour {
    QColor EditorStyle::*member;
    QRgb light;
    QRgb dark;
};

constexpr ThemeColour kThemeColours[] = {
    {&EditorStyle::canvas, qRgb(0xF5, 0xF6, 0xF8), qRgb(0x1E, 0x20, 0x24)},
    {&EditorStyle::gridMinor, qRgb(0xE8, 0xEA, 0xEE), qRgb(0x26, 0x29, 0x2E)},
    {&EditorStyle::gridMajor, qRgb(0xD9, 0xDC, 0xE1), qRgb(0x2F, 0x33, 0x39)},
    {&EditorStyle::card, qRgb(0xFF, 0xFF, 0xFF), qRgb(0x2B, 0x2F, 0x36)},
    {&EditorStyle::cardBorder, qRgb(0xC3, 0xC8, 0xD0), qRgb(0x44, 0x4A, 0x54)},
    {&EditorStyle::cardText, qRgb(0x22, 0x26, 0x2D), qRgb(0xE6, 0xE8, 0xEB)},
    {&EditorStyle::cardSubtleText, qRgb(0x66, 0x6E, 0x7A), qRgb(0x9A, 0xA2, 0xAE)},
    {&EditorStyle::headerText, qRgb(0xFF, 0xFF, 0xFF), qRgb(0xFF, 0xFF, 0xFF)},
    {&EditorStyle::selection, qRgb(0x1E, 0x88, 0xE5), qRgb(0x42, 0xA5, 0xF5)},
    {&EditorStyle::error, qRgb(0xE5, 0x39, 0x35), qRgb(0xEF, 0x53, 0x50)},
    {&EditorStyle::edge, qRgb(0x86, 0x8E, 0x9A), qRgb(0x7B, 0x84, 0x90)},
    {&EditorStyle::edgeLabel, qRgba(0xFF, 0xFF, 0xFF, 235), qRgba(0x2B, 0x2F, 0x36, 235)},
    {&EditorStyle::edgeLabelText, qRgb(0x4A, 0x52, 0x5E), qRgb(0xB8, 0xBF, 0xC8)},
    {&EditorStyle::portFill, qRgb(0xFF, 0xFF, 0xFF), qRgb(0x3A, 0x3F, 0x47)},
    {&EditorStyle::portCompatible, qRgb(0x2E, 0xB8, 0x5C), qRgb(0x4C, 0xD9, 0x7B)},
    {&EditorStyle::portIncompatible, qRgb(0xC8, 0xCC, 0xD2), qRgb(0x4A, 0x4F, 0x57)},
    {&EditorStyle::diffAdded, qRgb(0x2E, 0x9D, 0x4F), qRgb(0x43, 0xA0, 0x47)},
    {&EditorStyle::diffRemoved, qRgb(0xD3, 0x2F, 0x2F), qRgb(0xEF, 0x53, 0x50)},
    {&EditorStyle::diffChanged, qRgb(0xF0, 0x9A, 0x0A), qRgb(0xFF, 0xB3, 0x00)},
    {&EditorStyle::diffBadgeText, qRgb(0xFF, 0xFF, 0xFF), qRgb(0xFF, 0xFF, 0xFF)},
    {&EditorStyle::diffChangedBadgeText, qRgb(0x22, 0x26, 0x2D), qRgb(0x1E, 0x20, 0x24)},
    {&EditorStyle::frozen, qRgb(0x1F, 0x7A, 0xB8), qRgb(0x6C, 0xB8, 0xF0)},
};

EditorStyle themed(bool dark) {
    EditorStyle s;
    s.dark = dark;
    for (const ThemeColour& c : kThemeColours) {
        s.*c.member = QColor::fromRgba(dark ? c.dark : c.light);
    }
    return s;
}

} // namespace

EditorStyle EditorStyle::light() {
    return themed(false);
}

EditorStyle EditorStyle::darkTheme() {
    return themed(true);
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
        {"Sequence", QColor(0x9E, 0x9D, 0x24)},     {"Tensor", QColor(0x37, 0x47, 0x4F)},
        {"Attention", QColor(0xC2, 0x18, 0x5B)},
    };
    auto it = colours.find(category);
    QColor c = it == colours.end() ? QColor(0x75, 0x75, 0x75) : it->second;
    return dark ? c.darker(115) : c;
}

QColor EditorStyle::opColor(const std::string& category, std::uint32_t rgb) const {
    if (rgb == 0) {
        return categoryColor(category);
    }
    QColor c = QColor::fromRgb(static_cast<QRgb>(rgb & 0xFFFFFFu));
    return dark ? c.darker(115) : c;
}

} // namespace nw::ui
