#include "ui/export/export_report_view.h"

#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QTableWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace nw::ui {

namespace {

// Translucent tints over the palette's window colour: readable in both themes.
const char* kStyle = R"(
QLabel[tint="ok"]    { background: rgba(46, 160, 79, 0.15);  border-left: 4px solid #2ea04f; }
QLabel[tint="error"] { background: rgba(214, 60, 60, 0.15);  border-left: 4px solid #d63c3c; }
QLabel[tint="warn"]  { background: rgba(232, 150, 28, 0.17); border-left: 4px solid #e8961c; }
QLabel[tint="info"]  { background: rgba(76, 139, 245, 0.12); border-left: 4px solid #4c8bf5; }
QLabel[tint]         { padding: 8px 10px; border-radius: 3px; }
)";

const QColor kPass(0x2e, 0xa0, 0x4f);
const QColor kFail(0xd6, 0x3c, 0x3c);

QLabel* heading(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    QFont font = label->font();
    font.setBold(true);
    font.setPointSizeF(font.pointSizeF() * 1.1);
    label->setFont(font);
    label->setContentsMargins(0, 8, 0, 0);
    return label;
}

QTableWidgetItem* cell(const QString& text, Qt::Alignment align = Qt::AlignRight) {
    auto* item = new QTableWidgetItem(text);
    item->setTextAlignment(align | Qt::AlignVCenter);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    return item;
}

QString scientific(double v) {
    return QString::number(v, 'e', 3);
}

QString lines(const std::vector<std::string>& items, const QString& prefix) {
    QStringList out;
    for (const auto& s : items) {
        out << prefix + QString::fromStdString(s).toHtmlEscaped();
    }
    return out.join(QStringLiteral("<br>"));
}

} // namespace

ExportReportView::ExportReportView(QWidget* parent)
    : QWidget(parent)
    , m_banner(new QLabel(this))
    , m_file(new QLabel(this))
    , m_showInFolder(new QPushButton(tr("Show in Folder"), this))
    , m_details(new QWidget(this))
    , m_summary(new QLabel(m_details))
    , m_verificationTitle(new QLabel(m_details))
    , m_reference(new QLabel(m_details))
    , m_table(new QTableWidget(0, ColumnCount, m_details))
    , m_accuracyHeading(heading(tr("INT8 accuracy"), m_details))
    , m_accuracy(new QLabel(m_details))
    , m_notes(new QLabel(m_details)) {
    setStyleSheet(QString::fromLatin1(kStyle));
    m_banner->setObjectName(QStringLiteral("exportBanner"));
    m_banner->setWordWrap(true);
    m_banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_file->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_file->setWordWrap(true);
    m_showInFolder->setIcon(style()->standardIcon(QStyle::SP_DirOpenIcon));
    connect(m_showInFolder, &QPushButton::clicked, this, [this] {
        const QString folder = QFileInfo(m_output).absolutePath();
        if (m_openFolder) {
            m_openFolder(folder);
        } else {
            QDesktopServices::openUrl(QUrl::fromLocalFile(folder));
        }
    });
    for (QLabel* l : {m_summary, m_reference, m_accuracy, m_notes, m_verificationTitle}) {
        l->setWordWrap(true);
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    // Tinted from the start, so that the style sheet's box (padding, border) applies when
    // only the tint changes later.
    for (QLabel* l : {m_banner, m_accuracy, m_notes}) {
        l->setProperty("tint", QStringLiteral("info"));
    }
    m_reference->setForegroundRole(QPalette::PlaceholderText);

    m_table->setHorizontalHeaderLabels(
        {tr("Output"), tr("Max abs error"), tr("Max rel error"), tr("Same top-1"), tr("Result")});
    m_table->verticalHeader()->hide();
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->setFocusPolicy(Qt::NoFocus);
    m_table->setAlternatingRowColors(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(Output, QHeaderView::Stretch);
    m_table->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

    auto* fileRow = new QHBoxLayout;
    fileRow->setContentsMargins(0, 0, 0, 0);
    fileRow->addWidget(m_file, 1);
    fileRow->addWidget(m_showInFolder);

    auto* details = new QVBoxLayout(m_details);
    details->setContentsMargins(0, 0, 0, 0);
    details->addWidget(heading(tr("Written"), m_details));
    details->addWidget(m_summary);
    details->addWidget(heading(tr("Verification"), m_details));
    details->addWidget(m_verificationTitle);
    details->addWidget(m_reference);
    details->addWidget(m_table);
    details->addWidget(m_accuracyHeading);
    details->addWidget(m_accuracy);
    details->addSpacing(6);
    details->addWidget(m_notes);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_banner);
    layout->addLayout(fileRow);
    layout->addWidget(m_details);
    layout->addStretch(1);
    clear();
}

void ExportReportView::setBanner(const QString& kind, const QString& html) {
    m_banner->setProperty("tint", kind);
    m_banner->style()->unpolish(m_banner);
    m_banner->style()->polish(m_banner);
    m_banner->setText(html);
}

void ExportReportView::clear() {
    m_output.clear();
    setBanner(QStringLiteral("info"),
              tr("No export yet. Choose the trained model and a format, then <b>Export</b>: "
                 "the file is written and then checked against the training engine on a "
                 "batch of test samples."));
    m_file->hide();
    m_showInFolder->hide();
    m_details->hide();
}

void ExportReportView::showPending(const QString& output) {
    m_output.clear();
    setBanner(QStringLiteral("info"), tr("<b>Exporting…</b><br>%1 is being written, then checked "
                                         "against the training engine.")
                                          .arg(QDir::toNativeSeparators(output).toHtmlEscaped()));
    m_file->hide();
    m_showInFolder->hide();
    m_details->hide();
}

void ExportReportView::showError(const QString& message) {
    m_output.clear();
    setBanner(QStringLiteral("error"),
              tr("<b>Export failed</b><br>%1")
                  .arg(message.toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>"))));
    m_file->hide();
    m_showInFolder->hide();
    m_details->hide();
}

void ExportReportView::showReport(const app::ExportReport& report) {
    m_output = QString::fromStdString(report.output);
    const bool onnx = report.format == app::ExportFormat::Onnx;
    const QString what = onnx ? tr("ONNX model") : tr("inference bundle");
    if (report.verified && report.tolerance > 0) {
        setBanner(QStringLiteral("ok"), tr("<b>Exported and verified</b><br>The %1 gives the "
                                           "training engine's results on the reference batch.")
                                            .arg(what));
    } else if (report.verified) { // INT8: judged by the top class, and the test accuracy below
        const app::VerificationRow* row = report.rows.empty() ? nullptr : &report.rows.front();
        setBanner(QStringLiteral("ok"),
                  row && row->sameTop1 >= 0
                      ? tr("<b>Exported and verified</b><br>The INT8 bundle picks the training "
                           "engine's top class for %1 of %2 reference samples.")
                            .arg(row->sameTop1)
                            .arg(row->samples)
                      : tr("<b>Exported and verified</b><br>The INT8 bundle was compared with "
                           "the training engine on the reference batch."));
    } else {
        setBanner(QStringLiteral("error"),
                  tr("<b>Written, but verification FAILED</b><br>The %1 differs from the "
                     "trained model by more than the tolerance. The file was kept; please "
                     "report this as a bug.")
                      .arg(what));
    }
    m_file->setText(tr("<b>File:</b> %1").arg(QDir::toNativeSeparators(m_output).toHtmlEscaped()));
    m_file->show();
    m_showInFolder->show();
    m_details->show();

    m_summary->setText(lines(report.summary, QStringLiteral("•&nbsp;")));
    QString title = QString::fromStdString(report.verificationTitle).toHtmlEscaped();
    if (!title.isEmpty()) {
        title[0] = title[0].toUpper();
    }
    if (report.tolerance > 0) { // say which error is judged (model_export.cpp: maxAbs only)
        title += (title.isEmpty() ? QString() : QStringLiteral("<br>")) +
                 tr("Max abs error ≤ tolerance %1 passes; the relative error is shown for "
                    "information.")
                     .arg(QString::number(report.tolerance, 'e', 0));
    }
    m_verificationTitle->setText(title);
    m_reference->setText(tr("Reference batch: %1")
                             .arg(QString::fromStdString(report.referenceSource).toHtmlEscaped()));
    m_reference->setVisible(!report.referenceSource.empty());

    m_table->setRowCount(int(report.rows.size()));
    bool anyTop1 = false;
    for (int r = 0; r < int(report.rows.size()); ++r) {
        const app::VerificationRow& row = report.rows[std::size_t(r)];
        m_table->setItem(r, Output, cell(QString::fromStdString(row.output), Qt::AlignLeft));
        m_table->setItem(r, MaxAbs, cell(scientific(row.maxAbs)));
        m_table->setItem(r, MaxRel, cell(scientific(row.maxRel)));
        anyTop1 |= row.sameTop1 >= 0;
        m_table->setItem(r, SameTop1,
                         cell(row.sameTop1 >= 0
                                  ? QStringLiteral("%1 / %2").arg(row.sameTop1).arg(row.samples)
                                  : QStringLiteral("—")));
        QTableWidgetItem* result;
        if (report.tolerance > 0) {
            const bool pass = row.maxAbs <= report.tolerance;
            result = cell(pass ? tr("PASS") : tr("FAILED"), Qt::AlignCenter);
            result->setForeground(pass ? kPass : kFail);
            result->setToolTip(
                (pass ? tr("max abs error %1 ≤ tolerance %2")
                      : tr("max abs error %1 > tolerance %2"))
                    .arg(scientific(row.maxAbs), QString::number(report.tolerance, 'e', 0)));
        } else { // INT8: rounding by design; judged by top-1 agreement and test accuracy
            result = cell(tr("INT8"), Qt::AlignCenter);
            result->setToolTip(tr("INT8 values differ from f32 by design: see the same top-1 "
                                  "count and the test accuracy"));
        }
        QFont bold = result->font();
        bold.setBold(true);
        result->setFont(bold);
        m_table->setItem(r, Result, result);
    }
    m_table->setColumnHidden(SameTop1, !anyTop1);
    m_table->setVisible(!report.rows.empty());
    // Exactly its rows tall: the pane scrolls, not the table.
    int height = m_table->horizontalHeader()->sizeHint().height() + 2 * m_table->frameWidth();
    for (int r = 0; r < m_table->rowCount(); ++r) {
        height += m_table->rowHeight(r);
    }
    m_table->setFixedHeight(height);

    // The INT8 accuracy change (or why it was not measured).
    const bool int8 = report.accuracy.has_value() || !report.accuracyNote.empty();
    m_accuracyHeading->setVisible(int8);
    m_accuracy->setVisible(int8);
    if (report.accuracy) {
        const app::AccuracyChange& a = *report.accuracy;
        const double points = a.points();
        const bool loses = points < -kAccuracyWarningPoints;
        m_accuracy->setProperty("tint", loses ? "warn" : "ok");
        m_accuracy->setText(
            tr("Test accuracy on %1 samples of %2:<br><b>f32 %3%</b> &nbsp;→&nbsp; <b>INT8 "
               "%4%</b> &nbsp;(%5 points)%6")
                .arg(a.samples)
                .arg(QString::fromStdString(a.split).toHtmlEscaped())
                .arg(100 * a.f32, 0, 'f', 2)
                .arg(100 * a.int8, 0, 'f', 2)
                .arg((points >= 0 ? QStringLiteral("+") : QString()) +
                     QString::number(points, 'f', 2))
                .arg(loses ? tr("<br>INT8 loses more than %1 points: consider the f32 bundle "
                                "or more calibration samples.")
                                 .arg(kAccuracyWarningPoints)
                           : QString()));
    } else if (!report.accuracyNote.empty()) {
        m_accuracy->setProperty("tint", "info");
        m_accuracy->setText(tr("Test accuracy not measured: %1")
                                .arg(QString::fromStdString(report.accuracyNote).toHtmlEscaped()));
    }
    m_accuracy->style()->unpolish(m_accuracy);
    m_accuracy->style()->polish(m_accuracy);

    QStringList notes;
    if (!report.warnings.empty()) {
        notes << lines(report.warnings, tr("<b>Warning:</b> "));
    }
    if (!report.notes.empty()) {
        notes << lines(report.notes, tr("<b>Note:</b> "));
    }
    m_notes->setProperty("tint", report.warnings.empty() ? "info" : "warn");
    m_notes->style()->unpolish(m_notes);
    m_notes->style()->polish(m_notes);
    m_notes->setText(notes.join(QStringLiteral("<br>")));
    m_notes->setVisible(!notes.isEmpty());
}

} // namespace nw::ui
