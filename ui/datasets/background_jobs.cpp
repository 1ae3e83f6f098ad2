#include "ui/datasets/background_jobs.h"

namespace nw::ui {

BackgroundJobs::~BackgroundJobs() {
    for (const auto& thread : m_threads) {
        if (thread) {
            thread->wait();
            delete thread.data();
        }
    }
}

void BackgroundJobs::run(QObject* context, std::function<void()> work, std::function<void()> done) {
    QThread* thread = QThread::create(std::move(work));
    m_threads.removeAll(nullptr);
    m_threads << thread;
    QObject::connect(thread, &QThread::finished, context, [this, thread, done = std::move(done)] {
        m_threads.removeAll(thread);
        thread->deleteLater();
        done();
    });
    thread->start();
}

} // namespace nw::ui
