#pragma once
// The Train page's Evaluation tab: an Evaluate button (enabled once the controller holds a
// trained model and no run is active), the confusion matrix (cells shaded by count, class
// names as headers), per-class precision / recall / F1 / support (sortable) and a gallery of
// the misclassified test samples with their true and predicted labels and confidence.

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

    explicit EvaluationPanel(app::TrainingController& controller, QWidget* parent = nullptr);

    // Shows an evaluation (also called for the controller's evaluated() signal).
    void showEvaluation(const app::Evaluation& evaluation);

    QPushButton* evaluateButton() const { return m_evaluate; }
    QLabel* summaryLabel() const { return m_summary; }
    // [K x K], rows the true class, columns the predicted; counts in Qt::DisplayRole.
    QStandardItemModel* confusionModel() const { return m_confusion; }
    // K rows: class, precision, recall, F1, support.
    QStandardItemModel* classModel() const { return m_classes; }
    // One item per listed misclassified sample; its split index in Qt::UserRole.
    QStandardItemModel* galleryModel() const { return m_gallery; }

private:
    void updateButton();
    void fillConfusion(const app::Evaluation& e, const QStringList& names);
    void fillClasses(const app::Evaluation& e, const QStringList& names);
    void fillGallery(const app::Evaluation& e, const QStringList& names);

    app::TrainingController& m_controller;
    QPushButton* m_evaluate;
    QLabel* m_summary;
    QStandardItemModel *m_confusion, *m_classes, *m_gallery;
    QTableView *m_confusionView, *m_classView;
    QListView* m_galleryView;
};

} // namespace nw::ui
