#include "app/export_controller.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThread>

namespace nw::app {

ExportController::ExportController(const engine::BackendRegistry& backends, QObject* parent)
    : QObject(parent)
    , m_backends(backends) {
    qRegisterMetaType<ExportReport>();
}

ExportController::~ExportController() {
    if (m_thread) {
        m_thread->wait();
        delete m_thread;
        m_thread = nullptr;
    }
}

bool ExportController::start(const ExportRequest& request) {
    if (m_thread) {
        return false;
    }
    m_thread = QThread::create([this, request] {
        auto onProgress = [this](const std::string& message) {
            QMetaObject::invokeMethod(
                this, [this, m = QString::fromStdString(message)] { emit progress(m); },
                Qt::QueuedConnection);
        };
        Expected<ExportReport> result = [&]() -> Expected<ExportReport> {
            try {
                return exportModel(request, m_backends, onProgress);
            } catch (const std::exception& e) { // an internal failure must not end the IDE
                return Error::internal(std::string("export failed: ") + e.what());
            }
        }();
        if (result) {
            QMetaObject::invokeMethod(
                this,
                [this, report = std::move(*result)] {
                    onEnded();
                    emit finished(report);
                },
                Qt::QueuedConnection);
        } else {
            QMetaObject::invokeMethod(
                this,
                [this, m = QString::fromStdString(result.error().message)] {
                    onEnded();
                    emit failed(m);
                },
                Qt::QueuedConnection);
        }
    });
    m_thread->setObjectName(QStringLiteral("export"));
    m_thread->start();
    emit runningChanged(true);
    return true;
}

void ExportController::onEnded() {
    if (m_thread) {
        m_thread->wait(); // its function has returned; this only joins the thread
        delete m_thread;
        m_thread = nullptr;
    }
    emit runningChanged(false);
}

void ExportController::wait() {
    if (!m_thread) {
        return;
    }
    m_thread->wait();
    QCoreApplication::sendPostedEvents(this); // progress, then finished() or failed()
}

} // namespace nw::app
