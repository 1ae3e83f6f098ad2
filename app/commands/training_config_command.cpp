#include "app/commands/training_config_command.h"

#include "app/project_document.h"

namespace nw::app {

namespace {

// Which fields an edit changes, one bit each: edits of the same fields merge.
unsigned changedFields(const graph::TrainingConfig& a, const graph::TrainingConfig& b) {
    const bool diffs[] = {a.optimizer.type != b.optimizer.type,
                          a.optimizer.learningRate != b.optimizer.learningRate,
                          a.optimizer.weightDecay != b.optimizer.weightDecay,
                          !(a.optimizer == b.optimizer),
                          !(a.schedule == b.schedule),
                          a.batchSize != b.batchSize,
                          a.epochs != b.epochs,
                          a.seed != b.seed,
                          a.device != b.device,
                          a.precision != b.precision,
                          a.gradClipNorm != b.gradClipNorm,
                          a.earlyStoppingPatience != b.earlyStoppingPatience,
                          a.initialWeights != b.initialWeights};
    unsigned mask = 0;
    for (std::size_t i = 0; i < std::size(diffs); ++i) {
        mask |= diffs[i] ? 1u << i : 0u;
    }
    return mask;
}

} // namespace

TrainingConfigCommand::TrainingConfigCommand(ProjectDocument& document,
                                             graph::TrainingConfig before,
                                             graph::TrainingConfig after)
    : QUndoCommand(QObject::tr("Change training settings"))
    , m_document(document)
    , m_before(std::move(before))
    , m_after(std::move(after)) {
    if (m_before.initialWeights != m_after.initialWeights) {
        setText(m_after.initialWeights.empty() ? QObject::tr("Clear initial weights")
                                               : QObject::tr("Set initial weights"));
    }
}

void TrainingConfigCommand::redo() {
    m_document.applyTrainingConfig(m_after);
}

void TrainingConfigCommand::undo() {
    m_document.applyTrainingConfig(m_before);
}

bool TrainingConfigCommand::mergeWith(const QUndoCommand* other) {
    if (other->id() != id()) {
        return false;
    }
    const auto* next = static_cast<const TrainingConfigCommand*>(other);
    // A chosen or cleared weights file is a step of its own, never merged with another.
    if (m_before.initialWeights != m_after.initialWeights ||
        m_after.initialWeights != next->m_after.initialWeights) {
        return false;
    }
    if (changedFields(m_after, next->m_after) != changedFields(m_before, m_after) &&
        changedFields(m_before, m_after) != 0) {
        return false; // another field: its own undo step
    }
    m_after = next->m_after;
    setObsolete(m_after == m_before);
    return true;
}

} // namespace nw::app
