#pragma once
// The Design mode's first form: the model's layers (output shape, parameters, FLOPs) and its
// problems, read from the ProjectDocument. The node-graph canvas replaces the layer table
// with the editor issue; the problems list stays.

#include <QWidget>

class QTreeWidget;
class QListWidget;

namespace nw::app {
class ProjectDocument;
}

namespace nw::ui {

class DesignPage : public QWidget {
    Q_OBJECT
public:
    explicit DesignPage(app::ProjectDocument& document, QWidget* parent = nullptr);

    QTreeWidget* layerTable() const { return m_layers; }
    QListWidget* problemList() const { return m_problems; }

private:
    void refresh();

    app::ProjectDocument& m_document;
    QTreeWidget* m_layers;
    QListWidget* m_problems;
};

} // namespace nw::ui
