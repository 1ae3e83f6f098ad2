#pragma once
// ExportController: runs one app::exportModel (app/export/model_export.h, the pipeline shared
// with `netwright-cli export`) at a time on a worker thread and reports back with queued
// signals, so the UI never blocks on an export (INT8 calibration and the verification pass
// take seconds). QtCore only.
//
// The request is copied; the worker owns nothing the UI touches. exportModel cannot be
// cancelled: the destructor waits for a running export to end (it writes its file atomically,
// so a window closed meanwhile never leaves half a file behind).

#include "app/export/model_export.h"

#include <QMetaType>
#include <QObject>
#include <QString>

class QThread;

namespace nw::app {

class ExportController : public QObject {
    Q_OBJECT
public:
    // `backends` (it must outlive the controller) opens the request's device.
    explicit ExportController(const engine::BackendRegistry& backends, QObject* parent = nullptr);
    ~ExportController() override;

    // Starts exporting on a worker thread; progress() messages, then finished() or failed()
    // follow (queued, on this object's thread). Refused (false) while an export is running.
    bool start(const ExportRequest& request);
    bool isRunning() const { return m_thread != nullptr; }
    // Blocks until a running export has ended and its signals were delivered (tests, closing).
    void wait();

signals:
    void runningChanged(bool running);
    // One step of the pipeline ("calibrating INT8 ranges on 1000 training samples", ...).
    void progress(const QString& message);
    // The file was written; report.verified false: it differs from the engine by more than
    // report.tolerance.
    void finished(const nw::app::ExportReport& report);
    // Nothing was written; the message names the file, run, node or field.
    void failed(const QString& message);

private:
    void onEnded();

    const engine::BackendRegistry& m_backends;
    QThread* m_thread = nullptr;
};

} // namespace nw::app

Q_DECLARE_METATYPE(nw::app::ExportReport)
