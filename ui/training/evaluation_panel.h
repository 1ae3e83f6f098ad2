#pragma once
// An evaluation view: an Evaluate button, the confusion matrix (cells shaded by count, class
// names as headers), per-class precision / recall / F1 / support (sortable) and a gallery of
// the misclassified test samples with their true and predicted labels and confidence; the
// summary says which run and which checkpoint step the model came from.
//
// Two uses. Target::Session (the Train page's Evaluation tab): the button evaluates the
// active run's latest checkpoint while a run goes on (disabled, with the reason as tooltip,
// until it has one), else the model this session's last run ended with. Target::StoredRun
// (the Experiments mode): the button evaluates the run set with setRun(). A panel shows only
// the results of the evaluations it asked for.

#include "app/training_controller.h"

#include <QWidget>

class QLabel;
class QListView;
class QPushButton;
class QStandardItemModel;
class QTableView;

namespace nw::ui {

class EvaluationPanel : public QWidget {
    Q_OBJECT
public:
    // The gallery lists at most this many misclassified samples (the first, in split order).
    static constexpr int kMaxGallery = 200;

    enum class Target { Session, StoredRun };

    explicit EvaluationPanel(app::TrainingController& controller, Target target = Target::Session,
                             QWidget* parent = nullptr);

    // Shows an evaluation (also called for the controller's evaluated() signal).
    void showEvaluation(const app::Evaluation& evaluation);
    // Target::StoredRun: the run the button evaluates (0: none; `name` for the tooltip).
    void setRun(qint64 runId, const QString& name = {});
    // Evaluates stored run `runId` now; false when refused (another evaluation is running).
    bool evaluateRun(qint64 runId);
    // The evaluation asked for and not answered yet (0: none).
    quint64 pendingRequest() const { return m_request; }

    QPushButton* evaluateButton() const { return m_evaluate; }
    QLabel* summaryLabel() const { return m_summary; }
    // Shown instead of the matrix, table and gallery for a language model's evaluation.
    QLabel* languageModelNote() const { return m_languageNote; }
    // [K x K], rows the true class, columns the predicted; counts in Qt::DisplayRole.
    QStandardItemModel* confusionModel() const { return m_confusion; }
    // K rows: class, precision, recall, F1, support.
    QStandardItemModel* classModel() const { return m_classes; }
    // One item per listed misclassified sample; its split index in Qt::UserRole.
    QStandardItemModel* galleryModel() const { return m_gallery; }

private:
    void updateButton();
    void requested(quint64 request);
    void fillConfusion(const app::Evaluation& e, const QStringList& names);
    void fillClasses(const app::Evaluation& e, const QStringList& names);
    void fillGallery(const app::Evaluation& e, const QStringList& names);

    app::TrainingController& m_controller;
    Target m_target;
    qint64 m_run = 0;
    QString m_runName;
    quint64 m_request = 0;
    QPushButton* m_evaluate;
    QLabel* m_summary;
    QStandardItemModel *m_confusion, *m_classes, *m_gallery;
    QTableView *m_confusionView, *m_classView;
    QListView* m_galleryView;
    QWidget* m_tables = nullptr;      // the matrix, the per-class table and the gallery
    QLabel* m_languageNote = nullptr; // shown instead for a language model
};

} // namespace nw::ui
