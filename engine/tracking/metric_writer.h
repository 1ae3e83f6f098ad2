#pragma once
// MetricWriter: records one run's metrics from the training thread without ever waiting on
// the database. push() appends to an in-memory queue (a mutex held for one append); a
// writer thread with its own connection commits the queue in one transaction every
// flushInterval or whenever batchRows are waiting, and refreshes the run's heartbeat at least
// every heartbeatInterval — which is how ExperimentStore::open() tells a live run from a
// crashed one.

#include "base/expected.h"
#include "engine/tracking/store.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace nw::tracking {

struct WriterOptions {
    std::size_t batchRows = 1000;                 // commit early once this many are queued
    std::chrono::milliseconds flushInterval{250}; // commit at least this often
    std::chrono::milliseconds heartbeatInterval{1000};
};

class MetricWriter {
public:
    // Opens its own connection to `database` and starts the writer thread for `runId`.
    static Expected<std::unique_ptr<MetricWriter>>
    start(const std::filesystem::path& database, std::int64_t runId, WriterOptions options = {});
    // close()s.
    ~MetricWriter();
    MetricWriter(const MetricWriter&) = delete;
    MetricWriter& operator=(const MetricWriter&) = delete;

    // Queues a point; never touches the database. Thread-safe.
    void push(MetricPoint point);
    // Commits everything queued so far and waits until it is committed.
    Status flush();
    // Commits what is queued, stops the thread; the first write error, if any. Idempotent.
    Status close();

    // Rows committed so far.
    std::int64_t committedRows() const { return m_committed.load(); }
    std::int64_t runId() const { return m_runId; }

private:
    MetricWriter(std::unique_ptr<ExperimentStore> store, std::int64_t runId, WriterOptions options);
    void loop();

    std::unique_ptr<ExperimentStore> m_store; // used by the writer thread only
    const std::int64_t m_runId;
    const WriterOptions m_options;

    std::mutex m_mutex;
    std::condition_variable m_wake;    // writer waits: rows, a flush request, stop
    std::condition_variable m_flushed; // flush() waits: a commit round done
    std::vector<MetricPoint> m_queue;  // guarded by m_mutex
    std::uint64_t m_flushRequests = 0; // guarded; rounds asked for / done
    std::uint64_t m_flushesDone = 0;
    bool m_stop = false;
    Status m_error; // the first write error, guarded
    std::atomic<std::int64_t> m_committed{0};
    std::thread m_thread; // last: starts after the rest is initialised
};

} // namespace nw::tracking
