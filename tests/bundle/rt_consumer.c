/* A C99 program that uses libnetwright_rt alone, as a user shipping a bundle would: it proves
 * that netwright_rt.h is plain C and that the library needs nothing else of Netwright.
 * Usage: rt_consumer BUNDLE BATCH
 * Prints the input and output shapes, then the outputs for BATCH samples whose values are all
 * 0.5, one sample a line; on an error prints "error STATUS: MESSAGE" and exits with STATUS. */
#include "netwright_rt.h"

#include <stdio.h>
#include <stdlib.h>

static void printShape(const char* what, const int64_t* dims, int rank) {
    printf("%s [", what);
    for (int i = 0; i < rank; ++i) {
        printf(i ? ", %lld" : "%lld", (long long)dims[i]);
    }
    printf("]\n");
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: rt_consumer BUNDLE BATCH\n");
        return 64;
    }
    nw_rt_model* model = NULL;
    nw_rt_status status = nw_rt_load(argv[1], &model);
    if (status != NW_RT_OK) {
        printf("error %d: %s\n", (int)status, nw_rt_last_load_error());
        return (int)status;
    }
    int64_t in[8], out[8];
    int inRank = nw_rt_input_shape(model, in, 8), outRank = nw_rt_output_shape(model, out, 8);
    printShape("input", in, inRank);
    printShape("output", out, outRank);
    int64_t batch = atoll(argv[2]), inCount = batch, outCount = 1;
    for (int i = 0; i < inRank; ++i) {
        inCount *= in[i];
    }
    for (int i = 0; i < outRank; ++i) {
        outCount *= out[i];
    }
    float* x = malloc(sizeof(float) * (size_t)(inCount > 0 ? inCount : 1));
    float* y = malloc(sizeof(float) * (size_t)(batch > 0 ? batch * outCount : 1));
    for (int64_t i = 0; i < inCount; ++i) {
        x[i] = 0.5f;
    }
    status = nw_rt_run_checked(model, x, (size_t)inCount, batch, y, (size_t)(batch * outCount));
    if (status != NW_RT_OK) {
        printf("error %d: %s\n", (int)status, nw_rt_error(model));
    } else {
        for (int64_t s = 0; s < batch; ++s) {
            for (int64_t k = 0; k < outCount; ++k) {
                printf(k ? " %.9g" : "%.9g", (double)y[s * outCount + k]);
            }
            printf("\n");
        }
    }
    free(x);
    free(y);
    nw_rt_free(model);
    return (int)status;
}
