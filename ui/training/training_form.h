#pragma once
// TrainingForm: the run configuration (graph::TrainingConfig) as a form — optimizer, learning
// rate, schedule, batch size, epochs, seed, device, early stopping. It shows the document's
// configuration and writes every change back through ProjectDocument::setTrainingConfig()
// (undoable; consecutive changes merge).

#include "engine/core/backend_registry.h"
#include "graph/project.h"

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

namespace nw::app {
class ProjectDocument;
}

namespace nw::ui {

class TrainingForm : public QWidget {
    Q_OBJECT
public:
    // `backends`: the devices offered (by name), and the absent ones in the tooltip.
    TrainingForm(app::ProjectDocument& document, const engine::BackendRegistry& backends,
                 QWidget* parent = nullptr);

    // The configuration the fields show.
    graph::TrainingConfig config() const;

    QComboBox* optimizerBox() const { return m_optimizer; }
    QDoubleSpinBox* learningRateBox() const { return m_learningRate; }
    QSpinBox* epochsBox() const { return m_epochs; }
    QSpinBox* batchSizeBox() const { return m_batchSize; }

private:
    void load();  // document -> fields
    void store(); // fields -> document

    app::ProjectDocument& m_document;
    QComboBox* m_optimizer;
    QDoubleSpinBox* m_learningRate;
    QDoubleSpinBox* m_weightDecay;
    QComboBox* m_schedule;
    QSpinBox* m_warmup;
    QSpinBox* m_batchSize;
    QSpinBox* m_epochs;
    QSpinBox* m_seed;
    QComboBox* m_device;
    QSpinBox* m_patience;
    QDoubleSpinBox* m_clip;
    QSpinBox* m_checkpointEvery;
    QDoubleSpinBox* m_checkpointMinutes;
    bool m_loading = false;
};

} // namespace nw::ui
