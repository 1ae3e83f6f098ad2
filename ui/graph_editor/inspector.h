#pragma once
// The inspector: an editor for the selected node, generated from its op's schema — spin
// boxes with the AttrSpec's ranges, combo boxes for enums, check boxes for bools, a line edit
// for integer lists — with the schema's doc strings as tooltips. Every change goes through
// ProjectDocument::setAttribute(); a value the schema refuses is reported in the inspector
// and never stored (the editor shows the stored value again). A node whose op has parameters
// gets a "Trainable" check box (fine-tuning: off freezes them), through
// ProjectDocument::setTrainable(), one undo step per toggle.

#include "graph/attribute.h"

#include <QHash>
#include <QWidget>

class QCheckBox;
class QFormLayout;
class QLabel;

namespace nw::app {
class ProjectDocument;
}

namespace nw::ui {

class Inspector : public QWidget {
    Q_OBJECT
public:
    // `document` must outlive the inspector.
    explicit Inspector(app::ProjectDocument& document, QWidget* parent = nullptr);

    // Shows node `id` (empty: nothing selected).
    void setNode(const QString& id);
    QString node() const { return m_node; }
    // The editor of attribute `attr` of the shown node, or nullptr.
    QWidget* editor(const QString& attr) const { return m_editors.value(attr); }
    // The shown node's "Trainable" check box; hidden for a node without parameters.
    QCheckBox* trainableBox() const { return m_trainable; }
    // The last refusal message, empty when the last change was accepted.
    QString errorText() const;

private:
    void rebuild();
    void refreshValues();
    void commit(const QString& attr, const graph::AttrValue& value);
    void showError(const QString& text);

    app::ProjectDocument& m_document;
    QString m_node;
    QString m_op; // the op the editors were built for
    QLabel* m_title;
    QLabel* m_doc;
    QLabel* m_summary;
    QCheckBox* m_trainable;
    QLabel* m_error;
    QWidget* m_form;
    QFormLayout* m_formLayout;
    QHash<QString, QWidget*> m_editors;
};

} // namespace nw::ui
