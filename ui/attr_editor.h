#pragma once
// Editors generated from a graph::AttrSpec (the same declarations the ops and augmentation
// steps use): a spin box with the spec's range for Int and Float, a check box for Bool, a
// combo box for a String enum, a line edit for other strings and integer lists. The graph
// inspector and the augmentation editor both use them.

#include "graph/attribute.h"

#include <QString>
#include <QWidget>
#include <functional>

namespace nw::ui {

// Calls `commit` with every value the user enters (spin boxes: on Enter, focus loss or a
// step, not per keystroke), and `invalid` with a message when the text cannot be a value of
// the attribute's type at all (an integer list with a word in it). The spec's doc and range
// make the tooltip; the object name is the attribute's name.
QWidget* makeAttrEditor(const graph::AttrSpec& spec, QWidget* parent,
                        std::function<void(const graph::AttrValue&)> commit,
                        std::function<void(const QString&)> invalid = {});

// A schema doc string (plain text with `code` spans, as the op reference writes them) as
// rich text for labels and tooltips: HTML-escaped, code spans in <code>, no backticks left.
QString docToHtml(const std::string& doc);

// Shows `value` in an editor from makeAttrEditor() without calling its commit function.
void setAttrEditorValue(QWidget* editor, const graph::AttrValue& value);

} // namespace nw::ui
