#include "ui/datasets/normalization_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>
#include <cmath>
#include <iterator>

namespace nw::ui {

namespace {

struct Preset {
    const char* name;
    const char* mean;
    const char* std;
};

// The last entry, "Custom", is whatever the fields hold.
const Preset kPresets[] = {
    {QT_TRANSLATE_NOOP("NormalizationDialog", "None"), "", ""},
    {QT_TRANSLATE_NOOP("NormalizationDialog", "ImageNet (torchvision's pretrained models)"),
     "0.485, 0.456, 0.406", "0.229, 0.224, 0.225"},
    {QT_TRANSLATE_NOOP("NormalizationDialog", "[-1, 1] (mean 0.5, std 0.5)"), "0.5", "0.5"},
    {QT_TRANSLATE_NOOP("NormalizationDialog", "Custom"), nullptr, nullptr},
};
constexpr int kCustom = int(std::size(kPresets)) - 1;

QString joined(const std::vector<double>& values) {
    QStringList parts;
    for (double v : values) {
        parts << QString::number(v, 'g', 8);
    }
    return parts.join(QStringLiteral(", "));
}

// Comma- or space-separated numbers; or why not, naming the field.
std::optional<std::vector<double>> parse(const QString& text, const QString& field, QString& why) {
    std::vector<double> out;
    const QStringList parts =
        text.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts);
    for (const QString& p : parts) {
        bool ok = false;
        const double v = p.toDouble(&ok);
        if (!ok || !std::isfinite(v)) {
            why = NormalizationDialog::tr("%1: '%2' is not a number").arg(field, p);
            return std::nullopt;
        }
        out.push_back(v);
    }
    return out;
}

} // namespace

NormalizationDialog::NormalizationDialog(const std::vector<double>& mean,
                                         const std::vector<double>& std, QWidget* parent)
    : QDialog(parent)
    , m_presets(new QComboBox(this))
    , m_meanEdit(new QLineEdit(joined(mean), this))
    , m_stdEdit(new QLineEdit(joined(std), this))
    , m_problemLabel(new QLabel(this)) {
    setWindowTitle(tr("Input normalization"));
    for (const Preset& p : kPresets) {
        m_presets->addItem(tr(p.name));
    }
    m_meanEdit->setPlaceholderText(tr("one value, or one per channel"));
    m_stdEdit->setPlaceholderText(tr("as many as the mean"));
    auto* intro = new QLabel(tr("x' = (x − mean) / std, with x in [0, 1]. A pretrained or imported "
                                "model expects the normalization it was trained with; the ONNX "
                                "file does not record it."),
                             this);
    intro->setWordWrap(true);
    m_problemLabel->setWordWrap(true);
    m_problemLabel->setStyleSheet(QStringLiteral("color: palette(highlight);"));
    auto* form = new QFormLayout;
    form->addRow(tr("Preset"), m_presets);
    form->addRow(tr("Mean"), m_meanEdit);
    form->addRow(tr("Std"), m_stdEdit);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_problemLabel);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_presets, &QComboBox::activated, this, [this](int k) {
        if (k != kCustom) {
            m_meanEdit->setText(QString::fromLatin1(kPresets[k].mean));
            m_stdEdit->setText(QString::fromLatin1(kPresets[k].std));
        }
    });
    connect(m_meanEdit, &QLineEdit::textChanged, this, &NormalizationDialog::validate);
    connect(m_stdEdit, &QLineEdit::textChanged, this, &NormalizationDialog::validate);
    validate();
}

void NormalizationDialog::validate() {
    QString why;
    auto mean = parse(m_meanEdit->text(), tr("Mean"), why);
    auto std = mean ? parse(m_stdEdit->text(), tr("Std"), why) : std::nullopt;
    if (mean && std) {
        if (mean->size() != std->size()) {
            auto values = [](std::size_t n) {
                return n == 1 ? tr("1 value") : tr("%1 values").arg(n);
            };
            why = tr("Mean has %1 but std %2: give as many of each")
                      .arg(values(mean->size()), values(std->size()));
        }
        for (std::size_t c = 0; why.isEmpty() && c < std->size(); ++c) {
            if (!((*std)[c] > 0)) {
                why = tr("Std value %1 is %2: each must be > 0").arg(c + 1).arg((*std)[c]);
            }
        }
    }
    m_problem = why;
    m_problemLabel->setText(why);
    m_problemLabel->setVisible(!why.isEmpty());
    m_ok->setEnabled(why.isEmpty());
    if (why.isEmpty()) {
        m_mean = std::move(*mean);
        m_std = std::move(*std);
    }
    // The preset these values are, else Custom.
    int match = kCustom;
    for (int k = 0; k < kCustom; ++k) {
        QString unused;
        auto pm = parse(QString::fromLatin1(kPresets[k].mean), QString(), unused);
        auto ps = parse(QString::fromLatin1(kPresets[k].std), QString(), unused);
        if (why.isEmpty() && *pm == m_mean && *ps == m_std) {
            match = k;
        }
    }
    m_presets->setCurrentIndex(match);
}

} // namespace nw::ui
