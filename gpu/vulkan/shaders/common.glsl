// Shared by every shader: tensors as buffer references (device addresses in push
// constants), a 1-D workgroup whose size is specialization constant 0, grid-stride loops.
#extension GL_EXT_buffer_reference : require

layout(buffer_reference, std430, buffer_reference_align = 4) buffer Floats { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer Ints { int v[]; };

layout(local_size_x_id = 0) in;

// Every invocation of the dispatch, once: for (uint i = FIRST; i < n; i += STRIDE)
#define FIRST gl_GlobalInvocationID.x
#define STRIDE (gl_NumWorkGroups.x * gl_WorkGroupSize.x)

// Reports a class label outside [0, limit) through the backend's status word (once).
void reportBadLabel(Ints status, int value, int index, int limit) {
    if (atomicCompSwap(status.v[0], 0, 1) == 0) {
        status.v[1] = value;
        status.v[2] = index;
        status.v[3] = limit;
    }
}
