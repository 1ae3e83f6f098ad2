// The MPI communicator. Every MPI call, MPI_Init_thread and MPI_Finalize included, is made on
// one worker thread that runs the collectives in the order they were queued: MPI needs only
// MPI_THREAD_FUNNELED, a blocking allreduce overlaps the caller's backward, and a caller
// whose peer died is released by abort() while the worker may stay stuck in the library.
// Tensors are staged through host memory (Backend::copyToHost / copyFromHost), so any
// backend's tensors can travel; for the CPU backend that is one memcpy each way.
#include "engine/core/backend.h"
#include "engine/distributed/communicator.h"

// The C API only: Open MPI and MPICH otherwise add their deprecated C++ bindings.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mpi.h>
#include <mutex>
#include <thread>

namespace nw::engine {

namespace {

using Clock = std::chrono::steady_clock;

std::string mpiErrorText(int code) {
    char text[MPI_MAX_ERROR_STRING] = {};
    int length = 0;
    MPI_Error_string(code, text, &length);
    return std::string(text, static_cast<std::size_t>(length));
}

// A queued collective and its outcome.
struct Job {
    std::function<int()> run; // returns an MPI error code
    bool done = false;
    int code = MPI_SUCCESS;
    const char* what = "";
};

// The MPI worker thread, one per process (MPI is initialised once).
class MpiWorker {
public:
    static MpiWorker& instance() {
        static MpiWorker worker;
        return worker;
    }

    Status start() {
        std::unique_lock lock(m_mutex);
        if (!m_thread.joinable()) {
            m_thread = std::thread([this] { loop(); });
        }
        m_changed.wait(lock, [this] { return m_initialised; });
        if (m_initCode != MPI_SUCCESS) {
            return Error::user("MPI could not be initialised: " + m_initText);
        }
        return Status::success();
    }

    int rank() const { return m_rank; }
    int size() const { return m_size; }
    const std::string& library() const { return m_library; }

    std::shared_ptr<Job> submit(const char* what, std::function<int()> run) {
        auto job = std::make_shared<Job>();
        job->run = std::move(run);
        job->what = what;
        std::lock_guard lock(m_mutex);
        m_jobs.push_back(job);
        m_changed.notify_all();
        return job;
    }

    Status wait(const std::shared_ptr<Job>& job) {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return job->done || m_aborted; });
        if (m_aborted) {
            return Error::user(m_abortReason);
        }
        if (job->code != MPI_SUCCESS) {
            return Error::user(std::string(job->what) + " failed on rank " +
                               std::to_string(m_rank) + ": " + mpiErrorText(job->code));
        }
        return Status::success();
    }

    void abort(const std::string& why) {
        std::lock_guard lock(m_mutex);
        if (!m_aborted) {
            m_aborted = true;
            m_abortReason = why;
        }
        m_changed.notify_all();
    }
    bool aborted() const {
        std::lock_guard lock(m_mutex);
        return m_aborted;
    }

    // Finalises MPI on the worker and joins it (a normal end, nothing pending).
    void finalize() {
        {
            std::lock_guard lock(m_mutex);
            if (!m_thread.joinable() || m_aborted) {
                return;
            }
            m_stop = true;
            m_changed.notify_all();
        }
        m_thread.join();
    }

    void addReduced(std::int64_t bytes, double seconds) {
        m_bytes += bytes;
        std::lock_guard lock(m_mutex);
        m_seconds += seconds;
    }
    std::int64_t bytesReduced() const { return m_bytes; }
    double reduceSeconds() const {
        std::lock_guard lock(m_mutex);
        return m_seconds;
    }

private:
    MpiWorker() = default;
    ~MpiWorker() {
        // After an abort the worker may be stuck in a collective: leave it to the process's
        // end (std::_Exit) rather than wait for it.
        if (m_thread.joinable()) {
            if (aborted()) {
                m_thread.detach();
            } else {
                finalize();
            }
        }
    }

    void loop() {
        int provided = 0;
        int code = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
        {
            std::lock_guard lock(m_mutex);
            m_initCode = code;
            if (code == MPI_SUCCESS) {
                // Errors come back as codes, so a failed collective is reported by the rank
                // that saw it instead of the library ending the job silently.
                MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
                MPI_Comm_rank(MPI_COMM_WORLD, &m_rank);
                MPI_Comm_size(MPI_COMM_WORLD, &m_size);
                char version[MPI_MAX_LIBRARY_VERSION_STRING] = {};
                int length = 0;
                MPI_Get_library_version(version, &length);
                m_library = std::string(version, static_cast<std::size_t>(length));
                if (auto comma = m_library.find(','); comma != std::string::npos) {
                    m_library.resize(comma); // "Open MPI v4.1.4"
                }
            } else {
                m_initText = mpiErrorText(code);
            }
            m_initialised = true;
            m_changed.notify_all();
            if (code != MPI_SUCCESS) {
                return;
            }
        }
        while (true) {
            std::shared_ptr<Job> job;
            {
                std::unique_lock lock(m_mutex);
                m_changed.wait(lock, [this] { return m_stop || !m_jobs.empty(); });
                if (m_jobs.empty()) {
                    break; // stop requested, nothing left
                }
                job = m_jobs.front();
                m_jobs.pop_front();
            }
            const int rc = job->run();
            std::lock_guard lock(m_mutex);
            job->code = rc;
            job->done = true;
            m_changed.notify_all();
        }
        MPI_Finalize();
    }

    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<std::shared_ptr<Job>> m_jobs;
    std::thread m_thread;
    bool m_initialised = false;
    int m_initCode = MPI_SUCCESS;
    std::string m_initText;
    bool m_stop = false;
    bool m_aborted = false;
    std::string m_abortReason;
    int m_rank = 0;
    int m_size = 1;
    std::string m_library;
    std::atomic<std::int64_t> m_bytes{0};
    double m_seconds = 0;
};

// Host copies of a list of f32 tensors, packed end to end.
struct Staging {
    std::vector<float> values;
    std::vector<std::size_t> offsets; // per tensor, in floats

    Status gather(Backend& backend, const std::vector<Tensor>& tensors) {
        std::size_t total = 0;
        offsets.clear();
        for (const Tensor& t : tensors) {
            if (t.dtype() != DType::F32) {
                return Error::internal("allreduce of " + t.toString() + ": only f32 tensors");
            }
            offsets.push_back(total);
            total += static_cast<std::size_t>(t.numel());
        }
        values.resize(total);
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            if (auto s = backend.copyToHost(tensors[i], values.data() + offsets[i]); !s) {
                return s;
            }
        }
        return backend.synchronize();
    }

    Status scatter(Backend& backend, const std::vector<Tensor>& tensors) const {
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            if (auto s = backend.copyFromHost(tensors[i], values.data() + offsets[i]); !s) {
                return s;
            }
        }
        return Status::success();
    }
};

class MpiPendingReduce final : public PendingReduce {
public:
    MpiPendingReduce(MpiWorker& worker, Backend& backend, std::vector<Tensor> tensors, ReduceOp op,
                     std::shared_ptr<Staging> staging, std::shared_ptr<Job> job)
        : m_worker(worker)
        , m_backend(backend)
        , m_tensors(std::move(tensors))
        , m_op(op)
        , m_staging(std::move(staging))
        , m_job(std::move(job)) {}

    Status wait() override {
        if (m_waited) {
            return Status::success();
        }
        m_waited = true;
        if (auto s = m_worker.wait(m_job); !s) {
            return s;
        }
        if (m_op == ReduceOp::Average && m_worker.size() > 1) {
            const float inverse = 1.0f / static_cast<float>(m_worker.size());
            for (float& v : m_staging->values) {
                v *= inverse;
            }
        }
        return m_staging->scatter(m_backend, m_tensors);
    }

private:
    MpiWorker& m_worker;
    Backend& m_backend;
    std::vector<Tensor> m_tensors;
    ReduceOp m_op;
    std::shared_ptr<Staging> m_staging; // shared with the job, which writes into it
    std::shared_ptr<Job> m_job;
    bool m_waited = false;
};

class MpiCommunicator final : public Communicator {
public:
    explicit MpiCommunicator(MpiWorker& worker)
        : m_worker(worker) {}

    int rank() const override { return m_worker.rank(); }
    int size() const override { return m_worker.size(); }
    std::string description() const override {
        return "MPI (" + m_worker.library() + "), " + std::to_string(size()) +
               (size() == 1 ? " rank" : " ranks");
    }

    Status broadcast(Backend& backend, std::span<const Tensor> tensors, int root) override {
        std::vector<Tensor> list(tensors.begin(), tensors.end());
        auto staging = std::make_shared<Staging>();
        if (auto s = staging->gather(backend, list); !s) { // sizes everywhere, values on root
            return s;
        }
        if (staging->values.empty()) {
            return Status::success();
        }
        auto job = m_worker.submit("MPI_Bcast", [staging, root] {
            return MPI_Bcast(staging->values.data(), static_cast<int>(staging->values.size()),
                             MPI_FLOAT, root, MPI_COMM_WORLD);
        });
        if (auto s = m_worker.wait(job); !s) {
            return s;
        }
        return rank() == root ? Status::success() : staging->scatter(backend, list);
    }

    Expected<std::unique_ptr<PendingReduce>>
    startAllreduce(Backend& backend, std::vector<Tensor> tensors, ReduceOp op) override {
        auto staging = std::make_shared<Staging>();
        if (auto s = staging->gather(backend, tensors); !s) {
            return s.error();
        }
        MpiWorker* worker = &m_worker;
        auto job = m_worker.submit("MPI_Allreduce", [staging, worker] {
            const auto start = Clock::now();
            const int rc = MPI_Allreduce(MPI_IN_PLACE, staging->values.data(),
                                         static_cast<int>(staging->values.size()), MPI_FLOAT,
                                         MPI_SUM, MPI_COMM_WORLD);
            worker->addReduced(static_cast<std::int64_t>(staging->values.size() * sizeof(float)),
                               std::chrono::duration<double>(Clock::now() - start).count());
            return rc;
        });
        return std::unique_ptr<PendingReduce>(
            new MpiPendingReduce(m_worker, backend, std::move(tensors), op, staging, job));
    }

    Status allreduceHost(std::span<double> values) override {
        // A copy the job owns: after an abort the caller's memory may be gone while the
        // worker is still in the collective.
        auto copy = std::make_shared<std::vector<double>>(values.begin(), values.end());
        auto job = m_worker.submit("MPI_Allreduce", [copy] {
            return MPI_Allreduce(MPI_IN_PLACE, copy->data(), static_cast<int>(copy->size()),
                                 MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        });
        if (auto s = m_worker.wait(job); !s) {
            return s;
        }
        std::copy(copy->begin(), copy->end(), values.begin());
        return Status::success();
    }

    Status broadcastHost(std::span<std::byte> bytes, int root) override {
        auto copy = std::make_shared<std::vector<std::byte>>(bytes.begin(), bytes.end());
        auto job = m_worker.submit("MPI_Bcast", [copy, root] {
            return MPI_Bcast(copy->data(), static_cast<int>(copy->size()), MPI_BYTE, root,
                             MPI_COMM_WORLD);
        });
        if (auto s = m_worker.wait(job); !s) {
            return s;
        }
        std::copy(copy->begin(), copy->end(), bytes.begin());
        return Status::success();
    }

    Status barrier() override {
        return m_worker.wait(
            m_worker.submit("MPI_Barrier", [] { return MPI_Barrier(MPI_COMM_WORLD); }));
    }

    void abort(const std::string& why) override { m_worker.abort(why); }
    bool aborted() const override { return m_worker.aborted(); }
    std::int64_t bytesReduced() const override { return m_worker.bytesReduced(); }
    double reduceSeconds() const override { return m_worker.reduceSeconds(); }

private:
    MpiWorker& m_worker;
};

} // namespace

bool mpiAvailable() {
    return true;
}

Expected<std::unique_ptr<Communicator>> openMpiCommunicator() {
    MpiWorker& worker = MpiWorker::instance();
    if (auto s = worker.start(); !s) {
        return s.error();
    }
    return std::unique_ptr<Communicator>(new MpiCommunicator(worker));
}

void finalizeMpi() {
    MpiWorker::instance().finalize();
}

} // namespace nw::engine
