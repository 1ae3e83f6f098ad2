#include "engine/plan/memory_planner.h"

#include <algorithm>
#include <cstdint>
#include <numeric>

namespace nw::engine {

MemoryLayout planMemory(const std::vector<BufferRequest>& requests, std::size_t alignment) {
    auto align = [alignment](std::size_t n) { return (n + alignment - 1) / alignment * alignment; };
    MemoryLayout out;
    out.offsets.assign(requests.size(), 0);
    std::vector<std::size_t> order(requests.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return requests[a].bytes > requests[b].bytes;
    });

    struct Placed {
        std::size_t offset, end;
        int first, last;
    };
    std::vector<Placed> placed;
    for (std::size_t i : order) {
        const auto& r = requests[i];
        std::size_t size = align(std::max<std::size_t>(r.bytes, 1));
        out.naiveBytes += size;
        // Ranges taken by tensors alive at the same time, by offset.
        std::vector<std::pair<std::size_t, std::size_t>> taken;
        for (const auto& p : placed) {
            if (p.first <= r.lastStep && r.firstStep <= p.last) {
                taken.emplace_back(p.offset, p.end);
            }
        }
        std::sort(taken.begin(), taken.end());
        // Best fit: the smallest gap that holds `size`, else the end.
        std::size_t best = SIZE_MAX, bestGap = SIZE_MAX, cursor = 0;
        for (const auto& [start, end] : taken) {
            if (start > cursor && start - cursor >= size && start - cursor < bestGap) {
                best = cursor;
                bestGap = start - cursor;
            }
            cursor = std::max(cursor, end);
        }
        if (best == SIZE_MAX) {
            best = cursor;
        }
        out.offsets[i] = best;
        placed.push_back({best, best + size, r.firstStep, r.lastStep});
        out.arenaBytes = std::max(out.arenaBytes, best + size);
    }
    return out;
}

} // namespace nw::engine
