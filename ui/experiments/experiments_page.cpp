#include "ui/experiments/experiments_page.h"

#include "ui/experiments/run_comparison.h"
#include "ui/experiments/runs_model.h"
#include "ui/training/evaluation_panel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>
#include <filesystem>

namespace nw::ui {

ExperimentsPage::ExperimentsPage(QWidget* parent)
    : QWidget(parent)
    , m_model(new RunsModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_table(new QTableView(this))
    , m_filter(new QLineEdit(this))
    , m_message(new QLabel(this))
    , m_comparison(new RunComparison(this))
    , m_details(new QTabWidget(this))
    , m_poll(new QTimer(this)) {
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(Qt::UserRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RunsModel::Id, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_filter->setPlaceholderText(tr("Filter runs (name, status, tag, optimizer…)"));
    m_filter->setClearButtonEnabled(true);

    auto* bar = new QHBoxLayout();
    bar->addWidget(m_filter, 1);
    auto addButton = [&](const QString& text, void (ExperimentsPage::*slot)(), bool selection) {
        auto* b = new QPushButton(text, this);
        connect(b, &QPushButton::clicked, this, slot);
        bar->addWidget(b);
        if (selection) {
            m_selectionButtons << b;
        }
        return b;
    };
    addButton(tr("Refresh"), &ExperimentsPage::reload, false);
    addButton(tr("Rename…"), &ExperimentsPage::askRename, true);
    addButton(tr("Tags…"), &ExperimentsPage::askTags, true);
    addButton(tr("Notes…"), &ExperimentsPage::askNotes, true);
    addButton(tr("Delete…"), &ExperimentsPage::askDelete, true);
    addButton(tr("Open project"), &ExperimentsPage::openSelected, true);
    addButton(tr("Resume"), &ExperimentsPage::resumeSelected, true);
    m_evaluateButton = new QPushButton(tr("Evaluate"), this);
    m_evaluateButton->setToolTip(tr("Evaluate the selected run's newest checkpoint on its test "
                                    "split (Evaluation tab)"));
    m_evaluateButton->setVisible(false); // until setTrainingController()
    connect(m_evaluateButton, &QPushButton::clicked, this, [this] { (void)evaluateSelected(); });
    bar->addWidget(m_evaluateButton);

    auto* top = new QWidget(this);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addLayout(bar);
    topLayout->addWidget(m_table, 1);
    topLayout->addWidget(m_message);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    m_details->addTab(m_comparison, tr("Comparison"));
    split->addWidget(m_details);
    (new QVBoxLayout(this))->addWidget(split);

    connect(m_filter, &QLineEdit::textChanged, m_proxy,
            &QSortFilterProxyModel::setFilterFixedString);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ExperimentsPage::updateComparison);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, &ExperimentsPage::showContextMenu);
    m_poll->setInterval(kPollMilliseconds);
    connect(m_poll, &QTimer::timeout, this, &ExperimentsPage::poll);
    updateComparison();
}

void ExperimentsPage::setTrainingController(app::TrainingController* controller) {
    if (m_evaluation || !controller) {
        return;
    }
    m_evaluation = new EvaluationPanel(*controller, EvaluationPanel::Target::StoredRun, this);
    m_details->addTab(m_evaluation, tr("Evaluation"));
    m_evaluateButton->setVisible(true);
    updateComparison();
}

ExperimentsPage::~ExperimentsPage() = default;

void ExperimentsPage::setDatabasePath(const QString& path) {
    m_databasePath = path;
    m_store.reset();
}

void ExperimentsPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    reload();
    m_poll->start();
}

void ExperimentsPage::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    m_poll->stop();
}

void ExperimentsPage::poll() {
    if (!m_loadedOnce) {
        reload();
        return;
    }
    if (!ensureStore()) {
        return;
    }
    const QList<qint64> selected = selectedRuns();
    auto changed = m_model->refresh(*m_store);
    if (!changed) {
        m_message->setText(QString::fromStdString(changed.error().message));
        return;
    }
    updateMessage();
    if (selectedRuns() != selected) { // a selected run was deleted elsewhere
        updateComparison();
        return;
    }
    for (std::int64_t id : *changed) {
        if (selected.contains(id)) { // a selected run moved on: its curves and status
            updateComparison();
            return;
        }
    }
}

void ExperimentsPage::updateMessage() {
    m_message->setText(tr("%n run(s) in %1", nullptr, m_model->rowCount())
                           .arg(QString::fromStdString(m_store->path().string())));
}

bool ExperimentsPage::evaluateSelected() {
    const QList<qint64> ids = selectedRuns();
    if (!m_evaluation) {
        return false;
    }
    if (ids.size() != 1) {
        m_message->setText(tr("Select one run to evaluate."));
        return false;
    }
    m_details->setCurrentWidget(m_evaluation);
    if (!m_evaluation->evaluateRun(ids.front())) {
        m_message->setText(tr("An evaluation is already running; wait for it to finish."));
        return false;
    }
    return true;
}

void ExperimentsPage::showContextMenu(const QPoint& pos) {
    if (!m_table->indexAt(pos).isValid()) {
        return;
    }
    const QList<qint64> ids = selectedRuns();
    QMenu menu(this);
    if (m_evaluation) {
        QAction* evaluate = menu.addAction(tr("Evaluate"), this, [this] { evaluateSelected(); });
        evaluate->setEnabled(ids.size() == 1 && m_evaluateButton->isEnabled());
        menu.addSeparator();
    }
    menu.addAction(tr("Open project"), this, &ExperimentsPage::openSelected);
    menu.addAction(tr("Resume"), this, &ExperimentsPage::resumeSelected);
    menu.addSeparator();
    menu.addAction(tr("Rename…"), this, &ExperimentsPage::askRename);
    menu.addAction(tr("Tags…"), this, &ExperimentsPage::askTags);
    menu.addAction(tr("Notes…"), this, &ExperimentsPage::askNotes);
    menu.addAction(tr("Delete…"), this, &ExperimentsPage::askDelete);
    menu.exec(m_table->viewport()->mapToGlobal(pos));
}

bool ExperimentsPage::ensureStore() {
    if (m_store) {
        return true;
    }
    const auto path = tracking::defaultDatabasePath(m_databasePath.toStdString());
    auto store = tracking::ExperimentStore::open(path);
    if (!store) {
        m_message->setText(QString::fromStdString(store.error().message));
        return false;
    }
    m_store = std::move(*store);
    return true;
}

void ExperimentsPage::reload() {
    if (!ensureStore()) {
        return;
    }
    QList<qint64> selected = selectedRuns();
    if (auto s = m_model->reload(*m_store); !s) {
        m_message->setText(QString::fromStdString(s.error().message));
        return;
    }
    if (!m_loadedOnce) { // first look: the newest run against the one before it
        m_loadedOnce = true;
        for (int row = 0; row < std::min(2, m_model->rowCount()); ++row) {
            selected << m_model->row(row).run.id;
        }
        m_table->resizeColumnsToContents();
    }
    updateMessage();
    selectRuns(selected);
}

QList<qint64> ExperimentsPage::selectedRuns() const {
    QList<qint64> ids;
    for (const QModelIndex& i : m_table->selectionModel()->selectedRows()) {
        ids << m_model->row(m_proxy->mapToSource(i).row()).run.id;
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

void ExperimentsPage::selectRuns(const QList<qint64>& ids) {
    QItemSelection selection;
    for (qint64 id : ids) {
        const int row = m_model->rowOf(id);
        if (row >= 0) {
            const QModelIndex i = m_proxy->mapFromSource(m_model->index(row, 0));
            if (i.isValid()) {
                selection.select(i, i);
            }
        }
    }
    m_table->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect |
                                                     QItemSelectionModel::Rows);
    updateComparison();
}

void ExperimentsPage::updateComparison() {
    const QList<qint64> ids = selectedRuns();
    for (QPushButton* b : m_selectionButtons) {
        b->setEnabled(!ids.isEmpty());
    }
    m_evaluateButton->setEnabled(ids.size() == 1);
    if (m_evaluation) {
        const int row = ids.size() == 1 ? m_model->rowOf(ids.front()) : -1;
        m_evaluation->setRun(row >= 0 ? ids.front() : 0,
                             row >= 0 ? QString::fromStdString(m_model->row(row).run.name)
                                      : QString());
    }
    std::vector<RunRow> rows;
    for (qint64 id : ids) {
        rows.push_back(m_model->row(m_model->rowOf(id)));
    }
    if (m_store) {
        m_comparison->setRuns(*m_store, rows);
    }
}

Status ExperimentsPage::renameRun(qint64 id, const QString& name) {
    Status s = ensureStore() ? m_store->renameRun(id, name.toStdString())
                             : Status(Error::user("no experiment store"));
    reload();
    return s;
}

Status ExperimentsPage::setTags(qint64 id, const QStringList& tags) {
    std::vector<std::string> list;
    for (const QString& t : tags) {
        if (!t.trimmed().isEmpty()) {
            list.push_back(t.trimmed().toStdString());
        }
    }
    Status s =
        ensureStore() ? m_store->setTags(id, list) : Status(Error::user("no experiment store"));
    reload();
    return s;
}

Status ExperimentsPage::setNotes(qint64 id, const QString& notes) {
    Status s = ensureStore() ? m_store->setNotes(id, notes.toStdString())
                             : Status(Error::user("no experiment store"));
    reload();
    return s;
}

Status ExperimentsPage::deleteRuns(const QList<qint64>& ids) {
    Status result = ensureStore() ? Status::success() : Status(Error::user("no experiment store"));
    for (qint64 id : ids) {
        if (result) {
            result = m_store->deleteRun(id);
        }
        if (result) { // its checkpoints too, as `netwright-cli runs delete` does
            std::error_code ec;
            std::filesystem::remove_all(tracking::runDirectory(m_store->path(), id), ec);
        }
    }
    reload();
    return result;
}

void ExperimentsPage::askRename() {
    const QList<qint64> ids = selectedRuns();
    if (ids.size() != 1) {
        m_message->setText(tr("Select one run to rename."));
        return;
    }
    const auto& r = m_model->row(m_model->rowOf(ids.front())).run;
    bool ok = false;
    const QString name =
        QInputDialog::getText(this, tr("Rename run"), tr("Name:"), QLineEdit::Normal,
                              QString::fromStdString(r.name), &ok);
    if (ok) {
        (void)renameRun(r.id, name);
    }
}

void ExperimentsPage::askTags() {
    const QList<qint64> ids = selectedRuns();
    if (ids.isEmpty()) {
        return;
    }
    QStringList current;
    for (const auto& t : m_model->row(m_model->rowOf(ids.front())).run.tags) {
        current << QString::fromStdString(t);
    }
    bool ok = false;
    const QString text =
        QInputDialog::getText(this, tr("Tags"), tr("Comma-separated tags:"), QLineEdit::Normal,
                              current.join(QStringLiteral(", ")), &ok);
    if (ok) {
        for (qint64 id : ids) {
            (void)setTags(id, text.split(QLatin1Char(',')));
        }
    }
}

void ExperimentsPage::askNotes() {
    const QList<qint64> ids = selectedRuns();
    if (ids.size() != 1) {
        m_message->setText(tr("Select one run to write notes for."));
        return;
    }
    const auto& r = m_model->row(m_model->rowOf(ids.front())).run;
    bool ok = false;
    const QString notes = QInputDialog::getMultiLineText(
        this, tr("Notes"), tr("Notes for run %1:").arg(r.id), QString::fromStdString(r.notes), &ok);
    if (ok) {
        (void)setNotes(r.id, notes);
    }
}

void ExperimentsPage::askDelete() {
    const QList<qint64> ids = selectedRuns();
    if (ids.isEmpty()) {
        return;
    }
    const auto answer = QMessageBox::question(
        this, tr("Delete runs"),
        tr("Delete %n run(s) with their metrics and checkpoints?", nullptr, int(ids.size())));
    if (answer == QMessageBox::Yes) {
        if (auto s = deleteRuns(ids); !s) {
            m_message->setText(QString::fromStdString(s.error().message));
        }
    }
}

void ExperimentsPage::resumeSelected() {
    const QList<qint64> ids = selectedRuns();
    if (ids.size() != 1) {
        m_message->setText(tr("Select one run to resume."));
        return;
    }
    const auto& r = m_model->row(m_model->rowOf(ids.front())).run;
    if (r.status != "stopped" && r.status != "crashed") {
        m_message->setText(tr("Run %1 is %2; only a stopped or crashed run can be resumed.")
                               .arg(r.id)
                               .arg(QString::fromStdString(r.status)));
        return;
    }
    emit resumeRequested(r.id);
}

void ExperimentsPage::openSelected() {
    const QList<qint64> ids = selectedRuns();
    if (ids.size() != 1) {
        m_message->setText(tr("Select one run to open its project."));
        return;
    }
    const auto& r = m_model->row(m_model->rowOf(ids.front())).run;
    emit openSnapshot(QString::fromStdString(r.projectJson), QString::fromStdString(r.projectPath));
}

} // namespace nw::ui
