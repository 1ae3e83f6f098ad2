#pragma once
// The Data mode for a text corpus (a language model's dataset, datasets::openTextCorpus()):
// its windows as readable text (train then validation), the selected window's characters
// with their token ids, the vocabulary (each character's display name, id and count in the
// windows), a summary (characters, windows, T, vocabulary size) and a chart of the most
// frequent characters. The counts are computed once per corpus on a worker thread.
//
// Image augmentation and per-channel normalisation do not apply to token ids: the view says
// so in one line instead of showing them.

#include "datasets/catalog.h"
#include "ui/datasets/background_jobs.h"

#include <QAbstractListModel>
#include <QWidget>
#include <memory>
#include <vector>

class QLabel;
class QListView;
class QTableWidget;

namespace nw::ui {

class ClassHistogram;

// The windows of a corpus's splits as rows (train first), each its text on one line.
class TextWindowModel : public QAbstractListModel {
public:
    struct Split {
        QString name;
        std::shared_ptr<const datasets::Dataset> dataset;
    };
    using QAbstractListModel::QAbstractListModel;

    void setCorpus(std::vector<Split> splits,
                   std::shared_ptr<const datasets::CharVocabulary> vocabulary);
    int rowCount(const QModelIndex& parent = {}) const override;
    // DisplayRole: "train 12 · <text>"; Qt::UserRole: the text as it is.
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    // The token ids of window `row` and the split it comes from.
    std::vector<std::int32_t> ids(int row) const;
    QString splitName(int row) const;
    std::int64_t indexInSplit(int row) const;
    // The text of `ids` (UTF-8 decoded by the vocabulary).
    QString text(const std::vector<std::int32_t>& ids) const;

private:
    // The split of `row` and the row's index in it.
    std::pair<int, std::int64_t> locate(int row) const;

    std::vector<Split> m_splits;
    std::shared_ptr<const datasets::CharVocabulary> m_vocabulary;
};

class TextCorpusView : public QWidget {
    Q_OBJECT
public:
    // The frequency chart shows at most this many characters (the most frequent).
    static constexpr int kChartCharacters = 30;

    explicit TextCorpusView(QWidget* parent = nullptr);
    // Waits for the counts still being computed.
    ~TextCorpusView() override;

    // Shows `splits` (vocabulary non-null); the counts start in the background.
    void setCorpus(const datasets::DatasetSplits& splits);
    // Nothing shown.
    void clear();
    // Selects window `row` (train windows first, then validation).
    void selectWindow(int row);

    // One row per window, its text in Qt::DisplayRole ("\n" shown as "⏎").
    TextWindowModel* windowModel() const { return m_model; }
    QListView* windowView() const { return m_view; }
    // The selected window: one row per step, columns position, character, id.
    QTableWidget* tokenTable() const { return m_tokens; }
    // One row per vocabulary entry in id order: id, character, count (empty until counted).
    QTableWidget* vocabularyTable() const { return m_vocabulary; }
    ClassHistogram* frequencyChart() const { return m_chart; }
    QString summaryText() const;
    // The count of each token id over the windows' characters (empty until counted).
    const std::vector<std::int64_t>& counts() const { return m_counts; }

signals:
    void countsReady();

private:
    void showSelection();
    void showCounts(std::vector<std::int64_t> counts);

    TextWindowModel* m_model;
    QListView* m_view;
    QLabel* m_summary;
    QLabel* m_selection;
    QTableWidget* m_tokens;
    QTableWidget* m_vocabulary;
    ClassHistogram* m_chart;
    std::shared_ptr<const datasets::CharVocabulary> m_vocab;
    std::vector<std::int64_t> m_counts;
    qint64 m_window = 0;
    qint64 m_windows = 0;
    int m_generation = 0;
    BackgroundJobs m_jobs; // last: waits for the worker before the rest is destroyed
};

} // namespace nw::ui
