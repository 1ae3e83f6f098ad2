#pragma once
// The Data mode: the project's dataset in a thumbnail grid (filtered by split and class), a
// class histogram, the selected sample's details, the per-channel mean/std (computed once, on
// a worker thread) with a button that makes them the project's normalisation, the
// augmentation pipeline editor and the preview of the selected sample.
//
// A text corpus (a language model's dataset) is shown by a TextCorpusView instead: its
// windows as text, the vocabulary and the character counts; nothing of images.
//
// The dataset is opened (datasets::openDataset, on a worker thread) when the page is first
// shown and again whenever the project names another dataset.

#include "datasets/catalog.h"
#include "graph/project.h"
#include "ui/datasets/background_jobs.h"

#include <QWidget>
#include <optional>

class QComboBox;
class QLabel;
class QListView;
class QStackedWidget;

namespace nw::app {
class ProjectDocument;
}

namespace nw::ui {

class AugmentationEditor;
class AugmentationPreview;
class ClassHistogram;
class DatasetStatsPanel;
class DatasetBrowserModel;
class TextCorpusView;

class DataPage : public QWidget {
    Q_OBJECT
public:
    // `document` must outlive the page.
    explicit DataPage(app::ProjectDocument& document, QWidget* parent = nullptr);
    // Waits for a dataset still being opened.
    ~DataPage() override;

    // Opens the dataset the project names, in the background; datasetReady() follows.
    void loadProjectDataset();
    // Shows `splits` (already open) instead; statistics start in the background.
    void setDatasets(datasets::DatasetSplits splits);
    // Selects a row of the grid (as the filters show it).
    void selectRow(int row);

    DatasetBrowserModel* model() const { return m_model; }
    QListView* view() const { return m_view; }
    ClassHistogram* histogram() const { return m_histogram; }
    AugmentationEditor* augmentationEditor() const { return m_editor; }
    AugmentationPreview* preview() const { return m_preview; }
    QComboBox* splitFilter() const { return m_splitFilter; }
    QComboBox* classFilter() const { return m_classFilter; }
    DatasetStatsPanel* statsPanel() const { return m_stats; }
    // The text corpus view, current (and the image panels hidden) for a text corpus.
    TextCorpusView* textView() const { return m_text; }
    bool showsText() const;
    QString detailsText() const;
    // "Opening the dataset…", why it cannot be opened, skipped files; empty otherwise.
    QString statusText() const;

signals:
    void datasetReady();
    void statsReady();
    // The project's dataset cannot be opened (the message names the file or field); the page
    // then shows no data.
    void datasetFailed(const QString& why);

protected:
    void showEvent(QShowEvent* event) override;

private:
    QWidget* buildBrowser();
    QWidget* buildSidePanel();
    QWidget* buildAugmentationPanel();
    void onDocumentChanged();
    void applyFilters();
    void showNoDataset(const QString& why);
    void showSelection();

    app::ProjectDocument& m_document;
    DatasetBrowserModel* m_model;
    QListView* m_view;
    QComboBox* m_splitFilter;
    QComboBox* m_classFilter;
    QLabel* m_count;
    QLabel* m_status;
    QLabel* m_details;
    ClassHistogram* m_histogram;
    DatasetStatsPanel* m_stats;
    AugmentationEditor* m_editor;
    AugmentationPreview* m_preview;
    QStackedWidget* m_pages;
    QWidget* m_imagePage;
    TextCorpusView* m_text;
    std::optional<graph::DatasetRef> m_loadedRef; // what m_model shows (mean/std aside)
    int m_generation = 0;  // bumped per dataset; stale background results are dropped
    BackgroundJobs m_jobs; // last: waits for the worker before the rest is destroyed
};

} // namespace nw::ui
