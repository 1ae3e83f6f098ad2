#include "engine/distributed/gradient_sync.h"

#include <chrono>

namespace nw::engine {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

} // namespace

GradientSync::GradientSync(Communicator& communicator, Backend& backend, std::vector<Tensor> grads,
                           std::size_t bucketBytes)
    : m_comm(communicator)
    , m_backend(backend)
    , m_grads(std::move(grads))
    , m_bucketBytes(bucketBytes)
    , m_started(m_grads.size(), false) {
    for (std::size_t i = 0; i < m_grads.size(); ++i) {
        m_index.emplace(
            std::make_pair(static_cast<const void*>(m_grads[i].buffer()), m_grads[i].offset()), i);
    }
}

void GradientSync::beginStep() {
    m_started.assign(m_grads.size(), false);
    m_bucket.clear();
    m_bucketFill = 0;
    m_pending.clear();
    m_bucketsStarted = 0;
    m_exposedSeconds = 0;
    m_stagingSeconds = 0;
}

Status GradientSync::startBucket() {
    if (m_bucket.empty()) {
        return Status::success();
    }
    const auto start = Clock::now();
    auto pending = m_comm.startAllreduce(m_backend, std::move(m_bucket), ReduceOp::Average);
    m_stagingSeconds += secondsSince(start);
    m_bucket.clear();
    m_bucketFill = 0;
    if (!pending) {
        return pending.error();
    }
    m_pending.push_back(std::move(*pending));
    ++m_bucketsStarted;
    return Status::success();
}

Status GradientSync::ready(std::span<const Tensor> gradParams) {
    for (const Tensor& g : gradParams) {
        if (!g.defined()) {
            continue; // a frozen node's
        }
        auto it = m_index.find({static_cast<const void*>(g.buffer()), g.offset()});
        if (it == m_index.end() || m_started[it->second]) {
            continue; // not the optimizer's (a fallback copy), or already on its way
        }
        m_started[it->second] = true;
        m_bucket.push_back(m_grads[it->second]);
        m_bucketFill += g.bytes();
        if (m_bucketFill >= m_bucketBytes) {
            if (auto s = startBucket(); !s) {
                return s;
            }
        }
    }
    return Status::success();
}

Status GradientSync::finish() {
    for (std::size_t i = 0; i < m_grads.size(); ++i) {
        if (!m_started[i]) {
            m_started[i] = true;
            m_bucket.push_back(m_grads[i]);
        }
    }
    if (auto s = startBucket(); !s) {
        return s;
    }
    const auto start = Clock::now();
    for (auto& pending : m_pending) {
        if (auto s = pending->wait(); !s) {
            return s;
        }
    }
    m_exposedSeconds += secondsSince(start);
    m_pending.clear();
    return Status::success();
}

} // namespace nw::engine
