#include "ui/design_page.h"

#include "app/block_library.h"
#include "app/project_document.h"
#include "graph/fragment.h"
#include "graph/summary.h"
#include "ui/graph_editor/graph_scene.h"
#include "ui/graph_editor/graph_view.h"
#include "ui/graph_editor/inspector.h"
#include "ui/graph_editor/node_item.h"
#include "ui/graph_editor/op_palette.h"
#include "ui/graph_editor/quick_add_popup.h"

#include <QAction>
#include <QClipboard>
#include <QGuiApplication>
#include <QHeaderView>
#include <QListWidget>
#include <QMenu>
#include <QMimeData>
#include <QScrollArea>
#include <QSplitter>
#include <QStyle>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <cmath>
#include <limits>

namespace nw::ui {

namespace {

constexpr const char* kFragmentMime = "application/x-netwright-fragment";

QString shapesText(const std::vector<graph::Shape>& shapes, const std::string& op) {
    if (shapes.empty()) {
        return op == "Loss" ? QStringLiteral("—") : QStringLiteral("?");
    }
    QStringList parts;
    for (const auto& s : shapes) {
        parts << QString::fromStdString(s.toString());
    }
    return parts.join(QStringLiteral(", "));
}

} // namespace

DesignPage::DesignPage(app::ProjectDocument& document, QWidget* parent)
    : QWidget(parent)
    , m_document(document)
    , m_scene(new GraphScene(document, this))
    , m_view(new GraphView(m_scene, this))
    , m_palette(new OpPalette(document.registry(), this))
    , m_inspector(new Inspector(document, this))
    , m_quickAdd(new QuickAddPopup(document.registry(), this))
    , m_bottom(new QTabWidget(this))
    , m_layers(new QTreeWidget(this))
    , m_problems(new QListWidget(this))
    , m_blocks(std::make_unique<app::BlockLibrary>()) {
    m_layers->setColumnCount(6);
    m_layers->setHeaderLabels(
        {tr("Node"), tr("Op"), tr("Output shape"), tr("Parameters"), tr("FLOPs"), tr("Device")});
    m_layers->setRootIsDecorated(false);
    m_layers->setAlternatingRowColors(true);
    m_layers->setUniformRowHeights(true);
    m_layers->header()->setStretchLastSection(false);
    m_layers->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_layers->header()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_bottom->addTab(m_problems, tr("Problems"));
    m_bottom->addTab(m_layers, tr("Layers"));
    m_bottom->setDocumentMode(true);

    auto* inspectorScroll = new QScrollArea(this);
    inspectorScroll->setWidget(m_inspector);
    inspectorScroll->setWidgetResizable(true);
    inspectorScroll->setFrameShape(QFrame::NoFrame);

    auto* centre = new QSplitter(Qt::Vertical, this);
    centre->addWidget(m_view);
    centre->addWidget(m_bottom);
    centre->setStretchFactor(0, 5);
    centre->setStretchFactor(1, 1);
    centre->setSizes({660, 110});

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_palette);
    splitter->addWidget(centre);
    splitter->addWidget(inspectorScroll);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({190, 800, 290});

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    buildActions();
    connect(&m_document, &app::ProjectDocument::changed, this, &DesignPage::refresh);
    connect(m_scene, &QGraphicsScene::selectionChanged, this, [this] {
        const QStringList ids = m_scene->selectedNodeIds();
        m_inspector->setNode(ids.size() == 1 ? ids.front() : QString());
        refreshFreezeActions();
    });
    connect(m_problems, &QListWidget::itemClicked, this, &DesignPage::showProblem);
    connect(m_problems, &QListWidget::itemActivated, this, &DesignPage::showProblem);
    connect(m_palette, &OpPalette::opActivated, this, [this](const QString& op) {
        (void)m_view->dropOp(op, m_view->mapToScene(m_view->viewport()->rect().center()));
    });
    connect(m_view, &GraphView::quickAddRequested, this,
            [this](QPointF scenePos, QPoint globalPos) {
                m_quickAdd->setProperty("scenePos", scenePos);
                m_quickAdd->popup(globalPos);
            });
    connect(m_quickAdd, &QuickAddPopup::chosen, this, [this](const QString& op) {
        (void)m_view->dropOp(op, m_quickAdd->property("scenePos").toPointF());
        m_view->setFocus();
    });
    connect(m_view, &GraphView::message, this, &DesignPage::message);
    // Right-click: add a layer there, or act on the selection.
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QWidget::customContextMenuRequested, this, [this](QPoint pos) {
        QMenu menu(this);
        const QPointF scenePos = m_view->mapToScene(pos);
        const QPoint global = m_view->viewport()->mapToGlobal(pos);
        menu.addAction(tr("Add Layer…"), this, [this, scenePos, global] {
            m_quickAdd->setProperty("scenePos", scenePos);
            m_quickAdd->popup(global);
        });
        menu.addSeparator();
        for (QAction* action : std::as_const(m_editActions)) {
            if (action && action->shortcut() != QKeySequence::Undo &&
                action->shortcut() != QKeySequence::Redo) {
                menu.addAction(action);
            }
        }
        menu.exec(global);
    });
    refresh();
}

void DesignPage::buildActions() {
    auto add = [this](QList<QAction*>& list, const QString& text, const QKeySequence& keys,
                      auto slot) {
        auto* action = new QAction(text, this);
        action->setShortcut(keys);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(action, &QAction::triggered, this, slot);
        addAction(action);
        list << action;
        return action;
    };
    QAction* undo = m_document.undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = m_document.undoStack()->createRedoAction(this, tr("&Redo"));
    // The platform's Redo (Ctrl+Shift+Z on most Linux desktops) and Ctrl+Y, which users of
    // every other editor expect as well.
    QList<QKeySequence> redoKeys = QKeySequence::keyBindings(QKeySequence::Redo);
    if (!redoKeys.contains(QKeySequence(Qt::CTRL | Qt::Key_Y))) {
        redoKeys << QKeySequence(Qt::CTRL | Qt::Key_Y);
    }
    redo->setShortcuts(redoKeys);
    m_editActions << undo << redo << nullptr;
    add(m_editActions, tr("&Copy"), QKeySequence::Copy, [this] { copySelection(); });
    add(m_editActions, tr("&Paste"), QKeySequence::Paste, [this] {
        if (auto ids = paste(); !ids) {
            emit message(QString::fromStdString(ids.error().message));
        }
    });
    add(m_editActions, tr("D&uplicate"), QKeySequence(Qt::CTRL | Qt::Key_D),
        [this] { (void)duplicateSelection(); });
    add(m_editActions, tr("&Delete"), QKeySequence::Delete, [this] {
        if (auto status = m_scene->deleteSelection(); !status) {
            emit message(QString::fromStdString(status.error().message));
        }
    });
    add(m_editActions, tr("Select &All"), QKeySequence::SelectAll, [this] {
        for (auto* item : m_scene->items()) {
            if (item->type() == NodeItem::Type) {
                item->setSelected(true);
            }
        }
    });
    m_editActions << nullptr;
    add(m_editActions, tr("Auto &Layout"), QKeySequence(Qt::CTRL | Qt::Key_L), [this] {
        (void)m_document.autoLayout(
            m_scene->selectedNodeIds().size() > 1 ? m_scene->selectedNodeIds() : QStringList());
        m_view->fitToGraph();
    });
    m_editActions << nullptr;
    auto freeze = [this](bool trainable) {
        if (auto status = setSelectionTrainable(trainable); !status) {
            emit message(QString::fromStdString(status.error().message));
        }
    };
    m_freeze = add(m_editActions, tr("&Freeze"), QKeySequence(), [freeze] { freeze(false); });
    m_freeze->setToolTip(tr("Keep the selected nodes' parameters as they are in training "
                            "(fine-tuning: freeze a pretrained backbone)"));
    m_unfreeze = add(m_editActions, tr("Un&freeze"), QKeySequence(), [freeze] { freeze(true); });
    m_unfreeze->setToolTip(tr("Train the selected nodes' parameters again"));
    buildBlockActions();
    add(m_viewActions, tr("&Fit to View"), QKeySequence(Qt::Key_F),
        [this] { m_view->fitToGraph(GraphView::kMinZoom); });
    add(m_viewActions, tr("Zoom &In"), QKeySequence::ZoomIn,
        [this] { m_view->zoomBy(1.25, m_view->viewport()->rect().center()); });
    add(m_viewActions, tr("Zoom &Out"), QKeySequence::ZoomOut,
        [this] { m_view->zoomBy(0.8, m_view->viewport()->rect().center()); });
    add(m_viewActions, tr("&Actual Size"), QKeySequence(Qt::CTRL | Qt::Key_0),
        [this] { m_view->setZoom(1.0); });
}

void DesignPage::copySelection() {
    const QStringList ids = m_scene->selectedNodeIds();
    if (ids.isEmpty()) {
        return;
    }
    const QString json = m_document.copyFragment(ids);
    auto* mime = new QMimeData;
    mime->setData(kFragmentMime, json.toUtf8());
    mime->setText(json);
    QGuiApplication::clipboard()->setMimeData(mime);
    m_pasteCascade = 0;
    emit message(tr("Copied %n node(s)", nullptr, static_cast<int>(ids.size())));
}

Expected<QStringList> DesignPage::paste() {
    const QMimeData* mime = QGuiApplication::clipboard()->mimeData();
    if (!mime) {
        return Error::user("the clipboard is empty");
    }
    const QString json = mime->hasFormat(kFragmentMime)
                             ? QString::fromUtf8(mime->data(kFragmentMime))
                             : mime->text();
    auto fragment = graph::fragmentFromJson(json.toStdString(), m_document.registry());
    if (!fragment) {
        return Error::user("the clipboard holds no Netwright nodes");
    }
    // Place the fragment's top-left at the view's centre, cascading repeated pastes.
    double left = std::numeric_limits<double>::max(), top = left;
    for (const auto& n : fragment->nodes()) {
        left = std::min(left, n.position.x);
        top = std::min(top, n.position.y);
    }
    m_pasteCascade = json == m_lastPaste ? m_pasteCascade + 1 : 0;
    m_lastPaste = json;
    const QPointF centre = m_view->mapToScene(m_view->viewport()->rect().center());
    const double g = CardGeometry::kGrid;
    const QPointF offset(std::round((centre.x() - CardGeometry::kWidth / 2 - left) / g) * g +
                             30.0 * m_pasteCascade,
                         std::round((centre.y() - top) / g) * g + 30.0 * m_pasteCascade);
    auto ids = m_document.pasteFragment(json, offset);
    if (ids) {
        m_scene->selectNodes(*ids);
    }
    return ids;
}

Expected<QStringList> DesignPage::duplicateSelection() {
    auto ids = m_document.duplicate(m_scene->selectedNodeIds());
    if (ids) {
        m_scene->selectNodes(*ids);
    }
    return ids;
}

QStringList DesignPage::trainableTargets(bool trainable) const {
    QStringList ids;
    for (const QString& id : m_scene->selectedNodeIds()) {
        const graph::Node* node = m_document.graph().findNode(id.toStdString());
        if (!node || node->trainable == trainable) {
            continue;
        }
        // Freezing a node without parameters (an activation, a pooling layer) changes nothing:
        // a selected backbone freezes its layers with weights only.
        const auto* schema = m_document.registry().find(node->op);
        if (trainable || (schema && schema->params)) {
            ids << id;
        }
    }
    return ids;
}

Status DesignPage::setSelectionTrainable(bool trainable) {
    const QStringList ids = trainableTargets(trainable);
    if (ids.isEmpty()) {
        return Error::user(trainable ? "none of the selected nodes is frozen"
                                     : "none of the selected nodes has parameters to freeze");
    }
    auto status = m_document.setTrainable(ids, trainable);
    if (status) {
        emit message(trainable ? tr("Unfroze %n node(s)", nullptr, static_cast<int>(ids.size()))
                               : tr("Froze %n node(s)", nullptr, static_cast<int>(ids.size())));
    }
    return status;
}

void DesignPage::refreshFreezeActions() {
    if (m_freeze) {
        m_freeze->setEnabled(!trainableTargets(false).isEmpty());
        m_unfreeze->setEnabled(!trainableTargets(true).isEmpty());
    }
}

void DesignPage::showProblem(QListWidgetItem* item) {
    const QString id = item ? item->data(Qt::UserRole).toString() : QString();
    NodeItem* node = m_scene->nodeItem(id);
    if (!node) {
        return;
    }
    m_scene->selectNodes({id});
    m_view->centerOn(node);
}

void DesignPage::refresh() {
    if (m_document.filePath() != m_shownPath) { // a new project: show all of it
        m_shownPath = m_document.filePath();
        m_fitPending = true;
        m_inspector->setNode(QString());
    }
    fitIfPending();
    refreshTables();
    refreshFreezeActions();
}

void DesignPage::fitIfPending() {
    if (m_fitPending && m_view->isVisible() && m_view->viewport()->width() > 100) {
        m_fitPending = false;
        m_view->fitToGraph();
    }
}

void DesignPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    fitIfPending();
}

void DesignPage::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    fitIfPending();
}

void DesignPage::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) { // the system switched light/dark
        m_scene->setEditorStyle(EditorStyle::fromPalette());
    }
}

void DesignPage::setBackends(const engine::BackendRegistry* backends) {
    m_backends = backends;
    refreshTables();
}

void DesignPage::refreshTables() {
    const auto& analysis = m_document.analysis();
    auto summary = graph::summarize(m_document.project().graph, analysis);
    // Where each node would run on the project's device: there, or on the CPU for an op its
    // backend lacks (the plan's fallback), with the reason in the tooltip.
    const std::string& device = m_document.project().training.device;
    const graph::OpCoverage* coverage = nullptr;
    if (m_backends) {
        if (auto c = m_backends->opCoverage(device)) {
            coverage = *c;
        }
    }

    // Update rows in place when the table has the same length (an attribute edit, a move);
    // setText() ignores unchanged values, so a 1,000-row table costs little per edit.
    const bool inPlace = m_layers->topLevelItemCount() == static_cast<int>(summary.rows.size());
    if (!inPlace) {
        m_layers->clear();
    }
    QList<QTreeWidgetItem*> fresh;
    for (std::size_t r = 0; r < summary.rows.size(); ++r) {
        const auto& row = summary.rows[r];
        QTreeWidgetItem* item =
            inPlace ? m_layers->topLevelItem(static_cast<int>(r)) : new QTreeWidgetItem;
        item->setText(0, QString::fromStdString(row.node));
        item->setText(1, QString::fromStdString(row.op));
        item->setText(2, shapesText(row.outputs, row.op));
        const QString params = QString::fromStdString(graph::formatCount(row.params));
        item->setText(3, row.frozen ? tr("%1 (frozen)").arg(params) : params);
        item->setToolTip(3, row.frozen ? tr("Frozen: not trained") : QString());
        item->setText(4, QString::fromStdString(graph::formatCount(row.flops)));
        const bool lacks = coverage && !coverage->supports(row.op);
        item->setText(5, !coverage ? QStringLiteral("—")
                         : lacks   ? tr("cpu (fallback)")
                                   : QString::fromStdString(device));
        item->setToolTip(
            5, !coverage ? tr("%1 is not available here").arg(QString::fromStdString(device))
               : lacks   ? tr("%1 has no %2 kernel; this node runs on the CPU, with "
                                "copies around it")
                             .arg(QString::fromStdString(device), QString::fromStdString(row.op))
                       : QString());
        item->setTextAlignment(3, Qt::AlignRight | Qt::AlignVCenter);
        item->setTextAlignment(4, Qt::AlignRight | Qt::AlignVCenter);
        const auto* info = analysis.info(row.node);
        item->setForeground(0, info && !info->valid
                                   ? palette().brush(QPalette::Disabled, QPalette::Text)
                                   : palette().brush(QPalette::Active, QPalette::Text));
        if (!inPlace) {
            fresh << item;
        }
    }
    m_layers->addTopLevelItems(fresh);

    m_problems->clear();
    for (const auto& p : analysis.problems) {
        bool isError = p.severity == graph::Problem::Severity::Error;
        auto icon = style()->standardIcon(isError ? QStyle::SP_MessageBoxCritical
                                                  : QStyle::SP_MessageBoxWarning);
        auto* item = new QListWidgetItem(icon, QString::fromStdString(p.toString()), m_problems);
        item->setData(Qt::UserRole, QString::fromStdString(p.nodeId));
    }
    if (analysis.problems.empty()) {
        new QListWidgetItem(tr("No problems: the graph is valid."), m_problems);
    }
    m_bottom->setTabText(0, analysis.problems.empty()
                                ? tr("Problems")
                                : tr("Problems (%1)").arg(analysis.problems.size()));
}

} // namespace nw::ui
