#include "ui/experiments/graph_diff_view.h"

#include "app/project_document.h"
#include "graph/graph_diff.h"
#include "graph/op_registry.h"
#include "graph/project_file.h"
#include "ui/graph_editor/edge_item.h"
#include "ui/graph_editor/graph_scene.h"
#include "ui/graph_editor/graph_view.h"
#include "ui/graph_editor/minimap.h"
#include "ui/graph_editor/node_item.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace nw::ui {

namespace {

// Node rows hold their id in Qt::UserRole; edge rows hold the edge's ends here.
constexpr int kEdgeRole = Qt::UserRole + 1;

const graph::OpRegistry& coreRegistry() {
    static const graph::OpRegistry registry = graph::makeCoreRegistry();
    return registry;
}

QString q(const std::string& s) {
    return QString::fromStdString(s);
}

QStringList edgeData(const graph::Edge& e) {
    return {q(e.from.node), QString::number(e.from.port), q(e.to.node), QString::number(e.to.port)};
}

} // namespace

GraphDiffView::GraphDiffView(QWidget* parent)
    : QWidget(parent)
    , m_document(std::make_unique<app::ProjectDocument>(coreRegistry()))
    , m_scene(new GraphScene(*m_document, this))
    , m_view(new GraphView(m_scene, this))
    , m_list(new QTreeWidget(this))
    , m_title(new QLabel(this))
    , m_summary(new QLabel(this))
    , m_legend(new QLabel(this))
    , m_placeholder(new QLabel(this))
    , m_stack(new QStackedWidget(this)) {
    m_scene->setReadOnly(true);
    m_view->setAcceptDrops(false);
    m_view->minimap()->setSwitchedOn(false); // the canvas is small and fitted to the graph
    m_list->setHeaderHidden(true);
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_title->setTextFormat(Qt::PlainText);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    m_summary->setTextFormat(Qt::PlainText);
    m_legend->setTextFormat(Qt::RichText);
    m_stack->addWidget(m_view);
    m_stack->addWidget(m_placeholder);

    m_summary->setWordWrap(true);
    auto* header = new QHBoxLayout();
    header->setContentsMargins(4, 2, 4, 0);
    header->addWidget(m_title);
    header->addWidget(m_summary, 1);
    m_legend->setContentsMargins(4, 0, 4, 2);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_stack);
    split->addWidget(m_list);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    split->setSizes({3000, 1000}); // scaled to the width it gets
    m_list->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_list->header()->setStretchLastSection(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(header);
    layout->addWidget(m_legend);
    layout->addWidget(split, 1);

    connect(m_list, &QTreeWidget::currentItemChanged, this,
            [this](QTreeWidgetItem* row) { selectRow(row); });
    connect(m_scene, &QGraphicsScene::selectionChanged, this, &GraphDiffView::selectRowOfCanvas);
    updateLegend();
    clear(tr("Select two runs to see how their graphs differ."));
}

GraphDiffView::~GraphDiffView() {
    // The scene observes the document: it goes first.
    delete m_view;
    delete m_scene;
}

QString GraphDiffView::summary() const {
    return m_summary->text();
}

void GraphDiffView::clear(const QString& message) {
    m_state = State::Empty;
    m_list->clear();
    m_scene->clearDiffMarks();
    m_document->reset({});
    m_title->clear();
    m_summary->setText(message);
    m_placeholder->setText(message);
    m_legend->hide();
    m_stack->setCurrentWidget(m_placeholder);
}

void GraphDiffView::compare(const std::string& before, const std::string& after,
                            const QString& title) {
    clear({});
    m_title->setText(title);
    auto older = graph::parseProject(before, "run", coreRegistry());
    auto newer = graph::parseProject(after, "run", coreRegistry());
    if (!older || !newer) {
        m_state = State::Error;
        const QString message = tr("Cannot read a run's project: %1")
                                    .arg(q((older ? newer.error() : older.error()).message));
        new QTreeWidgetItem(m_list, {message});
        m_summary->setText(message);
        m_placeholder->setText(message);
        return;
    }
    const graph::GraphDiff diff = graph::diffGraphs(older->graph, newer->graph);
    fillList(diff);
    if (diff.empty()) {
        m_state = State::Identical;
        m_summary->setText(tr("No graph differences"));
        m_placeholder->setText(tr("No graph differences: both runs trained the same graph."));
        return;
    }
    m_state = State::Different;
    QString text = tr("Nodes: %1 added, %2 removed, %3 changed")
                       .arg(diff.addedNodes.size())
                       .arg(diff.removedNodes.size())
                       .arg(diff.changedNodes.size());
    if (!diff.addedEdges.empty() || !diff.removedEdges.empty()) {
        text += tr(" · Edges: %1 added, %2 removed")
                    .arg(diff.addedEdges.size())
                    .arg(diff.removedEdges.size());
    }
    m_summary->setText(text);

    // The marks, and what the cards show: the newer graph's shapes and costs, the older
    // one's for the nodes it alone has.
    DiffMarks marks;
    for (const auto& id : diff.addedNodes) {
        marks.nodes.insert(q(id), {DiffStatus::Added, {}});
    }
    for (const auto& id : diff.removedNodes) {
        marks.nodes.insert(q(id), {DiffStatus::Removed, {}});
    }
    for (const auto& change : diff.changedNodes) {
        QStringList details;
        for (const auto& d : change.details) {
            details << q(d);
        }
        marks.nodes.insert(q(change.id), {DiffStatus::Changed, details});
    }
    marks.addedEdges = diff.addedEdges;
    marks.removedEdges = diff.removedEdges;
    marks.analysis = graph::analyze(newer->graph, coreRegistry());
    const auto olderAnalysis = graph::analyze(older->graph, coreRegistry());
    for (const auto& id : diff.removedNodes) {
        if (const auto* info = olderAnalysis.info(id)) {
            marks.analysis.nodes.emplace(id, *info);
        }
    }
    marks.analysis.problems.clear(); // the union is no graph to validate

    graph::Project project;
    project.name = newer->name;
    project.graph = graph::diffUnion(older->graph, newer->graph);
    m_scene->setDiffMarks(std::move(marks)); // before the document: one sync with the marks
    m_document->reset(std::move(project));
    m_legend->show();
    m_stack->setCurrentWidget(m_view);
    if (isVisible()) {
        QTimer::singleShot(0, this, &GraphDiffView::fitToView);
    }
}

void GraphDiffView::fillList(const graph::GraphDiff& diff) {
    auto section = [this](const QString& title, const std::vector<std::string>& ids) {
        if (ids.empty()) {
            return;
        }
        auto* item = new QTreeWidgetItem(m_list, {title});
        for (const auto& id : ids) {
            auto* row = new QTreeWidgetItem(item, {q(id)});
            row->setData(0, Qt::UserRole, q(id));
        }
    };
    section(tr("Added nodes"), diff.addedNodes);
    section(tr("Removed nodes"), diff.removedNodes);
    if (!diff.changedNodes.empty()) {
        auto* changed = new QTreeWidgetItem(m_list, {tr("Changed nodes")});
        for (const auto& c : diff.changedNodes) {
            auto* node = new QTreeWidgetItem(changed, {q(c.id)});
            node->setData(0, Qt::UserRole, q(c.id));
            for (const auto& d : c.details) {
                new QTreeWidgetItem(node, {q(d)});
            }
        }
    }
    if (!diff.addedEdges.empty() || !diff.removedEdges.empty()) {
        auto* edges = new QTreeWidgetItem(m_list, {tr("Edges")});
        auto add = [edges](const char* sign, const graph::Edge& e) {
            auto* row = new QTreeWidgetItem(edges, {q(sign + graph::edgeToString(e))});
            row->setData(0, kEdgeRole, edgeData(e));
        };
        for (const auto& e : diff.addedEdges) {
            add("+ ", e);
        }
        for (const auto& e : diff.removedEdges) {
            add("- ", e);
        }
    }
    if (diff.empty()) {
        new QTreeWidgetItem(m_list, {tr("No differences: the same graph")});
    }
    m_list->expandAll();
}

void GraphDiffView::selectRow(QTreeWidgetItem* row) {
    if (m_selecting || !row) {
        return;
    }
    // A changed node's detail row stands for its node.
    if (row->data(0, Qt::UserRole).isNull() && row->parent() &&
        !row->parent()->data(0, Qt::UserRole).isNull()) {
        row = row->parent();
    }
    QGraphicsItem* target = nullptr;
    m_selecting = true;
    if (const QString id = row->data(0, Qt::UserRole).toString(); !id.isEmpty()) {
        m_scene->selectNodes({id});
        target = m_scene->nodeItem(id);
    } else if (const QStringList ends = row->data(0, kEdgeRole).toStringList(); ends.size() == 4) {
        const graph::Edge edge{{ends[0].toStdString(), ends[1].toInt()},
                               {ends[2].toStdString(), ends[3].toInt()}};
        m_scene->clearSelection();
        if (EdgeItem* item = m_scene->edgeItem(edge)) {
            item->setSelected(true);
            target = item;
        }
    }
    m_selecting = false;
    if (target) {
        if (m_view->zoom() < 0.7) { // close enough to read the card
            m_view->setZoom(0.8);
        }
        m_view->centerOn(target);
    }
}

void GraphDiffView::selectRowOfCanvas() {
    if (m_selecting) {
        return;
    }
    const QStringList ids = m_scene->selectedNodeIds();
    if (ids.size() != 1) {
        return;
    }
    const auto rows = m_list->findItems(ids.front(), Qt::MatchExactly | Qt::MatchRecursive);
    for (QTreeWidgetItem* row : rows) {
        if (row->data(0, Qt::UserRole).toString() == ids.front()) {
            m_selecting = true;
            m_list->setCurrentItem(row);
            m_selecting = false;
            return;
        }
    }
}

void GraphDiffView::fitToView() {
    m_view->fitToGraph(GraphView::kMinZoom);
}

void GraphDiffView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    QTimer::singleShot(0, this, &GraphDiffView::fitToView); // once laid out
}

void GraphDiffView::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) { // the system switched light/dark
        m_scene->setEditorStyle(EditorStyle::fromPalette());
        updateLegend();
    }
}

void GraphDiffView::updateLegend() {
    const EditorStyle& style = m_scene->editorStyle();
    auto swatch = [](const QColor& colour, const QString& label) {
        return QStringLiteral("<span style=\"color:%1\">&#9632;</span>&nbsp;%2")
            .arg(colour.name(), label.toHtmlEscaped());
    };
    m_legend->setText(QStringList{
        swatch(style.diffAdded, tr("added")), swatch(style.diffRemoved, tr("removed")),
        swatch(style.diffChanged, tr("changed")), swatch(style.edge, tr("unchanged (dimmed)"))}
                          .join(QStringLiteral("&nbsp;&nbsp;&nbsp;")));
}

} // namespace nw::ui
