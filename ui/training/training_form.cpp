#include "ui/training/training_form.h"

#include "app/project_document.h"
#include "app/training_run.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QStringList>
#include <QToolButton>
#include <cmath>
#include <limits>

namespace nw::ui {

namespace {

void selectData(QComboBox* box, const std::string& value) {
    int i = box->findData(QString::fromStdString(value));
    if (i < 0) { // a value this build does not list (another device): show it as it is
        box->addItem(QString::fromStdString(value), QString::fromStdString(value));
        i = box->count() - 1;
    }
    box->setCurrentIndex(i);
}

std::string dataOf(const QComboBox* box) {
    return box->currentData().toString().toStdString();
}

} // namespace

TrainingForm::TrainingForm(app::ProjectDocument& document, const engine::BackendRegistry& backends,
                           QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_backends(backends)
    , m_optimizer(new QComboBox(this))
    , m_learningRate(new QDoubleSpinBox(this))
    , m_weightDecay(new QDoubleSpinBox(this))
    , m_schedule(new QComboBox(this))
    , m_warmup(new QSpinBox(this))
    , m_batchSize(new QSpinBox(this))
    , m_epochs(new QSpinBox(this))
    , m_seed(new QSpinBox(this))
    , m_device(new QComboBox(this))
    , m_precision(new QComboBox(this))
    , m_precisionNote(new QLabel(this))
    , m_patience(new QSpinBox(this))
    , m_clip(new QDoubleSpinBox(this))
    , m_checkpointEvery(new QSpinBox(this))
    , m_checkpointMinutes(new QDoubleSpinBox(this))
    , m_initialWeights(new QLineEdit(this))
    , m_chooseWeights(new QToolButton(this))
    , m_clearWeights(new QToolButton(this))
    , m_weightsNote(new QLabel(this)) {
    for (const char* o : {"sgd", "adam", "adamw", "rmsprop"}) {
        m_optimizer->addItem(QString::fromLatin1(o).toUpper(), QString::fromLatin1(o));
    }
    m_learningRate->setDecimals(6);
    m_learningRate->setRange(1e-6, 10.0);
    m_learningRate->setSingleStep(1e-4);
    m_weightDecay->setDecimals(6);
    m_weightDecay->setRange(0, 1);
    m_weightDecay->setSingleStep(1e-4);
    m_schedule->addItem(tr("Constant"), QStringLiteral("constant"));
    m_schedule->addItem(tr("Step decay"), QStringLiteral("step"));
    m_schedule->addItem(tr("Cosine"), QStringLiteral("cosine"));
    m_warmup->setRange(0, 1'000'000);
    m_warmup->setSuffix(tr(" steps"));
    m_batchSize->setRange(1, 65536);
    m_epochs->setRange(1, 100000);
    m_seed->setRange(0, std::numeric_limits<int>::max());
    m_device->setObjectName(QStringLiteral("device"));
    for (const auto& d : backends.availableDevices()) {
        m_device->addItem(QStringLiteral("%1 — %2").arg(QString::fromStdString(d.id),
                                                        QString::fromStdString(d.name)),
                          QString::fromStdString(d.id));
        m_device->setItemData(m_device->count() - 1, QString::fromStdString(d.driver),
                              Qt::ToolTipRole);
    }
    // Long processor names must not widen the form (it shares a 1024-pixel screen).
    m_device->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_device->setMinimumContentsLength(12);
    QStringList absent;
    for (const auto& a : backends.absentBackends()) {
        absent << QStringLiteral("%1: %2").arg(QString::fromStdString(a.kind),
                                               QString::fromStdString(a.reason));
    }
    if (!absent.isEmpty()) {
        m_device->setToolTip(tr("Not available here:\n%1").arg(absent.join(QLatin1Char('\n'))));
    }
    m_precision->setObjectName(QStringLiteral("precision"));
    const std::pair<const char*, QString> precisions[] = {
        {"fp32", tr("32-bit floating point throughout: the reference arithmetic, on every "
                    "device.")},
        {"tf32", tr("TensorFloat-32 on NVIDIA tensor cores (compute capability 8.0 or later): "
                    "matrix products and convolutions round their inputs to 10 mantissa bits "
                    "and accumulate in fp32. Tensors and weights stay fp32; much faster, with "
                    "little effect on training.")},
        {"bf16", tr("bfloat16 products: matrix products and convolutions take bf16 inputs and "
                    "accumulate in fp32, with fp32 master weights (mixed precision). On CPUs "
                    "with AVX512-BF16; not yet on CUDA devices.")},
    };
    for (const auto& [name, meaning] : precisions) {
        m_precision->addItem(QString::fromLatin1(name), QString::fromLatin1(name));
        m_precision->setItemData(m_precision->count() - 1, meaning, Qt::ToolTipRole);
    }
    m_precisionNote->setObjectName(QStringLiteral("precisionNote"));
    m_precisionNote->setWordWrap(true); // a long refusal must not widen the form
    m_precisionNote->hide();
    m_patience->setRange(0, 1000);
    m_patience->setSpecialValueText(tr("Off"));
    m_patience->setSuffix(tr(" epochs"));
    m_clip->setRange(0, 1000);
    m_clip->setSpecialValueText(tr("Off"));
    m_checkpointEvery->setRange(0, 1'000'000);
    m_checkpointEvery->setSpecialValueText(tr("Each epoch"));
    m_checkpointEvery->setPrefix(tr("every "));
    m_checkpointEvery->setSuffix(tr(" steps"));
    m_checkpointMinutes->setObjectName(QStringLiteral("checkpointMinutes"));
    m_checkpointMinutes->setRange(0, 10080);
    m_checkpointMinutes->setDecimals(1);
    m_checkpointMinutes->setSpecialValueText(tr("Not by time"));
    m_checkpointMinutes->setPrefix(tr("every "));
    m_checkpointMinutes->setSuffix(tr(" min"));
    m_checkpointMinutes->setToolTip(
        tr("Also write a checkpoint after this many minutes of training, so that a crash "
           "costs at most that much."));
    m_checkpointEvery->setToolTip(
        tr("A checkpoint is always written at the end of each epoch and when the run stops; "
           "set a step count to write one more often."));

    m_initialWeights->setObjectName(QStringLiteral("initialWeights"));
    m_initialWeights->setReadOnly(true);
    m_initialWeights->setPlaceholderText(tr("None: parameters start from their initialisers"));
    m_chooseWeights->setText(tr("Choose…"));
    m_chooseWeights->setToolTip(
        tr("Start new runs from a weights file (.nwweights: a finished run's weights, or an "
           "imported model's): every tensor whose node, name and shape match is loaded, the "
           "others start fresh"));
    m_clearWeights->setText(tr("Clear"));
    m_clearWeights->setToolTip(tr("Start new runs from the initialisers again"));
    m_weightsNote->setObjectName(QStringLiteral("initialWeightsNote"));
    m_weightsNote->setWordWrap(true);
    m_weightsNote->hide();
    auto* weightsRow = new QHBoxLayout();
    weightsRow->setContentsMargins(0, 0, 0, 0);
    weightsRow->addWidget(m_initialWeights, 1);
    weightsRow->addWidget(m_chooseWeights);
    weightsRow->addWidget(m_clearWeights);
    connect(m_chooseWeights, &QToolButton::clicked, this, &TrainingForm::chooseInitialWeights);
    connect(m_clearWeights, &QToolButton::clicked, this, [this] { setInitialWeights({}); });

    auto* form = new QFormLayout(this);
    form->addRow(tr("Optimizer"), m_optimizer);
    form->addRow(tr("Learning rate"), m_learningRate);
    form->addRow(tr("Weight decay"), m_weightDecay);
    form->addRow(tr("Schedule"), m_schedule);
    form->addRow(tr("Warm-up"), m_warmup);
    form->addRow(tr("Batch size"), m_batchSize);
    form->addRow(tr("Epochs"), m_epochs);
    form->addRow(tr("Seed"), m_seed);
    form->addRow(tr("Device"), m_device);
    form->addRow(tr("Precision"), m_precision);
    form->addRow(m_precisionNote); // across both columns: room for a sentence
    form->addRow(tr("Early stopping"), m_patience);
    form->addRow(tr("Gradient clip"), m_clip);
    form->addRow(tr("Checkpoints"), m_checkpointEvery);
    form->addRow(QString(), m_checkpointMinutes);
    form->addRow(tr("Initial weights"), weightsRow);
    form->addRow(m_weightsNote);

    for (QComboBox* box : {m_optimizer, m_schedule, m_device, m_precision}) {
        connect(box, &QComboBox::currentIndexChanged, this, &TrainingForm::store);
    }
    for (QSpinBox* box : {m_warmup, m_batchSize, m_epochs, m_seed, m_patience, m_checkpointEvery}) {
        connect(box, &QSpinBox::valueChanged, this, &TrainingForm::store);
    }
    for (QDoubleSpinBox* box : {m_learningRate, m_weightDecay, m_clip, m_checkpointMinutes}) {
        connect(box, &QDoubleSpinBox::valueChanged, this, &TrainingForm::store);
    }
    connect(&m_document, &app::ProjectDocument::changed, this, &TrainingForm::load);
    load();
}

graph::TrainingConfig TrainingForm::config() const {
    graph::TrainingConfig c = m_document.project().training; // keeps fields not shown
    c.optimizer.type = dataOf(m_optimizer);
    c.optimizer.learningRate = m_learningRate->value();
    c.optimizer.weightDecay = m_weightDecay->value();
    c.schedule.type = dataOf(m_schedule);
    c.schedule.warmupSteps = m_warmup->value();
    c.batchSize = m_batchSize->value();
    c.epochs = m_epochs->value();
    c.seed = std::uint64_t(m_seed->value());
    c.device = dataOf(m_device);
    c.precision = dataOf(m_precision);
    c.earlyStoppingPatience = m_patience->value();
    c.gradClipNorm = m_clip->value();
    c.checkpointEverySteps = m_checkpointEvery->value();
    // The box shows one decimal: keep the file's value unless the user changed it.
    if (std::abs(m_checkpointMinutes->value() - c.checkpointEveryMinutes) >= 0.05) {
        c.checkpointEveryMinutes = m_checkpointMinutes->value();
    }
    return c;
}

void TrainingForm::load() {
    if (m_loading) {
        return;
    }
    m_loading = true;
    const graph::TrainingConfig& c = m_document.project().training;
    selectData(m_optimizer, c.optimizer.type);
    m_learningRate->setValue(c.optimizer.learningRate);
    m_weightDecay->setValue(c.optimizer.weightDecay);
    selectData(m_schedule, c.schedule.type);
    m_warmup->setValue(int(c.schedule.warmupSteps));
    m_batchSize->setValue(int(c.batchSize));
    m_epochs->setValue(int(c.epochs));
    m_seed->setValue(int(std::min<std::uint64_t>(c.seed, std::numeric_limits<int>::max())));
    selectData(m_device, c.device);
    selectData(m_precision, c.precision);
    m_patience->setValue(int(c.earlyStoppingPatience));
    m_clip->setValue(c.gradClipNorm);
    m_checkpointEvery->setValue(int(std::min<std::int64_t>(c.checkpointEverySteps, 1'000'000)));
    m_checkpointMinutes->setValue(c.checkpointEveryMinutes);
    m_loading = false;
    showPrecisionRefusal();
    showInitialWeights();
}

QString TrainingForm::projectDir() const {
    const QString file = m_document.filePath();
    return file.isEmpty() ? QDir::currentPath() : QFileInfo(file).absolutePath();
}

void TrainingForm::setInitialWeights(const QString& path) {
    graph::TrainingConfig c = m_document.project().training;
    if (path.isEmpty()) {
        c.initialWeights.clear();
    } else {
        const QString absolute = QFileInfo(path).absoluteFilePath();
        // The project file names it relative to its folder (the project moves with it); an
        // unsaved project keeps the absolute path until it has a folder.
        c.initialWeights =
            (m_document.filePath().isEmpty() ? QDir::cleanPath(absolute)
                                             : QDir(projectDir()).relativeFilePath(absolute))
                .toStdString();
    }
    if (c.initialWeights != m_document.project().training.initialWeights) {
        m_document.setTrainingConfig(c);
    }
}

void TrainingForm::chooseInitialWeights() {
    const std::string& current = m_document.project().training.initialWeights;
    const QString start =
        current.empty() ? projectDir()
                        : QFileInfo(QDir(projectDir()), QString::fromStdString(current)).path();
    const QString file =
        m_chooser
            ? m_chooser(start)
            : QFileDialog::getOpenFileName(this, tr("Initial Weights"), start,
                                           tr("Netwright weights (*.nwweights);;All files (*)"));
    if (!file.isEmpty()) {
        setInitialWeights(file);
    }
}

void TrainingForm::showInitialWeights() {
    const QString stored = QString::fromStdString(m_document.project().training.initialWeights);
    m_initialWeights->setText(stored);
    m_clearWeights->setEnabled(!stored.isEmpty());
    if (stored.isEmpty()) {
        m_initialWeights->setToolTip(QString());
        m_weightsNote->hide();
        return;
    }
    const QFileInfo file(QDir(projectDir()), stored);
    m_initialWeights->setToolTip(QDir::toNativeSeparators(file.absoluteFilePath()));
    if (file.isFile()) {
        m_weightsNote->hide();
    } else {
        m_weightsNote->setText(tr("%1 is not there: a run will not start until the file is "
                                  "back or the initial weights are cleared.")
                                   .arg(QDir::toNativeSeparators(file.absoluteFilePath())));
        m_weightsNote->show();
    }
}

void TrainingForm::store() {
    if (!m_loading) {
        m_loading = true; // the document's changed() must not reload mid-edit
        m_document.setTrainingConfig(config());
        m_loading = false;
        showPrecisionRefusal();
    }
}

void TrainingForm::showPrecisionRefusal() {
    m_precision->setToolTip(m_precision->currentData(Qt::ToolTipRole).toString());
    const auto key = std::make_pair(dataOf(m_device), dataOf(m_precision));
    auto it = m_refusals.find(key);
    if (it == m_refusals.end()) {
        it = m_refusals
                 .emplace(key, QString::fromStdString(
                                   app::precisionRefusal(m_backends, key.first, key.second)))
                 .first;
    }
    m_precisionNote->setText(it->second);
    m_precisionNote->setVisible(!it->second.isEmpty());
}

} // namespace nw::ui
