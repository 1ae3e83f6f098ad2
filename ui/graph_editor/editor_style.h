#pragma once
// How the canvas looks: card geometry, port positions and the colours of the light and dark
// themes. Items read one EditorStyle (owned by the scene); nothing here is a global.

#include <QColor>
#include <QPointF>
#include <QRectF>
#include <cstdint>
#include <string>

namespace nw::ui {

// Card geometry in scene units. Data flows top to bottom: inputs on the top edge, outputs
// on the bottom edge, spread evenly across the width.
struct CardGeometry {
    static constexpr double kWidth = 200;
    static constexpr double kHeaderHeight = 24;
    static constexpr double kHeight = 64;
    static constexpr double kPortRadius = 6;
    // How close (scene units) a press or drop must be to a port to hit it.
    static constexpr double kPortHitRadius = 11;
    static constexpr double kGrid = 10;

    static QRectF rect() { return {0, 0, kWidth, kHeight}; }
    // Port centres relative to the card's top-left.
    static QPointF inputPort(int index, int count) {
        return {kWidth * (index + 1) / (count + 1), 0};
    }
    static QPointF outputPort(int index, int count) {
        return {kWidth * (index + 1) / (count + 1), kHeight};
    }
};

// How a card or edge differs between two graphs (the Experiments mode's graph difference);
// None on the editor's own canvas.
enum class DiffStatus { None, Unchanged, Added, Removed, Changed };

struct EditorStyle {
    bool dark = false;
    QColor canvas, gridMinor, gridMajor;
    QColor card, cardBorder, cardText, cardSubtleText, headerText;
    QColor selection, error, edge, edgeLabel, edgeLabelText;
    QColor portFill, portCompatible, portIncompatible;
    // The graph difference: outlines, edges and badges of added, removed and changed items;
    // badge text; how opaque unchanged (dimmed) and removed (ghosted) items are drawn.
    QColor diffAdded, diffRemoved, diffChanged, diffBadgeText, diffChangedBadgeText;
    double diffDimmedOpacity = 0.45;
    double diffGhostOpacity = 0.6;
    // A frozen node's lock glyph and "frozen" label (fine-tuning).
    QColor frozen;

    static EditorStyle light();
    static EditorStyle darkTheme();
    // Light or dark, following the application palette (the system theme).
    static EditorStyle fromPalette();

    // The colour of a difference status (the plain edge colour for None and Unchanged).
    QColor diffColor(DiffStatus status) const;
    // "added", "removed", "changed"; empty for None and Unchanged.
    static const char* diffLabel(DiffStatus status);

    // The header colour of an op category ("Convolution", "Activation", ...).
    QColor categoryColor(const std::string& category) const;
    // The header colour of an op's card: `rgb` (0xRRGGBB, what a plugin's op declares) when
    // non-zero, else its category's; darkened in the dark theme like the categories' colours.
    QColor opColor(const std::string& category, std::uint32_t rgb) const;
};

} // namespace nw::ui
