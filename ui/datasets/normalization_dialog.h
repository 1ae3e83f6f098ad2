#pragma once
// The project's input normalisation x' = (x − mean) / std (x in [0, 1]) typed in or picked from
// the common presets, for values that do not come from this dataset: a pretrained or imported
// model's (ImageNet's, as torchvision's models were trained), or none. The values are checked
// as they are typed; OK stays disabled, with the reason shown, until they are valid.

#include <QDialog>
#include <optional>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace nw::ui {

class NormalizationDialog : public QDialog {
    Q_OBJECT
public:
    // Starts with the project's current values (empty: none).
    NormalizationDialog(const std::vector<double>& mean, const std::vector<double>& std,
                        QWidget* parent = nullptr);

    // The values typed, when valid: both empty (no normalisation) or as many means as
    // standard deviations, each std > 0.
    const std::vector<double>& mean() const { return m_mean; }
    const std::vector<double>& std() const { return m_std; }
    // Why the values are not valid; empty when they are.
    QString problem() const { return m_problem; }

    QComboBox* presets() const { return m_presets; }
    QLineEdit* meanEdit() const { return m_meanEdit; }
    QLineEdit* stdEdit() const { return m_stdEdit; }
    QPushButton* okButton() const { return m_ok; }

private:
    void validate();

    QComboBox* m_presets;
    QLineEdit* m_meanEdit;
    QLineEdit* m_stdEdit;
    QLabel* m_problemLabel;
    QPushButton* m_ok;
    std::vector<double> m_mean, m_std;
    QString m_problem;
};

} // namespace nw::ui
