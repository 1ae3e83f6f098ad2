#pragma once
// TrainingForm: the run configuration (graph::TrainingConfig) as a form — optimizer, learning
// rate, schedule, batch size, epochs, seed, device, precision, early stopping, and the initial
// weights a fine-tuning run starts from (training.initial_weights). It shows the
// document's configuration and writes every change back through
// ProjectDocument::setTrainingConfig() (undoable; consecutive changes merge). A precision the
// chosen device cannot honour is explained under it before a run is started.

#include "engine/core/backend_registry.h"
#include "graph/project.h"

#include <QString>
#include <QWidget>
#include <functional>
#include <map>
#include <string>
#include <utility>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QToolButton;

namespace nw::app {
class ProjectDocument;
}

namespace nw::ui {

class TrainingForm : public QWidget {
    Q_OBJECT
public:
    // `backends`: the devices offered (by name), and the absent ones in the tooltip; it must
    // outlive the form (it is asked which precisions a device honours).
    TrainingForm(app::ProjectDocument& document, const engine::BackendRegistry& backends,
                 QWidget* parent = nullptr);

    // The configuration the fields show.
    graph::TrainingConfig config() const;

    QComboBox* optimizerBox() const { return m_optimizer; }
    QDoubleSpinBox* learningRateBox() const { return m_learningRate; }
    QSpinBox* epochsBox() const { return m_epochs; }
    QSpinBox* batchSizeBox() const { return m_batchSize; }
    QComboBox* precisionBox() const { return m_precision; }
    // Why the chosen device cannot train in the chosen precision; hidden when it can.
    QLabel* precisionNote() const { return m_precisionNote; }

    // Initial weights (fine-tuning): the file as stored (relative to the project file), the
    // Choose… and clear buttons, and a note when the file is not there.
    QLineEdit* initialWeightsEdit() const { return m_initialWeights; }
    QToolButton* chooseInitialWeightsButton() const { return m_chooseWeights; }
    QToolButton* clearInitialWeightsButton() const { return m_clearWeights; }
    QLabel* initialWeightsNote() const { return m_weightsNote; }
    // Stores `path` (absolute, or relative to the working directory) as
    // training.initial_weights: relative to the project file's folder when the project has a
    // file, else absolute; empty clears it. One undo step.
    void setInitialWeights(const QString& path);
    // Replaces the Choose… dialog (tests answer without one): gets the folder to start in,
    // returns the chosen file or an empty string for "cancel".
    using FileChooser = std::function<QString(const QString& startDir)>;
    void setFileChooser(FileChooser chooser) { m_chooser = std::move(chooser); }

private:
    void load();                 // document -> fields
    void store();                // fields -> document
    void showPrecisionRefusal(); // the note for the fields' device and precision
    void chooseInitialWeights();
    void showInitialWeights();  // the line, its tooltip and the missing-file note
    QString projectDir() const; // where relative paths resolve

    app::ProjectDocument& m_document;
    const engine::BackendRegistry& m_backends;
    QComboBox* m_optimizer;
    QDoubleSpinBox* m_learningRate;
    QDoubleSpinBox* m_weightDecay;
    QComboBox* m_schedule;
    QSpinBox* m_warmup;
    QSpinBox* m_batchSize;
    QSpinBox* m_epochs;
    QSpinBox* m_seed;
    QComboBox* m_device;
    QComboBox* m_precision;
    QLabel* m_precisionNote;
    QSpinBox* m_patience;
    QDoubleSpinBox* m_clip;
    QSpinBox* m_checkpointEvery;
    QDoubleSpinBox* m_checkpointMinutes;
    QLineEdit* m_initialWeights;
    QToolButton* m_chooseWeights;
    QToolButton* m_clearWeights;
    QLabel* m_weightsNote;
    FileChooser m_chooser;
    bool m_loading = false;
    // app::precisionRefusal() per (device, precision): asking opens the device.
    std::map<std::pair<std::string, std::string>, QString> m_refusals;
};

} // namespace nw::ui
