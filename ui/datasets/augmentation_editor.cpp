#include "ui/datasets/augmentation_editor.h"

#include "app/project_document.h"
#include "datasets/augmentation.h"
#include "ui/attr_editor.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalBlocker>
#include <QVBoxLayout>

namespace nw::ui {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

// Merge keys: one per (step, parameter); the probability is parameter 0.
int mergeKey(int step, int param) {
    return step * 64 + param;
}

} // namespace

AugmentationEditor::AugmentationEditor(app::ProjectDocument& document, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_list(new QListWidget(this))
    , m_opChoice(new QComboBox(this))
    , m_add(new QPushButton(tr("Add"), this))
    , m_remove(new QPushButton(tr("Remove"), this))
    , m_up(new QPushButton(tr("Up"), this))
    , m_down(new QPushButton(tr("Down"), this))
    , m_doc(new QLabel(this))
    , m_form(new QWidget(this))
    , m_formLayout(new QFormLayout(m_form))
    , m_error(new QLabel(this)) {
    for (const auto& op : datasets::augmentationOps()) {
        m_opChoice->addItem(q(op.name));
        m_opChoice->setItemData(m_opChoice->count() - 1, q(op.doc), Qt::ToolTipRole);
    }
    m_list->setMaximumHeight(110);
    m_doc->setWordWrap(true);
    m_doc->setForegroundRole(QPalette::PlaceholderText);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #d32f2f;"));
    m_error->hide();
    m_formLayout->setContentsMargins(0, 0, 0, 0);

    auto* addRow = new QHBoxLayout;
    addRow->addWidget(m_opChoice, 1);
    addRow->addWidget(m_add);
    auto* moveRow = new QHBoxLayout;
    moveRow->addWidget(m_remove);
    moveRow->addWidget(m_up);
    moveRow->addWidget(m_down);
    moveRow->addStretch(1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(addRow);
    layout->addWidget(m_list);
    layout->addLayout(moveRow);
    layout->addWidget(m_doc);
    layout->addWidget(m_form);
    layout->addWidget(m_error);

    connect(m_add, &QPushButton::clicked, this,
            [this] { (void)addStep(m_opChoice->currentText()); });
    connect(m_remove, &QPushButton::clicked, this, [this] { (void)removeStep(currentStep()); });
    connect(m_up, &QPushButton::clicked, this,
            [this] { (void)moveStep(currentStep(), currentStep() - 1); });
    connect(m_down, &QPushButton::clicked, this,
            [this] { (void)moveStep(currentStep(), currentStep() + 1); });
    connect(m_list, &QListWidget::currentRowChanged, this, [this] { rebuildForm(); });
    connect(&m_document, &app::ProjectDocument::changed, this, &AugmentationEditor::refresh);
    refresh();
}

int AugmentationEditor::currentStep() const {
    return m_list->currentRow();
}

void AugmentationEditor::setCurrentStep(int step) {
    m_list->setCurrentRow(step);
}

QString AugmentationEditor::errorText() const {
    return m_error->isHidden() ? QString() : m_error->text();
}

Status AugmentationEditor::report(Status status) {
    if (status) {
        m_error->clear();
        m_error->hide();
    } else {
        m_error->setText(q(status.error().message));
        m_error->show();
        rebuildForm(); // show the stored values again
    }
    return status;
}

Status AugmentationEditor::addStep(const QString& op) {
    const auto* spec = datasets::findAugmentationOp(op.toStdString());
    if (!spec) {
        return report(Error::user("augmentation: unknown op '" + op.toStdString() + "'"));
    }
    graph::AugmentationStep step{spec->name, spec->defaultProbability, {}};
    for (const auto& p : spec->params) {
        step.params[p.name] = p.defaultValue;
    }
    auto steps = m_document.project().augmentation;
    steps.push_back(step);
    auto status = report(m_document.setAugmentation(steps, tr("Add augmentation %1").arg(op)));
    if (status) {
        setCurrentStep(int(steps.size()) - 1);
    }
    return status;
}

Status AugmentationEditor::removeStep(int step) {
    auto steps = m_document.project().augmentation;
    if (step < 0 || std::size_t(step) >= steps.size()) {
        return report(Error::user("augmentation: no step selected"));
    }
    const QString op = q(steps[std::size_t(step)].op);
    steps.erase(steps.begin() + step);
    return report(m_document.setAugmentation(steps, tr("Remove augmentation %1").arg(op)));
}

Status AugmentationEditor::moveStep(int from, int to) {
    auto steps = m_document.project().augmentation;
    const int n = int(steps.size());
    if (from < 0 || from >= n || to < 0 || to >= n || from == to) {
        return Status::success();
    }
    std::swap(steps[std::size_t(from)], steps[std::size_t(to)]);
    auto status = report(m_document.setAugmentation(
        steps, tr("Move augmentation %1").arg(q(steps[std::size_t(to)].op))));
    if (status) {
        setCurrentStep(to);
    }
    return status;
}

Status AugmentationEditor::setProbability(int step, double probability) {
    auto steps = m_document.project().augmentation;
    if (step < 0 || std::size_t(step) >= steps.size()) {
        return report(Error::user("augmentation: no step " + std::to_string(step)));
    }
    steps[std::size_t(step)].probability = probability;
    return report(m_document.setAugmentation(steps, tr("Change probability"), mergeKey(step, 0)));
}

Status AugmentationEditor::setParameter(int step, const QString& param,
                                        const graph::AttrValue& value) {
    auto steps = m_document.project().augmentation;
    if (step < 0 || std::size_t(step) >= steps.size()) {
        return report(Error::user("augmentation: no step " + std::to_string(step)));
    }
    auto& s = steps[std::size_t(step)];
    int index = 1;
    if (const auto* spec = datasets::findAugmentationOp(s.op)) {
        for (std::size_t k = 0; k < spec->params.size(); ++k) {
            if (spec->params[k].name == param.toStdString()) {
                index = int(k) + 1;
            }
        }
    }
    s.params[param.toStdString()] = value;
    return report(
        m_document.setAugmentation(steps, tr("Change %1").arg(param), mergeKey(step, index)));
}

void AugmentationEditor::refresh() {
    const auto& steps = m_document.project().augmentation;
    const int current = currentStep();
    {
        QSignalBlocker block(m_list);
        m_list->clear();
        for (std::size_t k = 0; k < steps.size(); ++k) {
            m_list->addItem(tr("%1. %2  (p = %3)")
                                .arg(k + 1)
                                .arg(q(steps[k].op))
                                .arg(steps[k].probability, 0, 'g', 3));
        }
        m_list->setCurrentRow(std::min(current, int(steps.size()) - 1));
    }
    rebuildForm();
}

void AugmentationEditor::rebuildForm() {
    const auto& steps = m_document.project().augmentation;
    const int step = currentStep();
    m_remove->setEnabled(step >= 0);
    m_up->setEnabled(step > 0);
    m_down->setEnabled(step >= 0 && step + 1 < int(steps.size()));
    const graph::AugmentationStep* s =
        step >= 0 && std::size_t(step) < steps.size() ? &steps[std::size_t(step)] : nullptr;
    const auto* spec = s ? datasets::findAugmentationOp(s->op) : nullptr;
    if (step != m_formStep || !s || q(s->op) != m_formOp) {
        while (m_formLayout->rowCount() > 0) {
            m_formLayout->removeRow(0);
        }
        m_editors.clear();
        m_formStep = step;
        m_formOp = s ? q(s->op) : QString();
        m_doc->setText(spec ? q(spec->doc)
                            : tr("Add steps to augment training samples; the preview shows "
                                 "what they do."));
        if (spec) {
            auto* probability = new QDoubleSpinBox(m_form);
            probability->setObjectName(QStringLiteral("probability"));
            probability->setRange(0.0, 1.0);
            probability->setSingleStep(0.05);
            probability->setDecimals(2);
            probability->setKeyboardTracking(false);
            probability->setToolTip(tr("How often the step is applied to a sample, in [0, 1]."));
            connect(probability, &QDoubleSpinBox::valueChanged, this,
                    [this, step](double v) { (void)setProbability(step, v); });
            m_formLayout->addRow(tr("probability"), probability);
            m_editors.insert(QStringLiteral("probability"), probability);
            for (const auto& p : spec->params) {
                const QString name = q(p.name);
                QWidget* editor = makeAttrEditor(p, m_form, [this, step, name](const auto& v) {
                    (void)setParameter(step, name, v);
                });
                m_formLayout->addRow(name, editor);
                m_editors.insert(name, editor);
            }
        }
    }
    if (!s || !spec) {
        return;
    }
    setAttrEditorValue(m_editors.value(QStringLiteral("probability")),
                       graph::AttrValue(s->probability));
    for (const auto& p : spec->params) {
        auto it = s->params.find(p.name);
        setAttrEditorValue(m_editors.value(q(p.name)),
                           it != s->params.end() ? it->second : p.defaultValue);
    }
}

} // namespace nw::ui
