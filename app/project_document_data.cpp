// ProjectDocument's data settings: the dataset's normalisation and the augmentation
// pipeline (the Data mode edits them), each change one DataSettingsCommand.
#include "app/commands/data_settings_command.h"
#include "app/project_document.h"
#include "datasets/augmentation.h"

#include <string>

namespace nw::app {

Status ProjectDocument::setNormalization(const std::vector<double>& mean,
                                         const std::vector<double>& std) {
    if (mean.size() != std.size()) {
        return Error::user("dataset.normalization: " + std::to_string(mean.size()) + " means but " +
                           std::to_string(std.size()) + " standard deviations");
    }
    for (std::size_t c = 0; c < std.size(); ++c) {
        if (!(std[c] > 0.0)) {
            return Error::user("dataset.std[" + std::to_string(c) + "]: must be > 0, got " +
                               std::to_string(std[c]));
        }
    }
    DataSettings before{m_project.dataset, m_project.augmentation};
    DataSettings after = before;
    after.dataset.mean = mean;
    after.dataset.std = std;
    if (after != before) {
        m_undo.push(new DataSettingsCommand(*this, std::move(before), std::move(after),
                                            mean.empty() ? tr("Remove normalization")
                                                         : tr("Set normalization")));
    }
    return Status::success();
}

Status ProjectDocument::setAugmentation(const std::vector<graph::AugmentationStep>& steps,
                                        const QString& text, int mergeKey) {
    if (auto pipeline = datasets::AugmentationPipeline::create(steps); !pipeline) {
        return pipeline.error();
    }
    DataSettings before{m_project.dataset, m_project.augmentation};
    DataSettings after = before;
    after.augmentation = steps;
    if (after != before) {
        m_undo.push(
            new DataSettingsCommand(*this, std::move(before), std::move(after), text, mergeKey));
    }
    return Status::success();
}

void ProjectDocument::applyDataSettings(const DataSettings& settings) {
    m_project.dataset = settings.dataset;
    m_project.augmentation = settings.augmentation;
    emit changed();
}

} // namespace nw::app
