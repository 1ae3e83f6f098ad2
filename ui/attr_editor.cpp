#include "ui/attr_editor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLineEdit>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSpinBox>
#include <climits>
#include <cmath>
#include <optional>

namespace nw::ui {

QString docToHtml(const std::string& doc) {
    QString out;
    bool code = false;
    for (const QString& part : QString::fromStdString(doc).split(QLatin1Char('`'))) {
        out += code ? QStringLiteral("<code>%1</code>").arg(part.toHtmlEscaped())
                    : part.toHtmlEscaped();
        code = !code;
    }
    return QStringLiteral("<p>%1</p>").arg(out); // <p>: a tooltip is rich text only with tags
}

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

// "3, 3" or "[3 3]" -> {3, 3}; nullopt when a part is not an integer.
std::optional<graph::IntList> parseIntList(const QString& text) {
    QString body = text.trimmed();
    body.remove(QLatin1Char('[')).remove(QLatin1Char(']'));
    graph::IntList out;
    for (const auto& part :
         body.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts)) {
        bool ok = false;
        const qlonglong v = part.toLongLong(&ok);
        if (!ok) {
            return std::nullopt;
        }
        out.push_back(v);
    }
    return out;
}

// Enough decimals to show the default: epsilon 1e-5 needs 8.
int decimalsFor(const graph::AttrSpec& spec) {
    const double def = std::abs(std::get<double>(spec.defaultValue));
    return def > 0 && def < 1e-3 ? 8 : 4;
}

} // namespace

QWidget* makeAttrEditor(const graph::AttrSpec& spec, QWidget* parent,
                        std::function<void(const graph::AttrValue&)> commit,
                        std::function<void(const QString&)> invalid) {
    QWidget* editor = nullptr;
    switch (spec.type) {
    case graph::AttrType::Int: {
        auto* box = new QSpinBox(parent);
        box->setRange(spec.min ? int(std::max<double>(*spec.min, INT_MIN)) : INT_MIN,
                      spec.max ? int(std::min<double>(*spec.max, INT_MAX)) : INT_MAX);
        box->setKeyboardTracking(false);
        QObject::connect(box, &QSpinBox::valueChanged, box,
                         [commit](int v) { commit(graph::AttrValue(std::int64_t{v})); });
        editor = box;
        break;
    }
    case graph::AttrType::Float: {
        auto* box = new QDoubleSpinBox(parent);
        box->setDecimals(decimalsFor(spec));
        box->setRange(spec.min.value_or(-1e9), spec.max.value_or(1e9));
        const double span = spec.max.value_or(1e9) - spec.min.value_or(-1e9);
        box->setSingleStep(span <= 1.0 ? 0.05 : span <= 10.0 ? 0.1 : 1.0);
        box->setKeyboardTracking(false);
        QObject::connect(box, &QDoubleSpinBox::valueChanged, box,
                         [commit](double v) { commit(graph::AttrValue(v)); });
        editor = box;
        break;
    }
    case graph::AttrType::Bool: {
        auto* box = new QCheckBox(parent);
        QObject::connect(box, &QCheckBox::toggled, box,
                         [commit](bool v) { commit(graph::AttrValue(v)); });
        editor = box;
        break;
    }
    case graph::AttrType::String:
        if (!spec.choices.empty()) {
            auto* box = new QComboBox(parent);
            for (const auto& c : spec.choices) {
                box->addItem(q(c));
            }
            QObject::connect(box, &QComboBox::currentTextChanged, box, [commit](const QString& v) {
                commit(graph::AttrValue(v.toStdString()));
            });
            editor = box;
        } else {
            auto* edit = new QLineEdit(parent);
            QObject::connect(edit, &QLineEdit::editingFinished, edit, [commit, edit] {
                commit(graph::AttrValue(edit->text().toStdString()));
            });
            editor = edit;
        }
        break;
    case graph::AttrType::IntList: {
        auto* edit = new QLineEdit(parent);
        edit->setPlaceholderText(q(spec.rangeText()));
        const QString name = q(spec.name);
        QObject::connect(edit, &QLineEdit::editingFinished, edit, [commit, invalid, edit, name] {
            auto list = parseIntList(edit->text());
            if (list) {
                commit(graph::AttrValue(*list));
            } else if (invalid) {
                invalid(QObject::tr("%1: '%2' is not a list of integers (e.g. 3, 3)")
                            .arg(name, edit->text()));
            }
        });
        editor = edit;
        break;
    }
    }
    editor->setObjectName(q(spec.name));
    editor->setToolTip(docToHtml(spec.doc) +
                       QObject::tr("<p>Allowed: %1</p>").arg(q(spec.rangeText()).toHtmlEscaped()));
    setAttrEditorValue(editor, spec.defaultValue);
    return editor;
}

void setAttrEditorValue(QWidget* editor, const graph::AttrValue& v) {
    QSignalBlocker block(editor);
    if (auto* box = qobject_cast<QSpinBox*>(editor)) {
        if (auto* i = std::get_if<std::int64_t>(&v)) {
            box->setValue(int(*i));
        }
    } else if (auto* dbox = qobject_cast<QDoubleSpinBox*>(editor)) {
        if (auto* d = std::get_if<double>(&v)) {
            dbox->setValue(*d);
        } else if (auto* i = std::get_if<std::int64_t>(&v)) {
            dbox->setValue(double(*i));
        }
    } else if (auto* check = qobject_cast<QCheckBox*>(editor)) {
        if (auto* b = std::get_if<bool>(&v)) {
            check->setChecked(*b);
        }
    } else if (auto* combo = qobject_cast<QComboBox*>(editor)) {
        if (auto* s = std::get_if<std::string>(&v)) {
            combo->setCurrentText(q(*s));
        }
    } else if (auto* edit = qobject_cast<QLineEdit*>(editor)) {
        if (auto* list = std::get_if<graph::IntList>(&v)) {
            edit->setText(intListText(*list));
        } else if (auto* s = std::get_if<std::string>(&v)) {
            edit->setText(q(*s));
        }
    }
}

} // namespace nw::ui
