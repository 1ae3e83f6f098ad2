#include "app/commands/data_settings_command.h"

#include "app/project_document.h"

namespace nw::app {

DataSettingsCommand::DataSettingsCommand(ProjectDocument& document, DataSettings before,
                                         DataSettings after, const QString& text, int mergeKey)
    : QUndoCommand(text)
    , m_document(document)
    , m_before(std::move(before))
    , m_after(std::move(after))
    , m_mergeKey(mergeKey) {}

void DataSettingsCommand::redo() {
    m_document.applyDataSettings(m_after);
}

void DataSettingsCommand::undo() {
    m_document.applyDataSettings(m_before);
}

bool DataSettingsCommand::mergeWith(const QUndoCommand* other) {
    const auto* next = dynamic_cast<const DataSettingsCommand*>(other);
    if (!next || next->m_mergeKey != m_mergeKey || m_mergeKey < 0) {
        return false;
    }
    m_after = next->m_after;
    setObsolete(m_after == m_before);
    return true;
}

} // namespace nw::app
