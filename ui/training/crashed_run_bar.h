#pragma once
// The bar across the top of the main window that offers to resume a crashed run: a run whose
// process ended without recording its end (the IDE or netwright-cli killed, the machine
// down). Opening the experiment store marks such runs crashed; the bar names the newest one
// not yet dismissed, what resuming it does (continue from its last checkpoint, or train it
// again from step 0 when it had none: training is deterministic for its seed), and offers
// Resume, Show in Experiments and Dismiss. A dismissed run is not offered again (remembered in
// QSettings when the window is persistent, else for the window's life).

#include <QFrame>
#include <QStringList>

class QLabel;
class QPushButton;

namespace nw::ui {

class CrashedRunBar : public QFrame {
    Q_OBJECT
public:
    // persistent: keep the dismissed runs in QSettings (the IDE; tests pass false).
    explicit CrashedRunBar(bool persistent, QWidget* parent = nullptr);

    // Looks for crashed runs in `database` (newest first) and shows the newest one not
    // dismissed, or hides. Returns its id; 0 when there is none (or the store cannot be read:
    // the Experiments mode reports that). Dismissing one shows the next.
    qint64 check(const QString& database);
    qint64 runId() const { return m_runId; }
    QLabel* message() const { return m_message; }
    QPushButton* resumeButton() const { return m_resume; }
    QPushButton* showButton() const { return m_show; }
    QPushButton* dismissButton() const { return m_dismiss; }

signals:
    void resumeRequested(qint64 runId);
    void showRequested(qint64 runId);

private:
    void dismiss();

    bool m_persistent;
    QStringList m_dismissed; // run UUIDs
    QString m_database;
    qint64 m_runId = 0;
    QString m_uuid;
    QLabel* m_message;
    QPushButton *m_resume, *m_show, *m_dismiss;
};

} // namespace nw::ui
