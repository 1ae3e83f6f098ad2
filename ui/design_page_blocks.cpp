// DesignPage's block actions: group the selection into a named block, ungroup, collapse or
// expand, rename, save to the block library and insert from it. Every change goes through
// the ProjectDocument as one undo step.
#include "app/block_library.h"
#include "app/project_document.h"
#include "graph/fragment.h"
#include "ui/design_page.h"
#include "ui/graph_editor/graph_scene.h"
#include "ui/graph_editor/graph_view.h"

#include <QAction>
#include <QInputDialog>
#include <QMenu>
#include <algorithm>
#include <limits>

namespace nw::ui {

DesignPage::~DesignPage() = default;

void DesignPage::setBlockLibrary(std::unique_ptr<app::BlockLibrary> library) {
    m_blocks = std::move(library);
}

QString DesignPage::askName(const QString& title, const QString& suggested) {
    if (m_namePrompt) {
        return m_namePrompt(title, suggested);
    }
    bool ok = false;
    const QString name =
        QInputDialog::getText(this, title, tr("Block name:"), QLineEdit::Normal, suggested, &ok);
    return ok ? name.trimmed() : QString();
}

void DesignPage::buildBlockActions() {
    auto add = [this](const QString& text, const QKeySequence& keys, auto slot) {
        auto* action = new QAction(text, this);
        action->setShortcut(keys);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(action, &QAction::triggered, this, slot);
        addAction(action);
        m_editActions << action;
        return action;
    };
    auto report = [this](const Status& status) {
        if (!status) {
            emit message(QString::fromStdString(status.error().message));
        }
    };
    m_editActions << nullptr;
    add(tr("&Group into Block…"), QKeySequence(Qt::CTRL | Qt::Key_G), [this, report] {
        const QStringList ids = m_scene->selectedNodeIds();
        if (ids.isEmpty()) {
            emit message(tr("Select the nodes to group first."));
            return;
        }
        const int n = static_cast<int>(m_document.graph().groups().size()) + 1;
        const QString name = askName(tr("Group into Block"), tr("Block %1").arg(n));
        if (!name.isEmpty()) {
            auto id = groupSelection(name);
            report(id ? Status::success() : Status(id.error()));
        }
    });
    add(tr("U&ngroup Block"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_G),
        [this, report] { report(ungroupSelection()); });
    add(tr("Collapse / E&xpand Block"), QKeySequence(Qt::CTRL | Qt::Key_E),
        [this, report] { report(toggleSelectedGroup()); });
    add(tr("Rena&me Block…"), QKeySequence(), [this] {
        if (const QString id = m_scene->selectedGroupId(); !id.isEmpty()) {
            renameGroup(id);
        }
    });
    add(tr("Save Block to &Library"), QKeySequence(),
        [this, report] { report(saveSelectedBlock()); });
    QAction* insert = add(tr("&Insert Block"), QKeySequence(), [] {});
    auto* menu = new QMenu(this);
    insert->setMenu(menu);
    connect(menu, &QMenu::aboutToShow, this, [this, menu] {
        menu->clear();
        const QStringList names = m_blocks->names();
        for (const QString& name : names) {
            menu->addAction(name, this, [this, name] {
                if (auto ids = insertBlock(name); !ids) {
                    emit message(QString::fromStdString(ids.error().message));
                }
            });
        }
        if (names.isEmpty()) {
            menu->addAction(tr("No saved blocks"))->setEnabled(false);
        }
    });
    connect(m_scene, &GraphScene::groupRenameRequested, this, &DesignPage::renameGroup);
}

void DesignPage::renameGroup(const QString& id) {
    const auto* group = m_document.graph().findGroup(id.toStdString());
    if (!group) {
        return;
    }
    const QString name = askName(tr("Rename Block"), QString::fromStdString(group->name));
    if (!name.isEmpty()) {
        if (auto status = m_document.renameGroup(id, name); !status) {
            emit message(QString::fromStdString(status.error().message));
        }
    }
}

Expected<QString> DesignPage::groupSelection(const QString& name) {
    return m_document.groupNodes(m_scene->selectedNodeIds(), name);
}

Status DesignPage::ungroupSelection() {
    const QString id = m_scene->selectedGroupId();
    if (id.isEmpty()) {
        return Error::user("select a block (or the nodes of one) to ungroup");
    }
    const auto* group = m_document.graph().findGroup(id.toStdString());
    QStringList members;
    for (const auto& n : group->nodes) {
        members << QString::fromStdString(n);
    }
    auto status = m_document.ungroup(id);
    if (status) {
        m_scene->selectNodes(members);
    }
    return status;
}

Status DesignPage::toggleSelectedGroup() {
    const QString id = m_scene->selectedGroupId();
    const auto* group = m_document.graph().findGroup(id.toStdString());
    if (!group) {
        return Error::user("select a block (or the nodes of one) to collapse or expand");
    }
    return m_document.setGroupCollapsed(id, !group->collapsed);
}

Status DesignPage::saveSelectedBlock() {
    const QString id = m_scene->selectedGroupId();
    const auto* group = m_document.graph().findGroup(id.toStdString());
    if (!group) {
        return Error::user("select a block to save it to the library");
    }
    const QString name = QString::fromStdString(group->name);
    auto status = m_blocks->save(name, m_document.copyGroup(id));
    if (status) {
        emit message(tr("Saved block '%1' to the library").arg(name));
    }
    return status;
}

Expected<QStringList> DesignPage::insertBlock(const QString& name) {
    auto json = m_blocks->load(name);
    if (!json) {
        return json.error();
    }
    auto parsed = graph::fragmentFromJson(json->toStdString(), m_document.registry());
    if (!parsed) {
        return parsed.error();
    }
    // Its top-left lands at the centre of the view.
    QPointF topLeft(std::numeric_limits<double>::max(), std::numeric_limits<double>::max());
    for (const auto& n : parsed->nodes()) {
        topLeft = QPointF(std::min(topLeft.x(), n.position.x), std::min(topLeft.y(), n.position.y));
    }
    const QPointF centre = m_view->mapToScene(m_view->viewport()->rect().center());
    auto fragment =
        m_document.pasteFragment(*json, parsed->nodes().empty() ? QPointF() : centre - topLeft);
    if (!fragment) {
        return fragment.error();
    }
    m_scene->selectNodes(*fragment);
    return fragment;
}

} // namespace nw::ui
