// The C API over nw::rt::Model: status codes and messages, never an exception across it.
#include "engine/bundle/runtime/model.h"
#include "engine/bundle/runtime/netwright_rt.h"

#include <omp.h>
#include <string>

struct nw_rt_model {
    std::unique_ptr<nw::rt::Model> model;
    std::string error;
};

namespace {

thread_local std::string lastLoadError;

nw_rt_status statusOf(const nw::Error& e) {
    return e.kind == nw::Error::Kind::User ? NW_RT_ERROR_FORMAT : NW_RT_ERROR_INTERNAL;
}

int copyShape(const std::vector<std::int64_t>& shape, int64_t* dims, int capacity) {
    for (int i = 0; i < capacity && i < int(shape.size()); ++i) {
        dims[i] = shape[std::size_t(i)];
    }
    return int(shape.size());
}

} // namespace

extern "C" {

nw_rt_status nw_rt_load(const char* path, nw_rt_model** out) {
    if (!out) {
        lastLoadError = "nw_rt_load: no output pointer";
        return NW_RT_ERROR_ARGUMENT;
    }
    *out = nullptr;
    if (!path) {
        lastLoadError = "nw_rt_load: no path";
        return NW_RT_ERROR_ARGUMENT;
    }
    try {
        auto m = nw::rt::Model::load(path);
        if (!m) {
            lastLoadError = m.error().message;
            bool io = lastLoadError.find("cannot read") != std::string::npos;
            return io ? NW_RT_ERROR_IO : statusOf(m.error());
        }
        *out = new nw_rt_model{std::move(*m), {}};
        return NW_RT_OK;
    } catch (const std::exception& e) {
        lastLoadError = std::string("nw_rt_load: ") + e.what();
        return NW_RT_ERROR_INTERNAL;
    }
}

const char* nw_rt_last_load_error(void) {
    return lastLoadError.c_str();
}

int nw_rt_input_shape(const nw_rt_model* m, int64_t* dims, int capacity) {
    return m ? copyShape(m->model->inputShape(), dims, capacity) : 0;
}

int nw_rt_output_shape(const nw_rt_model* m, int64_t* dims, int capacity) {
    return m ? copyShape(m->model->outputShape(), dims, capacity) : 0;
}

nw_rt_status nw_rt_run(nw_rt_model* m, const float* input, int64_t batch, float* output) {
    if (!m) {
        return NW_RT_ERROR_ARGUMENT;
    }
    if (!input || !output || batch < 1) {
        m->error = "nw_rt_run: needs input and output buffers and a batch of at least 1";
        return NW_RT_ERROR_ARGUMENT;
    }
    try {
        auto s = m->model->run(input, batch, output);
        if (!s) {
            m->error = s.error().message;
            return statusOf(s.error());
        }
        m->error.clear();
        return NW_RT_OK;
    } catch (const std::exception& e) {
        m->error = std::string("nw_rt_run: ") + e.what();
        return NW_RT_ERROR_INTERNAL;
    }
}

nw_rt_status nw_rt_run_checked(nw_rt_model* m, const float* input, size_t inputLength,
                               int64_t batch, float* output, size_t outputLength) {
    if (!m) {
        return NW_RT_ERROR_ARGUMENT;
    }
    auto shapeText = [](const std::vector<std::int64_t>& shape) {
        std::string s = "[";
        for (std::size_t i = 0; i < shape.size(); ++i) {
            s += (i ? ", " : "") + std::to_string(shape[i]);
        }
        return s + "]";
    };
    auto count = [](const std::vector<std::int64_t>& shape) {
        std::int64_t n = 1;
        for (auto d : shape) {
            n *= d;
        }
        return n;
    };
    const auto& in = m->model->inputShape();
    const auto out = m->model->outputShape();
    if (batch >= 1 && std::int64_t(inputLength) != batch * count(in)) {
        m->error = "nw_rt_run: the input holds " + std::to_string(inputLength) +
                   " floats; a batch of " + std::to_string(batch) + " samples of " + shapeText(in) +
                   " needs " + std::to_string(batch * count(in));
        return NW_RT_ERROR_ARGUMENT;
    }
    if (batch >= 1 && std::int64_t(outputLength) != batch * count(out)) {
        m->error = "nw_rt_run: the output buffer holds " + std::to_string(outputLength) +
                   " floats; a batch of " + std::to_string(batch) + " outputs of " +
                   shapeText(out) + " needs " + std::to_string(batch * count(out));
        return NW_RT_ERROR_ARGUMENT;
    }
    return nw_rt_run(m, input, batch, output);
}

void nw_rt_set_threads(int threads) {
    omp_set_num_threads(threads > 0 ? threads : omp_get_num_procs());
}

const char* nw_rt_error(const nw_rt_model* m) {
    return m ? m->error.c_str() : "no model";
}

void nw_rt_free(nw_rt_model* m) {
    delete m;
}

} // extern "C"
