#include "engine/tracking/metric_writer.h"

namespace nw::tracking {

using Clock = std::chrono::steady_clock;

Expected<std::unique_ptr<MetricWriter>> MetricWriter::start(const std::filesystem::path& database,
                                                            std::int64_t runId,
                                                            WriterOptions options) {
    auto store = ExperimentStore::open(database, false);
    if (!store) {
        return store.error();
    }
    return std::unique_ptr<MetricWriter>(new MetricWriter(std::move(*store), runId, options));
}

MetricWriter::MetricWriter(std::unique_ptr<ExperimentStore> store, std::int64_t runId,
                           WriterOptions options)
    : m_store(std::move(store))
    , m_runId(runId)
    , m_options(options)
    , m_thread([this] { loop(); }) {}

MetricWriter::~MetricWriter() {
    (void)close();
}

void MetricWriter::push(MetricPoint point) {
    bool wake = false;
    {
        std::lock_guard lock(m_mutex);
        m_queue.push_back(std::move(point));
        wake = m_queue.size() == m_options.batchRows;
    }
    if (wake) {
        m_wake.notify_one();
    }
}

Status MetricWriter::flush() {
    std::unique_lock lock(m_mutex);
    if (m_stop) {
        return m_error;
    }
    std::uint64_t ticket = ++m_flushRequests;
    m_wake.notify_one();
    m_flushed.wait(lock, [&] { return m_flushesDone >= ticket || m_stop; });
    return m_error;
}

Status MetricWriter::close() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_one();
    if (m_thread.joinable()) {
        m_thread.join();
    }
    std::lock_guard lock(m_mutex);
    return m_error;
}

void MetricWriter::loop() {
    std::vector<MetricPoint> batch;
    auto lastBeat = Clock::now();
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_wake.wait_for(lock, m_options.flushInterval, [&] {
            return m_stop || m_queue.size() >= m_options.batchRows ||
                   m_flushRequests > m_flushesDone;
        });
        const bool stopping = m_stop;
        const std::uint64_t requests = m_flushRequests;
        batch.swap(m_queue);
        lock.unlock();

        Status s;
        if (!batch.empty()) {
            s = m_store->appendMetrics(m_runId, batch); // also beats the heart
            if (s) {
                m_committed += static_cast<std::int64_t>(batch.size());
                lastBeat = Clock::now();
            }
            batch.clear();
        } else if (Clock::now() - lastBeat >= m_options.heartbeatInterval) {
            s = m_store->heartbeat(m_runId);
            lastBeat = Clock::now();
        }

        lock.lock();
        if (!s && m_error.ok()) {
            m_error = s;
        }
        m_flushesDone = requests;
        m_flushed.notify_all();
        if (stopping && m_queue.empty()) {
            return;
        }
    }
}

} // namespace nw::tracking
