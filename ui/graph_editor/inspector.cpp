#include "ui/graph_editor/inspector.h"

#include "app/project_document.h"
#include "graph/summary.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>
#include <climits>
#include <cmath>

namespace nw::ui {

namespace {

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

QString intListText(const graph::IntList& list) {
    QStringList parts;
    for (auto v : list) {
        parts << QString::number(v);
    }
    return parts.join(QStringLiteral(", "));
}

// "3, 3", "[3 3]" -> {3, 3}; nullopt when something is not an integer.
std::optional<graph::IntList> parseIntList(const QString& text) {
    QString body = text.trimmed();
    body.remove(QLatin1Char('[')).remove(QLatin1Char(']'));
    graph::IntList out;
    const auto parts =
        body.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts);
    for (const auto& part : parts) {
        bool ok = false;
        const qlonglong v = part.toLongLong(&ok);
        if (!ok) {
            return std::nullopt;
        }
        out.push_back(v);
    }
    return out;
}

int decimalsFor(const graph::AttrSpec& spec) {
    const double def = std::abs(std::get<double>(spec.defaultValue));
    if (def > 0 && def < 1e-3) {
        return 8;
    }
    return 4;
}

} // namespace

Inspector::Inspector(app::ProjectDocument& document, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_title(new QLabel(this))
    , m_doc(new QLabel(this))
    , m_summary(new QLabel(this))
    , m_error(new QLabel(this))
    , m_form(new QWidget(this))
    , m_formLayout(new QFormLayout(m_form)) {
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    m_title->setFont(titleFont);
    m_doc->setWordWrap(true);
    m_doc->setForegroundRole(QPalette::PlaceholderText);
    m_summary->setWordWrap(true);
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
    const graph::Node* node = m_document.graph().findNode(m_node.toStdString());
    if (!node) { // no selection: the project at a glance
        const auto& project = m_document.project();
        const auto& g = project.graph;
        m_title->setText(m_document.displayName());
        m_doc->setText((project.description.empty()
                            ? QString()
                            : q(project.description) + QStringLiteral("\n\n")) +
                       tr("Select a node to edit its attributes. Drag layers from the palette, "
                          "or press Tab on the canvas to add one."));
        const auto& totals = m_document.analysis().totals;
        m_summary->setText(tr("%1 nodes, %2 edges\nParameters: %3   FLOPs: %4")
                               .arg(g.nodes().size())
                               .arg(g.edges().size())
                               .arg(q(graph::formatCount(totals.trainableParams)),
                                    q(graph::formatFlops(totals.flops))));
        return;
    }
    m_op = q(node->op);
    const auto* schema = m_document.registry().find(node->op);
    m_doc->setText(schema ? q(schema->doc) : tr("Unknown op '%1'.").arg(m_op));
    if (schema) {
        for (const auto& spec : schema->attrs) {
            QWidget* editor = makeEditor(spec);
            const QString tip =
                q(spec.doc) + QStringLiteral("\n") + tr("Allowed: %1").arg(q(spec.rangeText()));
            editor->setToolTip(tip);
            editor->setObjectName(q(spec.name));
            auto* label = new QLabel(q(spec.name), m_form);
            label->setToolTip(tip);
            m_formLayout->addRow(label, editor);
            m_editors.insert(q(spec.name), editor);
        }
    }
    refreshValues();
}

QWidget* Inspector::makeEditor(const graph::AttrSpec& spec) {
    const QString name = q(spec.name);
    switch (spec.type) {
    case graph::AttrType::Int: {
        auto* box = new QSpinBox(m_form);
        box->setRange(spec.min ? static_cast<int>(std::max<double>(*spec.min, INT_MIN)) : INT_MIN,
                      spec.max ? static_cast<int>(std::min<double>(*spec.max, INT_MAX)) : INT_MAX);
        box->setKeyboardTracking(false);
        connect(box, &QSpinBox::valueChanged, this,
                [this, name](int v) { commit(name, graph::AttrValue(std::int64_t{v})); });
        return box;
    }
    case graph::AttrType::Float: {
        auto* box = new QDoubleSpinBox(m_form);
        box->setDecimals(decimalsFor(spec));
        box->setRange(spec.min.value_or(-1e9), spec.max.value_or(1e9));
        const double span = spec.max.value_or(1e9) - spec.min.value_or(-1e9);
        box->setSingleStep(span <= 1.0 ? 0.05 : span <= 10.0 ? 0.1 : 1.0);
        box->setKeyboardTracking(false);
        connect(box, &QDoubleSpinBox::valueChanged, this,
                [this, name](double v) { commit(name, graph::AttrValue(v)); });
        return box;
    }
    case graph::AttrType::Bool: {
        auto* box = new QCheckBox(m_form);
        connect(box, &QCheckBox::toggled, this,
                [this, name](bool v) { commit(name, graph::AttrValue(v)); });
        return box;
    }
    case graph::AttrType::String: {
        if (!spec.choices.empty()) {
            auto* box = new QComboBox(m_form);
            for (const auto& c : spec.choices) {
                box->addItem(q(c));
            }
            connect(box, &QComboBox::currentTextChanged, this, [this, name](const QString& v) {
                commit(name, graph::AttrValue(v.toStdString()));
            });
            return box;
        }
        auto* edit = new QLineEdit(m_form);
        connect(edit, &QLineEdit::editingFinished, this,
                [this, name, edit] { commit(name, graph::AttrValue(edit->text().toStdString())); });
        return edit;
    }
    case graph::AttrType::IntList: {
        auto* edit = new QLineEdit(m_form);
        edit->setPlaceholderText(q(spec.rangeText()));
        connect(edit, &QLineEdit::editingFinished, this, [this, name, edit] {
            auto list = parseIntList(edit->text());
            if (!list) {
                showError(
                    tr("%1: '%2' is not a list of integers (e.g. 3, 3)").arg(name, edit->text()));
                refreshValues();
                return;
            }
            commit(name, graph::AttrValue(*list));
        });
        return edit;
    }
    }
    return new QWidget(m_form);
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
    m_summary->setText(
        tr("Output: %1\nParameters: %2   FLOPs: %3")
            .arg(shapes.isEmpty() ? QStringLiteral("?") : shapes.join(QStringLiteral(", ")),
                 q(graph::formatCount(info ? info->cost.trainableParams : 0)),
                 q(graph::formatFlops(info ? info->cost.flops : 0))));
    for (auto it = m_editors.begin(); it != m_editors.end(); ++it) {
        auto value = node->attrs.find(it.key().toStdString());
        if (value == node->attrs.end()) {
            continue;
        }
        QSignalBlocker block(it.value());
        const auto& v = value->second;
        if (auto* box = qobject_cast<QSpinBox*>(it.value())) {
            if (auto* i = std::get_if<std::int64_t>(&v)) {
                box->setValue(static_cast<int>(*i));
            }
        } else if (auto* dbox = qobject_cast<QDoubleSpinBox*>(it.value())) {
            if (auto* d = std::get_if<double>(&v)) {
                dbox->setValue(*d);
            }
        } else if (auto* check = qobject_cast<QCheckBox*>(it.value())) {
            if (auto* b = std::get_if<bool>(&v)) {
                check->setChecked(*b);
            }
        } else if (auto* combo = qobject_cast<QComboBox*>(it.value())) {
            if (auto* s = std::get_if<std::string>(&v)) {
                combo->setCurrentText(q(*s));
            }
        } else if (auto* edit = qobject_cast<QLineEdit*>(it.value())) {
            if (auto* list = std::get_if<graph::IntList>(&v)) {
                edit->setText(intListText(*list));
            } else if (auto* s = std::get_if<std::string>(&v)) {
                edit->setText(q(*s));
            }
        }
    }
}

} // namespace nw::ui
