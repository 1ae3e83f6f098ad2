#pragma once
// Static memory planning: tensors with known sizes and lifetimes (in schedule steps) share
// one arena; two tensors overlap in memory only when their lifetimes do not.

#include <cstddef>
#include <vector>

namespace nw::engine {

struct BufferRequest {
    std::size_t bytes = 0;
    int firstStep = 0; // written at this step
    int lastStep = 0;  // last read at this step (inclusive)
};

struct MemoryLayout {
    std::vector<std::size_t> offsets; // per request, aligned
    std::size_t arenaBytes = 0;       // the peak: what the arena must hold
    std::size_t naiveBytes = 0;       // the sum of all requests, for comparison
};

// Greedy best-fit by decreasing size; offsets aligned to `alignment` bytes.
MemoryLayout planMemory(const std::vector<BufferRequest>& requests, std::size_t alignment = 64);

} // namespace nw::engine
