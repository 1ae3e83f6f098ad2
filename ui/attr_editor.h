#pragma once
// Editors generated from a graph::AttrSpec (the same declarations the ops and augmentation
// steps use): a spin box with the spec's range for Int and Float, a check box for Bool, a
// combo box for a String enum, a line edit for other strings and integer lists. The
// augmentation editor uses them; the graph inspector (ui/graph_editor/inspector.cpp) still
// builds its own of the same kinds and could move to these.

#include "graph/attribute.h"

#include <QWidget>
#include <functional>

namespace nw::ui {

// Calls `commit` with every value the user enters (spin boxes: on Enter, focus loss or a
// step, not per keystroke). The spec's doc and range make the tooltip; the object name is the
// attribute's name.
QWidget* makeAttrEditor(const graph::AttrSpec& spec, QWidget* parent,
                        std::function<void(const graph::AttrValue&)> commit);

// Shows `value` in an editor from makeAttrEditor() without calling its commit function.
void setAttrEditorValue(QWidget* editor, const graph::AttrValue& value);

} // namespace nw::ui
