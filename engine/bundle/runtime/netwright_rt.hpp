// A thin C++ wrapper over libnetwright_rt's C API (netwright_rt.h): a Model that frees itself,
// errors as exceptions carrying the status and the runtime's message, shapes as vectors, and
// runs whose buffer sizes are checked against the model's shapes. Header-only, C++17.
//
//     netwright::Model model("cnn.nwbundle");
//     std::vector<float> logits = model.run(images, batch); // images: batch x input floats
#ifndef NETWRIGHT_RT_HPP
#define NETWRIGHT_RT_HPP

#include "netwright_rt.h"

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace netwright {

class Error : public std::runtime_error {
public:
    Error(nw_rt_status status, const std::string& message)
        : std::runtime_error(message)
        , m_status(status) {}
    nw_rt_status status() const noexcept { return m_status; }

private:
    nw_rt_status m_status;
};

class Model {
public:
    // Loads a bundle; throws Error (NW_RT_ERROR_IO, NW_RT_ERROR_FORMAT, ...) naming the file.
    explicit Model(const std::string& path) {
        nw_rt_model* m = nullptr;
        nw_rt_status s = nw_rt_load(path.c_str(), &m);
        if (s != NW_RT_OK) {
            throw Error(s, nw_rt_last_load_error());
        }
        m_model.reset(m);
    }

    // One sample's shape (no batch dimension).
    std::vector<std::int64_t> inputShape() const { return shape(&nw_rt_input_shape); }
    std::vector<std::int64_t> outputShape() const { return shape(&nw_rt_output_shape); }
    std::int64_t inputSize() const { return count(inputShape()); }
    std::int64_t outputSize() const { return count(outputShape()); }

    // input: batch x inputSize() floats, normalised as the bundle's metadata says; returns
    // batch x outputSize() floats. Throws Error naming the expected shape on a wrong size.
    std::vector<float> run(const std::vector<float>& input, std::int64_t batch) {
        std::vector<float> output(static_cast<std::size_t>(batch > 0 ? batch * outputSize() : 0));
        run(input.data(), input.size(), batch, output.data(), output.size());
        return output;
    }
    void run(const float* input, std::size_t inputLength, std::int64_t batch, float* output,
             std::size_t outputLength) {
        nw_rt_status s =
            nw_rt_run_checked(m_model.get(), input, inputLength, batch, output, outputLength);
        if (s != NW_RT_OK) {
            throw Error(s, nw_rt_error(m_model.get()));
        }
    }

    // Worker threads for every model (0: every core).
    static void setThreads(int threads) { nw_rt_set_threads(threads); }

private:
    struct Free {
        void operator()(nw_rt_model* m) const { nw_rt_free(m); }
    };
    using ShapeQuery = int (*)(const nw_rt_model*, int64_t*, int);
    std::vector<std::int64_t> shape(ShapeQuery query) const {
        std::int64_t dims[16];
        int rank = query(m_model.get(), dims, 16);
        return std::vector<std::int64_t>(dims, dims + (rank < 16 ? rank : 16));
    }
    static std::int64_t count(const std::vector<std::int64_t>& shape) {
        std::int64_t n = 1;
        for (auto d : shape) {
            n *= d;
        }
        return n;
    }
    std::unique_ptr<nw_rt_model, Free> m_model;
};

} // namespace netwright

#endif // NETWRIGHT_RT_HPP
