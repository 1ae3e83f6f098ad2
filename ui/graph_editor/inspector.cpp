#include "ui/graph_editor/inspector.h"

#include "app/project_document.h"
#include "graph/summary.h"
#include "ui/attr_editor.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QVBoxLayout>

namespace nw::ui {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

} // namespace

Inspector::Inspector(app::ProjectDocument& document, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_title(new QLabel(this))
    , m_doc(new QLabel(this))
    , m_summary(new QLabel(this))
    , m_trainable(new QCheckBox(tr("Trainable"), this))
    , m_error(new QLabel(this))
    , m_form(new QWidget(this))
    , m_formLayout(new QFormLayout(m_form)) {
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    m_title->setFont(titleFont);
    m_doc->setWordWrap(true);
    m_doc->setTextFormat(Qt::RichText); // docToHtml(): `code` spans as code
    m_doc->setForegroundRole(QPalette::PlaceholderText);
    m_summary->setWordWrap(true);
    m_trainable->setObjectName(QStringLiteral("trainable"));
    m_trainable->setToolTip(tr("Update this node's parameters in training; off: frozen, as for "
                               "fine-tuning an imported model"));
    m_trainable->hide();
    connect(m_trainable, &QCheckBox::toggled, this, [this](bool on) {
        if (auto status = m_document.setTrainable({m_node}, on); !status) {
            showError(q(status.error().message));
            refreshValues();
            return;
        }
        m_error->clear();
        m_error->hide();
    });
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #d32f2f;"));
    m_error->hide();
    m_formLayout->setContentsMargins(0, 0, 0, 0);
    m_formLayout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 10, 10, 10);
    layout->addWidget(m_title);
    layout->addWidget(m_doc);
    layout->addWidget(m_summary);
    layout->addWidget(m_trainable);
    layout->addSpacing(6);
    layout->addWidget(m_form);
    layout->addWidget(m_error);
    layout->addStretch(1);

    connect(&m_document, &app::ProjectDocument::changed, this, [this] {
        if (!m_node.isEmpty() && !m_document.graph().findNode(m_node.toStdString())) {
            setNode(QString());
        } else {
            refreshValues();
        }
    });
    setNode(QString());
}

QString Inspector::errorText() const {
    return m_error->isHidden() ? QString() : m_error->text();
}

void Inspector::setNode(const QString& id) {
    m_node = id;
    m_error->clear();
    m_error->hide();
    rebuild();
}

void Inspector::rebuild() {
    while (m_formLayout->rowCount() > 0) {
        m_formLayout->removeRow(0);
    }
    m_editors.clear();
    m_op.clear();
    m_trainable->hide();
    const graph::Node* node = m_document.graph().findNode(m_node.toStdString());
    if (!node) { // no selection: the project at a glance
        const auto& project = m_document.project();
        const auto& g = project.graph;
        m_title->setText(m_document.displayName());
        m_doc->setText(
            (project.description.empty()
                 ? QString()
                 : QStringLiteral("<p>%1</p>").arg(q(project.description).toHtmlEscaped())) +
            tr("<p>Select a node to edit its attributes. Drag layers from the palette, "
               "or press Tab on the canvas to add one.</p>"));
        const auto summary = graph::summarize(g, m_document.analysis());
        const QString params = summary.frozenParams > 0
                                   ? tr("%1 trainable, %2 frozen")
                                         .arg(q(graph::formatCount(summary.totals.trainableParams)),
                                              q(graph::formatCount(summary.frozenParams)))
                                   : q(graph::formatCount(summary.totals.trainableParams));
        m_summary->setText(tr("%1 nodes, %2 edges\nParameters: %3   FLOPs: %4")
                               .arg(g.nodes().size())
                               .arg(g.edges().size())
                               .arg(params, q(graph::formatFlops(summary.totals.flops))));
        return;
    }
    m_op = q(node->op);
    const auto* schema = m_document.registry().find(node->op);
    if (schema) {
        m_doc->setText(docToHtml(schema->doc));
    } else if (node->plugin.empty()) {
        m_doc->setText(tr("Unknown op '%1'.").arg(m_op).toHtmlEscaped());
    } else { // the file names the plugin; its attributes stay as they are until it is loaded
        m_doc->setText(tr("The op '%1' comes from the plugin '%2', which is not loaded. Its "
                          "attributes are kept as they are.")
                           .arg(m_op, q(node->plugin))
                           .toHtmlEscaped());
    }
    if (schema) {
        for (const auto& spec : schema->attrs) {
            const QString name = q(spec.name);
            QWidget* editor = makeAttrEditor(
                spec, m_form, [this, name](const graph::AttrValue& v) { commit(name, v); },
                [this](const QString& message) {
                    showError(message);
                    refreshValues(); // show the stored value again
                });
            auto* label = new QLabel(name, m_form);
            label->setToolTip(editor->toolTip());
            m_formLayout->addRow(label, editor);
            m_editors.insert(q(spec.name), editor);
        }
    }
    refreshValues();
}

void Inspector::commit(const QString& attr, const graph::AttrValue& value) {
    auto status = m_document.setAttribute(m_node, attr, value);
    if (!status) {
        showError(q(status.error().message));
        refreshValues(); // show the stored value again
        return;
    }
    m_error->clear();
    m_error->hide();
}

void Inspector::showError(const QString& text) {
    m_error->setText(text);
    m_error->show();
}

void Inspector::refreshValues() {
    const graph::Node* node = m_document.graph().findNode(m_node.toStdString());
    if (!node) {
        if (m_node.isEmpty()) {
            rebuild(); // keep the project summary current
        }
        return;
    }
    if (q(node->op) != m_op) {
        rebuild();
        return;
    }
    m_title->setText(tr("%1  ·  %2").arg(m_node, m_op));
    const auto* info = m_document.analysis().info(node->id);
    QStringList shapes;
    if (info) {
        for (const auto& s : info->outputs) {
            shapes << q(s.toString());
        }
    }
    const QString params = q(graph::formatCount(info ? info->cost.trainableParams : 0));
    m_summary->setText(
        tr("Output: %1\nParameters: %2   FLOPs: %3")
            .arg(shapes.isEmpty() ? QStringLiteral("?") : shapes.join(QStringLiteral(", ")),
                 node->trainable ? params : tr("%1 (frozen)").arg(params),
                 q(graph::formatFlops(info ? info->cost.flops : 0))));
    // Only an op with parameters has something to freeze; a frozen node always shows the box
    // (so it can be unfrozen, e.g. a plugin op that is not loaded).
    const auto* schema = m_document.registry().find(node->op);
    m_trainable->setVisible((schema && schema->params) || !node->trainable);
    {
        const QSignalBlocker blocker(m_trainable);
        m_trainable->setChecked(node->trainable);
    }
    for (auto it = m_editors.begin(); it != m_editors.end(); ++it) {
        auto value = node->attrs.find(it.key().toStdString());
        if (value != node->attrs.end()) {
            setAttrEditorValue(it.value(), value->second);
        }
    }
}

} // namespace nw::ui
