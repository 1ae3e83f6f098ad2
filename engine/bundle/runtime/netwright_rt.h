/* libnetwright_rt: runs a Netwright inference bundle (.nwbundle) on the CPU.
 *
 * A C API: load a bundle, ask for its input and output shapes, run batches, free it.
 * Every call returns a status code; on failure the model (or nw_rt_last_error for a failed
 * load) holds a message that names the file, layer or expected shape. Nothing aborts.
 * A model is not thread-safe: use one per thread, or serialise calls.
 * netwright_rt.hpp is a thin C++ wrapper over this API. */
#ifndef NETWRIGHT_RT_H
#define NETWRIGHT_RT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    NW_RT_OK = 0,
    NW_RT_ERROR_IO = 1,       /* the file cannot be read */
    NW_RT_ERROR_FORMAT = 2,   /* not a valid bundle, or one this runtime cannot run */
    NW_RT_ERROR_ARGUMENT = 3, /* a wrong shape, batch or null pointer */
    NW_RT_ERROR_INTERNAL = 4  /* oneDNN refused a primitive, out of memory */
} nw_rt_status;

typedef struct nw_rt_model nw_rt_model;

/* Loads `path` into *model. On failure *model is NULL and nw_rt_last_load_error() says why. */
nw_rt_status nw_rt_load(const char* path, nw_rt_model** model);
/* The message of the last failed nw_rt_load on this thread. */
const char* nw_rt_last_load_error(void);

/* Shape of one sample of the input / output (without the batch): fills up to `capacity`
 * dims and returns the rank. */
int nw_rt_input_shape(const nw_rt_model* model, int64_t* dims, int capacity);
int nw_rt_output_shape(const nw_rt_model* model, int64_t* dims, int capacity);

/* Runs `batch` samples: `input` holds batch * prod(input shape) floats (normalised as the
 * bundle's metadata says), `output` receives batch * prod(output shape) floats. */
nw_rt_status nw_rt_run(nw_rt_model* model, const float* input, int64_t batch, float* output);

/* nw_rt_run with the buffers' lengths (in floats) checked first: a wrong input size is
 * NW_RT_ERROR_ARGUMENT with a message naming the shape the model expects. */
nw_rt_status nw_rt_run_checked(nw_rt_model* model, const float* input, size_t input_length,
                               int64_t batch, float* output, size_t output_length);

/* Worker threads (0: every core). */
void nw_rt_set_threads(int threads);

/* The message of the model's last failed call. */
const char* nw_rt_error(const nw_rt_model* model);

void nw_rt_free(nw_rt_model* model);

#ifdef __cplusplus
}
#endif

#endif /* NETWRIGHT_RT_H */
