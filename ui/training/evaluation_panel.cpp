#include "ui/training/evaluation_panel.h"

#include "ui/datasets/sample_image.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListView>
#include <QPixmap>
#include <QPushButton>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <vector>

namespace nw::ui {

namespace {

QStringList classNames(const app::Evaluation& e) {
    QStringList names;
    for (std::int64_t c = 0; c < e.report.classes; ++c) {
        const auto i = static_cast<std::size_t>(c);
        names << (i < e.predictions.classNames.size() && !e.predictions.classNames[i].empty()
                      ? QString::fromStdString(e.predictions.classNames[i])
                      : QString::number(c));
    }
    return names;
}

QStandardItem* numberItem(const QVariant& value, const QString& text = {}) {
    auto* item = new QStandardItem();
    item->setData(value, Qt::DisplayRole);
    if (!text.isEmpty()) {
        item->setToolTip(text);
    }
    item->setEditable(false);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

} // namespace

EvaluationPanel::EvaluationPanel(app::TrainingController& controller, Target target,
                                 QWidget* parent)
    : QWidget(parent)
    , m_controller(controller)
    , m_target(target)
    , m_evaluate(new QPushButton(tr("Evaluate"), this))
    , m_summary(new QLabel(this))
    , m_confusion(new QStandardItemModel(this))
    , m_classes(new QStandardItemModel(this))
    , m_gallery(new QStandardItemModel(this))
    , m_confusionView(new QTableView(this))
    , m_classView(new QTableView(this))
    , m_galleryView(new QListView(this)) {
    m_summary->setWordWrap(true);
    m_summary->setText(target == Target::Session
                           ? tr("Train a model, then evaluate it on the test split (during a "
                                "run: its latest checkpoint).")
                           : tr("Select a run with a checkpoint and evaluate it on its test "
                                "split."));
    auto* top = new QHBoxLayout();
    top->addWidget(m_evaluate);
    top->addWidget(m_summary, 1);

    m_confusionView->setModel(m_confusion);
    m_confusionView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_confusionView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_classView->setModel(m_classes);
    m_classView->setSortingEnabled(true);
    m_classView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_classView->verticalHeader()->hide();
    m_galleryView->setModel(m_gallery);
    m_galleryView->setViewMode(QListView::IconMode);
    m_galleryView->setResizeMode(QListView::Adjust);
    m_galleryView->setMovement(QListView::Static);
    m_galleryView->setIconSize(QSize(64, 64));
    m_galleryView->setGridSize(QSize(170, 100));
    m_galleryView->setWordWrap(true);
    m_galleryView->setEditTriggers(QAbstractItemView::NoEditTriggers);

    auto* tables = new QSplitter(Qt::Horizontal, this);
    tables->addWidget(m_confusionView);
    tables->addWidget(m_classView);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(tables);
    split->addWidget(m_galleryView);
    m_tables = split;
    m_languageNote = new QLabel(
        tr("A language model predicts one of its vocabulary's characters at every step: no "
           "confusion matrix, per-class table or gallery is drawn for it. Its per-token accuracy "
           "and perplexity are above."),
        this);
    m_languageNote->setWordWrap(true);
    m_languageNote->setForegroundRole(QPalette::PlaceholderText);
    m_languageNote->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_languageNote->hide();
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(split, 1);
    layout->addWidget(m_languageNote, 1);

    connect(m_evaluate, &QPushButton::clicked, this, [this] {
        if (m_target == Target::StoredRun) {
            (void)evaluateRun(m_run);
        } else {
            requested(m_controller.evaluate());
        }
    });
    connect(&m_controller, &app::TrainingController::stateChanged, this,
            &EvaluationPanel::updateButton);
    connect(&m_controller, &app::TrainingController::finished, this,
            &EvaluationPanel::updateButton);
    connect(&m_controller, &app::TrainingController::checkpointSaved, this,
            &EvaluationPanel::updateButton);
    connect(&m_controller, &app::TrainingController::evaluated, this,
            [this](const app::Evaluation& e) {
                if (e.request == m_request) {
                    m_request = 0;
                    showEvaluation(e);
                }
                updateButton();
            });
    connect(&m_controller, &app::TrainingController::evaluationFailed, this,
            [this](quint64 request, const QString& message) {
                if (request == m_request) {
                    m_request = 0;
                    m_summary->setText(tr("Evaluation failed: %1").arg(message));
                }
                updateButton();
            });
    updateButton();
}

void EvaluationPanel::setRun(qint64 runId, const QString& name) {
    m_run = runId;
    m_runName = name;
    updateButton();
}

bool EvaluationPanel::evaluateRun(qint64 runId) {
    const quint64 request = runId > 0 ? m_controller.evaluateRun(runId) : 0;
    requested(request);
    return request != 0;
}

void EvaluationPanel::requested(quint64 request) {
    if (request) {
        m_request = request;
        m_summary->setText(tr("Evaluating…"));
    }
    updateButton();
}

void EvaluationPanel::updateButton() {
    const auto& c = m_controller;
    QString why; // empty: enabled
    QString what;
    if (c.isEvaluating()) {
        why = tr("An evaluation is running");
    } else if (m_target == Target::StoredRun) {
        if (m_run <= 0) {
            why = tr("Select one run to evaluate");
        } else {
            what =
                tr("Evaluate run %1 %2 (its newest checkpoint) on its test split")
                    .arg(m_run)
                    .arg(m_runName.isEmpty() ? QString() : QStringLiteral("'%1'").arg(m_runName));
        }
    } else if (c.isActive()) {
        if (c.checkpointStep() < 0) {
            why = tr("The run has no checkpoint yet: one is written at the end of each epoch "
                     "(and every N steps when the checkpoint policy asks)");
        } else {
            what = tr("Evaluate the run's latest checkpoint (step %1) on the test split; "
                      "training goes on")
                       .arg(c.checkpointStep());
        }
    } else if (!c.hasModel()) {
        why = tr("Train a model first (or evaluate a stored run from the Experiments mode)");
    } else {
        what = tr("Evaluate the last trained model on the test split (the validation split "
                  "when the dataset has none, as a text corpus)");
    }
    m_evaluate->setEnabled(why.isEmpty());
    m_evaluate->setToolTip(why.isEmpty() ? what : why);
}

void EvaluationPanel::showEvaluation(const app::Evaluation& e) {
    const bool lm = e.tokensPerSample > 1;
    m_tables->setVisible(!lm);
    m_languageNote->setVisible(lm);
    if (lm) { // a K x K matrix over the vocabulary says nothing: the per-token figures instead
        m_confusion->clear();
        m_classes->clear();
        m_gallery->clear();
        const auto& r = e.report;
        m_summary->setText(
            tr("%1 · language model · %2 split: %L3 tokens (%L4 windows of %5) · "
               "per-token accuracy %6% · loss %7 per token · perplexity %8")
                .arg(e.source())
                .arg(e.onValidation ? tr("validation") : tr("test"))
                .arg(r.total)
                .arg(r.total / e.tokensPerSample)
                .arg(e.tokensPerSample)
                .arg(r.total ? 100.0 * double(r.correct) / double(r.total) : 0.0, 0, 'f', 2)
                .arg(e.predictions.summary.loss, 0, 'g', 4)
                .arg(engine::perplexity(e.predictions.summary.loss), 0, 'g', 4));
        return;
    }
    const QStringList names = classNames(e);
    fillConfusion(e, names);
    fillClasses(e, names);
    fillGallery(e, names);
    const auto& r = e.report;
    const std::int64_t wrong = r.total - r.correct;
    m_summary->setText(
        tr("%1 · %2 test samples · accuracy %3% · loss %4 · %5 misclassified%6")
            .arg(e.source())
            .arg(r.total)
            .arg(r.total ? 100.0 * double(r.correct) / double(r.total) : 0.0, 0, 'f', 2)
            .arg(e.predictions.summary.loss, 0, 'g', 4)
            .arg(wrong)
            .arg(wrong > kMaxGallery ? tr(" (the first %1 shown)").arg(kMaxGallery) : QString()));
}

void EvaluationPanel::fillConfusion(const app::Evaluation& e, const QStringList& names) {
    const auto& r = e.report;
    m_confusion->clear();
    m_confusion->setRowCount(int(r.classes));
    m_confusion->setColumnCount(int(r.classes));
    m_confusion->setVerticalHeaderLabels(names);
    m_confusion->setHorizontalHeaderLabels(names);
    const std::int64_t most = std::max<std::int64_t>(
        1, r.confusion.empty() ? 1 : *std::max_element(r.confusion.begin(), r.confusion.end()));
    const QColor base = palette().color(QPalette::Base);
    for (std::int64_t t = 0; t < r.classes; ++t) {
        for (std::int64_t p = 0; p < r.classes; ++p) {
            const std::int64_t n = r.at(t, p);
            auto* item = numberItem(
                qlonglong(n), tr("true: %1 / predicted: %2").arg(names[int(t)], names[int(p)]));
            const double f = double(n) / double(most);
            const QColor hue = t == p ? QColor(0x2e, 0xa0, 0x4f) : QColor(0xd6, 0x3c, 0x3c);
            const auto mix = [f](int a, int b) { return int(a + (b - a) * f); };
            const QColor fill(mix(base.red(), hue.red()), mix(base.green(), hue.green()),
                              mix(base.blue(), hue.blue()));
            item->setBackground(fill);
            item->setForeground(f > 0.55 ? QColor(Qt::white) : palette().color(QPalette::Text));
            m_confusion->setItem(int(t), int(p), item);
        }
    }
}

void EvaluationPanel::fillClasses(const app::Evaluation& e, const QStringList& names) {
    m_classes->clear();
    m_classes->setHorizontalHeaderLabels(
        {tr("Class"), tr("Precision"), tr("Recall"), tr("F1"), tr("Support")});
    for (std::size_t c = 0; c < e.report.perClass.size(); ++c) {
        const auto& m = e.report.perClass[c];
        auto* name = new QStandardItem(names[int(c)]);
        name->setEditable(false);
        // Three decimals shown (a fixed width, so they also sort as text); the exact value in
        // the tooltip.
        auto ratio = [](double v) {
            return numberItem(QString::number(v, 'f', 3), QString::number(v, 'g', 6));
        };
        m_classes->appendRow({name, ratio(m.precision), ratio(m.recall), ratio(m.f1),
                              numberItem(qlonglong(m.support))});
    }
    m_classView->resizeColumnsToContents();
}

void EvaluationPanel::fillGallery(const app::Evaluation& e, const QStringList& names) {
    m_gallery->clear();
    const auto& p = e.predictions;
    const datasets::Dataset* split = e.testSplit.get();
    std::vector<float> sample;
    datasets::Dims shape;
    if (split) {
        shape = split->sampleShape();
        std::int64_t n = 1;
        for (auto d : shape) {
            n *= d;
        }
        sample.resize(static_cast<std::size_t>(n));
    }
    for (std::size_t i = 0; i < p.labels.size() && m_gallery->rowCount() < kMaxGallery; ++i) {
        if (p.labels[i] == p.predicted[i]) {
            continue;
        }
        auto* item =
            new QStandardItem(tr("true: %1 / predicted: %2 (%3%)")
                                  .arg(names.value(p.labels[i]), names.value(p.predicted[i]))
                                  .arg(qRound(100.0 * p.confidence[i])));
        item->setData(qlonglong(i), Qt::UserRole);
        item->setEditable(false);
        if (split && std::int64_t(i) < split->size()) {
            split->readSample(std::int64_t(i), sample);
            const QImage image = sampleToImage(sample, shape);
            item->setIcon(QPixmap::fromImage(
                image.scaled(64, 64, Qt::KeepAspectRatio, Qt::FastTransformation)));
        }
        m_gallery->appendRow(item);
    }
}

} // namespace nw::ui
