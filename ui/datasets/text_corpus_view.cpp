#include "ui/datasets/text_corpus_view.h"

#include "ui/datasets/class_histogram.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListView>
#include <QLocale>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <numeric>

namespace nw::ui {

namespace {

QGroupBox* group(const QString& title, QWidget* content, QWidget* parent) {
    auto* box = new QGroupBox(title, parent);
    (new QVBoxLayout(box))->addWidget(content);
    return box;
}

QTableWidgetItem* cell(const QString& text, qint64 sortValue = -1) {
    auto* item = new QTableWidgetItem(text);
    if (sortValue >= 0) {
        item->setData(Qt::DisplayRole, sortValue);
    }
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    return item;
}

QTableWidget* table(const QStringList& headers, QWidget* parent) {
    auto* t = new QTableWidget(0, int(headers.size()), parent);
    t->setHorizontalHeaderLabels(headers);
    t->verticalHeader()->hide();
    t->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    t->horizontalHeader()->setStretchLastSection(true);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    return t;
}

} // namespace

void TextWindowModel::setCorpus(std::vector<Split> splits,
                                std::shared_ptr<const datasets::CharVocabulary> vocabulary) {
    beginResetModel();
    m_splits = std::move(splits);
    m_vocabulary = std::move(vocabulary);
    endResetModel();
}

int TextWindowModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid()) {
        return 0;
    }
    std::int64_t n = 0;
    for (const Split& s : m_splits) {
        n += s.dataset->size();
    }
    return int(std::min<std::int64_t>(n, std::numeric_limits<int>::max()));
}

std::pair<int, std::int64_t> TextWindowModel::locate(int row) const {
    std::int64_t r = row;
    for (int k = 0; k < int(m_splits.size()); ++k) {
        const std::int64_t n = m_splits[std::size_t(k)].dataset->size();
        if (r < n) {
            return {k, r};
        }
        r -= n;
    }
    return {-1, -1};
}

std::vector<std::int32_t> TextWindowModel::ids(int row) const {
    const auto [split, index] = locate(row);
    if (split < 0) {
        return {};
    }
    const auto& ds = *m_splits[std::size_t(split)].dataset;
    std::vector<float> values(std::size_t(ds.sampleNumel()));
    ds.readSample(index, values);
    return {values.begin(), values.end()}; // ids travel as floats (exact below 2^24)
}

QString TextWindowModel::splitName(int row) const {
    const int split = locate(row).first;
    return split < 0 ? QString() : m_splits[std::size_t(split)].name;
}

std::int64_t TextWindowModel::indexInSplit(int row) const {
    return locate(row).second;
}

QString TextWindowModel::text(const std::vector<std::int32_t>& ids) const {
    std::string utf8;
    for (std::int32_t id : ids) {
        if (m_vocabulary && id >= 0 && id < m_vocabulary->size()) {
            utf8 += m_vocabulary->decode(id);
        }
    }
    return QString::fromStdString(utf8);
}

QVariant TextWindowModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || (role != Qt::DisplayRole && role != Qt::UserRole)) {
        return {};
    }
    const QString t = text(ids(index.row()));
    if (role == Qt::UserRole) {
        return t;
    }
    QString line = t;
    line.replace(QLatin1Char('\n'), QChar(0x23CE)).replace(QLatin1Char('\t'), QChar(0x21E5));
    return QStringLiteral("%1 %2 · %3")
        .arg(splitName(index.row()))
        .arg(indexInSplit(index.row()))
        .arg(line);
}

TextCorpusView::TextCorpusView(QWidget* parent)
    : QWidget(parent)
    , m_model(new TextWindowModel(this))
    , m_view(new QListView(this))
    , m_summary(new QLabel(this))
    , m_selection(new QLabel(this))
    , m_tokens(table({tr("Step"), tr("Character"), tr("Id")}, this))
    , m_vocabulary(table({tr("Id"), tr("Character"), tr("Count")}, this))
    , m_chart(new ClassHistogram(this)) {
    m_view->setModel(m_model);
    m_view->setUniformItemSizes(true); // no per-row size queries: 100,000 windows lay out at once
    m_view->setAlternatingRowColors(true);
    m_view->setFont(QFont(QStringLiteral("monospace")));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_selection->setWordWrap(true);
    m_selection->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_vocabulary->setSortingEnabled(true);
    auto* note = new QLabel(tr("Image augmentation and per-channel normalisation do not apply: "
                               "a text corpus's samples are token ids."),
                            this);
    note->setWordWrap(true);
    note->setForegroundRole(QPalette::PlaceholderText);

    auto* windows = new QWidget(this);
    auto* windowsLayout = new QVBoxLayout(windows);
    windowsLayout->setContentsMargins(0, 0, 0, 0);
    windowsLayout->addWidget(m_summary);
    windowsLayout->addWidget(note);
    windowsLayout->addWidget(group(tr("Windows"), m_view, windows), 1);

    auto* sample = new QWidget(this);
    auto* sampleLayout = new QVBoxLayout(sample);
    sampleLayout->setContentsMargins(0, 0, 0, 0);
    sampleLayout->addWidget(m_selection);
    sampleLayout->addWidget(m_tokens, 1);

    auto* side = new QSplitter(Qt::Vertical, this);
    side->addWidget(group(tr("Vocabulary"), m_vocabulary, side));
    side->addWidget(group(tr("Most frequent characters"), m_chart, side));

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(windows);
    splitter->addWidget(group(tr("Selected window"), sample, splitter));
    splitter->addWidget(side);
    splitter->setStretchFactor(0, 1);
    splitter->setSizes({700, 280, 320});
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &TextCorpusView::showSelection);
    clear();
}

TextCorpusView::~TextCorpusView() = default;

void TextCorpusView::clear() {
    ++m_generation;
    m_model->setCorpus({}, nullptr);
    m_vocab.reset();
    m_counts.clear();
    m_windows = 0;
    m_window = 0;
    m_summary->clear();
    m_vocabulary->setRowCount(0);
    m_chart->setCounts({}, {});
    showSelection();
}

void TextCorpusView::setCorpus(const datasets::DatasetSplits& splits) {
    clear();
    const int generation = m_generation;
    m_vocab = splits.vocabulary;
    std::vector<TextWindowModel::Split> list{{tr("train"), splits.train}};
    if (splits.validation) {
        list.push_back({tr("validation"), splits.validation});
    }
    if (splits.test) {
        list.push_back({tr("test"), splits.test});
    }
    std::vector<std::shared_ptr<const datasets::Dataset>> datasets;
    for (const auto& s : list) {
        m_windows += s.dataset->size();
        datasets.push_back(s.dataset);
    }
    m_window = splits.train->sampleNumel();
    m_model->setCorpus(std::move(list), m_vocab);

    // The vocabulary's rows now; the counts come from the worker.
    {
        m_vocabulary->setSortingEnabled(false);
        m_vocabulary->setRowCount(m_vocab->size());
        for (int id = 0; id < m_vocab->size(); ++id) {
            m_vocabulary->setItem(id, 0, cell(QString(), id));
            m_vocabulary->setItem(id, 1, cell(QString::fromStdString(m_vocab->displayName(id))));
            m_vocabulary->setItem(id, 2, cell(QString()));
        }
        m_vocabulary->setSortingEnabled(true);
        m_vocabulary->sortByColumn(0, Qt::AscendingOrder);
    }
    m_summary->setText(tr("%L1 characters in %L2 windows of T = %L3 · vocabulary of %L4 characters")
                           .arg(m_windows * m_window)
                           .arg(m_windows)
                           .arg(m_window)
                           .arg(m_vocab->size()) +
                       (splits.warnings.empty()
                            ? QString()
                            : QLatin1Char('\n') +
                                  tr("%n file(s) skipped: %1", nullptr, int(splits.warnings.size()))
                                      .arg(QString::fromStdString(splits.warnings.front()))));
    selectWindow(0);

    auto counts = std::make_shared<std::vector<std::int64_t>>();
    const int size = m_vocab->size();
    m_jobs.run(
        this,
        [counts, datasets, size] {
            counts->assign(std::size_t(size), 0);
            for (const auto& ds : datasets) {
                std::vector<float> values(std::size_t(ds->sampleNumel()));
                for (std::int64_t i = 0; i < ds->size(); ++i) {
                    ds->readSample(i, values);
                    for (float v : values) {
                        const auto id = std::size_t(v);
                        if (id < counts->size()) {
                            ++(*counts)[id];
                        }
                    }
                }
            }
        },
        [this, counts, generation] {
            if (generation == m_generation) {
                showCounts(std::move(*counts));
            }
        });
}

void TextCorpusView::showCounts(std::vector<std::int64_t> counts) {
    m_counts = std::move(counts);
    m_vocabulary->setSortingEnabled(false);
    for (int row = 0; row < m_vocabulary->rowCount(); ++row) {
        const int id = m_vocabulary->item(row, 0)->data(Qt::DisplayRole).toInt();
        m_vocabulary->setItem(row, 2, cell(QString(), m_counts[std::size_t(id)]));
    }
    m_vocabulary->setSortingEnabled(true);
    std::vector<int> order(m_counts.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [this](int a, int b) {
        return m_counts[std::size_t(a)] > m_counts[std::size_t(b)];
    });
    order.resize(std::min<std::size_t>(order.size(), kChartCharacters));
    QStringList names;
    std::vector<std::int64_t> top;
    for (int id : order) {
        // One glyph for the narrow bars: "␣" for a space, "⏎" for a line break.
        const char32_t c = m_vocab->characters()[std::size_t(id)];
        names << (c == U' '    ? QString(QChar(0x2423))
                  : c == U'\n' ? QString(QChar(0x23CE))
                               : QString::fromStdString(m_vocab->displayName(id)));
        top.push_back(m_counts[std::size_t(id)]);
    }
    m_chart->setCounts(names, top);
    emit countsReady();
}

void TextCorpusView::selectWindow(int row) {
    if (row >= 0 && row < m_model->rowCount()) {
        m_view->setCurrentIndex(m_model->index(row));
    }
    showSelection();
}

QString TextCorpusView::summaryText() const {
    return m_summary->text();
}

void TextCorpusView::showSelection() {
    const QModelIndex current = m_view->currentIndex();
    if (!current.isValid() || !m_vocab) {
        m_selection->setText(tr("No window selected."));
        m_tokens->setRowCount(0);
        return;
    }
    const auto ids = m_model->ids(current.row());
    m_selection->setText(tr("Window %1 of the %2 split: %3 characters; each step's target is "
                            "the next character.")
                             .arg(m_model->indexInSplit(current.row()))
                             .arg(m_model->splitName(current.row()))
                             .arg(ids.size()));
    m_tokens->setRowCount(int(ids.size()));
    for (int t = 0; t < int(ids.size()); ++t) {
        const std::int32_t id = ids[std::size_t(t)];
        const bool known = id >= 0 && id < m_vocab->size();
        m_tokens->setItem(t, 0, cell(QString(), t));
        m_tokens->setItem(t, 1,
                          cell(known ? QString::fromStdString(m_vocab->displayName(id)) : tr("?")));
        m_tokens->setItem(t, 2, cell(QString(), id));
    }
}

} // namespace nw::ui
