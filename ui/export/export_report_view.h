#pragma once
// ExportReportView: the Deploy mode's result pane. It shows one export's outcome: a banner
// (verified, written but not verified, or failed with the message), the file and "Show in
// folder", what was written (the report's summary lines), the verification table (each output
// against the training engine: max abs and rel error, same top-1 for INT8, PASS/FAILED of the
// max abs error against the tolerance, as its legend says; the relative error is information), the
// INT8 accuracy change (highlighted past kAccuracyWarningPoints) and the notes and warnings.
// Colours are translucent tints over the palette, so the pane reads in the light and the dark theme
// alike.

#include "app/export/model_export.h"

#include <QWidget>
#include <functional>

class QLabel;
class QPushButton;
class QTableWidget;

namespace nw::ui {

class ExportReportView : public QWidget {
    Q_OBJECT
public:
    // An INT8 bundle losing more than this many points of test accuracy is highlighted.
    static constexpr double kAccuracyWarningPoints = 0.5;
    enum Column { Output, MaxAbs, MaxRel, SameTop1, Result, ColumnCount };

    explicit ExportReportView(QWidget* parent = nullptr);

    void clear(); // the empty state
    // While an export runs: what is being written.
    void showPending(const QString& output);
    void showReport(const app::ExportReport& report);
    void showError(const QString& message);
    // Replaces what "Show in folder" does (default: QDesktopServices on the folder); tests.
    void setOpenFolder(std::function<void(const QString& folder)> open) {
        m_openFolder = std::move(open);
    }

    QLabel* banner() const { return m_banner; }
    QTableWidget* verificationTable() const { return m_table; }
    // The verification's heading and legend (what is checked against the tolerance).
    QLabel* verificationTitleLabel() const { return m_verificationTitle; }
    QLabel* accuracyLabel() const { return m_accuracy; } // hidden without an INT8 measurement
    QLabel* notesLabel() const { return m_notes; }
    QPushButton* showInFolderButton() const { return m_showInFolder; }

private:
    void setBanner(const QString& kind, const QString& html);

    QLabel* m_banner;
    QLabel* m_file;
    QPushButton* m_showInFolder;
    QWidget* m_details; // everything below the banner, hidden for an error
    QLabel* m_summary;
    QLabel* m_verificationTitle;
    QLabel* m_reference;
    QTableWidget* m_table;
    QLabel* m_accuracyHeading;
    QLabel* m_accuracy;
    QLabel* m_notes;
    QString m_output;
    std::function<void(const QString&)> m_openFolder;
};

} // namespace nw::ui
