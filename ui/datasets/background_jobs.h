#pragma once
// Work the Data mode does off the UI thread (opening a dataset, computing its statistics):
// each job runs on its own QThread, then its `done` runs on the UI thread unless `context` is
// gone. The destructor waits for the jobs still running, so a page that owns a BackgroundJobs
// (as its last member) never leaves a thread behind.

#include <QList>
#include <QPointer>
#include <QThread>
#include <functional>

namespace nw::ui {

class BackgroundJobs {
public:
    BackgroundJobs() = default;
    BackgroundJobs(const BackgroundJobs&) = delete;
    BackgroundJobs& operator=(const BackgroundJobs&) = delete;
    ~BackgroundJobs();

    // `work` must not touch widgets; capture what it reads and writes by value (shared_ptr).
    void run(QObject* context, std::function<void()> work, std::function<void()> done);

private:
    QList<QPointer<QThread>> m_threads;
};

} // namespace nw::ui
