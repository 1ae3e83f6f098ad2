#pragma once
// The training split's statistics (datasets::computeStats(): value range, mean and std per
// channel), computed once per dataset on a worker thread, beside the project's current
// normalisation, with a button that stores them as the project's normalisation through
// ProjectDocument::setNormalization() (undoable), and one that opens a NormalizationDialog for
// other values (a pretrained model's) or none.

#include "datasets/dataset.h"
#include "datasets/dataset_stats.h"
#include "ui/datasets/background_jobs.h"

#include <QWidget>
#include <memory>
#include <optional>

class QLabel;
class QPushButton;

namespace nw::app {
class ProjectDocument;
}

namespace nw::ui {

class DatasetStatsPanel : public QWidget {
    Q_OBJECT
public:
    // `document` must outlive the panel.
    explicit DatasetStatsPanel(app::ProjectDocument& document, QWidget* parent = nullptr);

    // Starts computing the statistics of `train` (null: no dataset); a computation still
    // running for an earlier dataset is dropped.
    void setDataset(std::shared_ptr<const datasets::Dataset> train);
    // Set once computed for the current dataset.
    const std::optional<datasets::DatasetStats>& stats() const { return m_stats; }
    QPushButton* normalizeButton() const { return m_normalize; }
    QPushButton* editButton() const { return m_edit; }

signals:
    void statsReady();

private:
    void refresh();

    app::ProjectDocument& m_document;
    QLabel* m_text;
    QPushButton* m_normalize;
    QPushButton* m_edit;
    bool m_hasDataset = false;
    std::optional<datasets::DatasetStats> m_stats;
    int m_generation = 0;
    BackgroundJobs m_jobs; // last: waits for the worker before the rest is destroyed
};

} // namespace nw::ui
