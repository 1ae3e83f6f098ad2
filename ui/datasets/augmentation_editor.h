#pragma once
// The augmentation pipeline editor: the project's steps as a list (add one of the declared
// ops, remove, move up and down) and the selected step's probability and parameters, edited
// through widgets generated from its AttrSpecs. Every change goes through
// ProjectDocument::setAugmentation() (undoable, saved with the project); a value the pipeline
// refuses is reported here and never stored (the editors show the stored values again).

#include "base/expected.h"
#include "graph/attribute.h"

#include <QHash>
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QListWidget;
class QPushButton;

namespace nw::app {
class ProjectDocument;
}

namespace nw::ui {

class AugmentationEditor : public QWidget {
    Q_OBJECT
public:
    // `document` must outlive the editor.
    explicit AugmentationEditor(app::ProjectDocument& document, QWidget* parent = nullptr);

    // The step whose parameters are shown, -1 for none.
    int currentStep() const;
    void setCurrentStep(int step);
    QListWidget* stepList() const { return m_list; }
    // The parameter editor named `param` ("probability" too) of the current step, or nullptr.
    QWidget* editor(const QString& param) const { return m_editors.value(param); }
    // The last refusal message, empty when the last change was accepted.
    QString errorText() const;

    // The edits the widgets make, also callable directly. Each is one undo step (consecutive
    // changes of one parameter merge); a refusal is shown and returned.
    Status addStep(const QString& op);
    Status removeStep(int step);
    Status moveStep(int from, int to);
    Status setProbability(int step, double probability);
    Status setParameter(int step, const QString& param, const graph::AttrValue& value);

private:
    void refresh();
    void rebuildForm();
    Status report(Status status);

    app::ProjectDocument& m_document;
    QListWidget* m_list;
    QComboBox* m_opChoice;
    QPushButton* m_add;
    QPushButton* m_remove;
    QPushButton* m_up;
    QPushButton* m_down;
    QLabel* m_doc;
    QWidget* m_form;
    QFormLayout* m_formLayout;
    QLabel* m_error;
    QHash<QString, QWidget*> m_editors;
    int m_formStep = -1; // the step the form was built for
    QString m_formOp;    // and its op
};

} // namespace nw::ui
