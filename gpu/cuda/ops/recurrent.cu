// LSTM and GRU on cuDNN 9's RNN API, as engine/cpu/ops/recurrent.cpp: one cuDNN RNN over all
// layers and directions (CUDNN_LSTM; CUDNN_GRU, which is PyTorch's GRU: the reset applied after
// the hidden product), with two biases per gate as PyTorch, from a zero initial state.
//
// x: [N, T, C] and the top layer's every step [N, T, H·D] are cuDNN's batch-major unpacked
// layout as they lie (bidirectional: the forward direction's features first). y is that
// sequence, or for "last" [N, H·D]: the forward direction's step T-1 and the backward
// direction's step 0 (PyTorch's h_n), gathered from a kernel-owned copy of the sequence.
//
// Params per layer k and direction (PyTorch's names and layouts): weight_ih [G·H, in_k],
// weight_hh [G·H, H], bias_ih and bias_hh [G·H], each a stack of G gate blocks of H rows in
// PyTorch's gate order (LSTM i, f, g, o; GRU r, z, n). That is cuDNN's linLayerID order: LSTM
// 0-3 the input matrices of i, f, c' (= g), o and 4-7 the recurrent ones; GRU 0-2 the input
// matrices of r, z (cuDNN's u), h' (= n) and 3-5 the recurrent ones; each matrix [H, in] row-
// major with its bias [H] (DOUBLE_BIAS: input biases with 0..G-1, recurrent ones with
// G..2G-1). cuDNN keeps them in one packed weight space: each forward copies our tensors into
// it, one copy per run contiguous in both (the addresses from cudnnGetRNNWeightParams, taken
// once here), and each backward copies the packed gradient back out. cuDNN's bias gradients are
// PyTorch's: bias_ih and bias_hh both get the gate's gradient where they are summed, and
// GRU's n gate keeps its two apart (the hidden one scaled by r), as the CPU's.
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/runtime/cuda_check.h"

#include <algorithm>
#include <climits>
#include <cudnn.h>
#include <memory>
#include <type_traits>
#include <vector>

namespace nw::gpu::cuda {

namespace {

enum class CellKind { Lstm, Gru };

template <class T, auto Destroy>
struct Destroyer {
    void operator()(T p) const { (void)Destroy(p); }
};
// A cuDNN descriptor, destroyed with its owner.
template <class T, auto Create, auto Destroy>
struct Owned {
    std::unique_ptr<std::remove_pointer_t<T>, Destroyer<T, Destroy>> p;

    static Owned create(const std::string& what) {
        T raw = nullptr;
        builtOrThrow(check(Create(&raw), what));
        return Owned{decltype(p)(raw)};
    }
    T get() const { return p.get(); }
};
using RnnDesc = Owned<cudnnRNNDescriptor_t, cudnnCreateRNNDescriptor, cudnnDestroyRNNDescriptor>;
using DataDesc =
    Owned<cudnnRNNDataDescriptor_t, cudnnCreateRNNDataDescriptor, cudnnDestroyRNNDataDescriptor>;
using TensorDesc =
    Owned<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using DropoutDesc =
    Owned<cudnnDropoutDescriptor_t, cudnnCreateDropoutDescriptor, cudnnDestroyDropoutDescriptor>;

// A run of floats contiguous both in one of our parameters and in cuDNN's weight space.
struct Segment {
    std::size_t param;    // its index in params (and gradParams)
    std::int64_t paramAt; // the run's first float in the parameter
    std::int64_t spaceAt; // and in the weight space
    std::int64_t count;
};

// The parameter of layer k, direction d: 0 weight_ih, 1 weight_hh, 2 bias_ih, 3 bias_hh.
std::size_t paramIndex(std::int64_t k, std::int64_t d, std::int64_t dirs, int which) {
    return std::size_t((k * dirs + d) * 4 + which);
}

int checkedInt(std::int64_t v, const char* what) {
    if (v < 1 || v > INT_MAX) {
        throw KernelBuildError{
            Error::user(std::string("cuDNN's RNN cannot take ") + what + " " + std::to_string(v))};
    }
    return int(v);
}

class RecurrentKernel final : public CudaKernel {
public:
    RecurrentKernel(CudaBackend& backend, const KernelConfig& c, CellKind kind)
        : CudaKernel(backend, c)
        , m_n(c.inputs[0].at(0))
        , m_t(c.inputs[0].at(1))
        , m_in(c.inputs[0].at(2))
        , m_h(attrInt("hidden_size"))
        , m_layers(attrInt("layers"))
        , m_dirs(attrBool("bidirectional") ? 2 : 1)
        , m_gates(kind == CellKind::Lstm ? 4 : 3)
        , m_last(attrString("output") == "last")
        , m_rnn(RnnDesc::create("RNN descriptor"))
        , m_dropout(DropoutDesc::create("dropout descriptor"))
        , m_x(DataDesc::create("input descriptor"))
        , m_y(DataDesc::create("output descriptor"))
        , m_state(TensorDesc::create("state descriptor")) {
        describe(kind);
        cudnnHandle_t dnn = m_backend.cudnn();
        builtOrThrow(check(cudnnGetRNNWeightSpaceSize(dnn, m_rnn.get(), &m_weightBytes),
                           "RNN weight space size"));
        builtOrThrow(check(cudnnGetRNNTempSpaceSizes(dnn, m_rnn.get(), CUDNN_FWD_MODE_TRAINING,
                                                     m_x.get(), &m_workBytes, &m_reserveBytes),
                           "RNN work space sizes"));
        m_weights = scratch({floatsFor(m_weightBytes)});
        m_weightGrads = scratch({floatsFor(m_weightBytes)});
        m_reserve = scratch({floatsFor(m_reserveBytes)});
        builtOrThrow(m_backend.workspace(m_workBytes));
        mapWeights();

        // cuDNN reads every sequence's length from the device: all T.
        m_lengths = scratch({m_n}, DType::I32);
        const std::vector<int> lengths(static_cast<std::size_t>(m_n), static_cast<int>(m_t));
        builtOrThrow(m_backend.copyFromHost(m_lengths, lengths.data()));
        if (m_last) {
            m_sequence = scratch({m_n, m_t, m_h * m_dirs});
            m_sequenceGrad = scratch({m_n, m_t, m_h * m_dirs});
        }
        m_inputGrad = scratch({m_n, m_t, m_in}); // cuDNN's dx when ours is not wanted
    }

    bool backwardReadsOutputs() const override { return !m_last; } // y is the sequence

    Status forward(const ForwardArgs& a) override {
        if (auto s = copyWeights(a.params); !s) {
            return s;
        }
        float* seq = m_last ? f32(m_sequence) : f32(a.outputs[0]);
        auto work = m_backend.workspace(m_workBytes); // reserved when built: the current one
        if (!work) {
            return work.error();
        }
        if (auto s = check(cudnnRNNForward(m_backend.cudnn(), m_rnn.get(), CUDNN_FWD_MODE_TRAINING,
                                           i32(m_lengths), m_x.get(), f32(a.inputs[0]), m_y.get(),
                                           seq, m_state.get(), nullptr, nullptr, m_state.get(),
                                           nullptr, nullptr, m_weightBytes, f32(m_weights),
                                           m_workBytes, *work, m_reserveBytes, f32(m_reserve)),
                           what("forward"));
            !s) {
            return s;
        }
        if (m_last) {
            if (auto s = copyLastSteps(seq, f32(a.outputs[0]), true); !s) {
                return s;
            }
        }
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        const bool wantsInput = a.gradInputs[0].defined();
        bool wantsParams = false;
        for (const Tensor& g : a.gradParams) {
            wantsParams = wantsParams || g.defined();
        }
        if (!wantsInput && !wantsParams) {
            return Status::success();
        }
        const float* seq = m_last ? f32(m_sequence) : f32(a.outputs[0]);
        const float* dseq = f32(a.gradOutputs[0]);
        if (m_last) { // dy lands on the steps "last" read; every other step's is zero
            if (auto s =
                    check(cudaMemsetAsync(f32(m_sequenceGrad), 0, m_sequenceGrad.bytes(), stream()),
                          what("backward"));
                !s) {
                return s;
            }
            if (auto s = copyLastSteps(f32(m_sequenceGrad), f32(a.gradOutputs[0]), false); !s) {
                return s;
            }
            dseq = f32(m_sequenceGrad);
        }
        auto work = m_backend.workspace(m_workBytes);
        if (!work) {
            return work.error();
        }
        // Always run: it leaves in the reserve space what the weight gradient reads.
        float* dx = wantsInput ? f32(a.gradInputs[0]) : f32(m_inputGrad);
        if (auto s = check(cudnnRNNBackwardData_v8(
                               m_backend.cudnn(), m_rnn.get(), i32(m_lengths), m_y.get(), seq, dseq,
                               m_x.get(), dx, m_state.get(), nullptr, nullptr, nullptr,
                               m_state.get(), nullptr, nullptr, nullptr, m_weightBytes,
                               f32(m_weights), m_workBytes, *work, m_reserveBytes, f32(m_reserve)),
                           what("data gradient"));
            !s) {
            return s;
        }
        if (wantsParams) {
            // cuDNN only adds into the weight gradient.
            if (auto s = check(cudaMemsetAsync(f32(m_weightGrads), 0, m_weightBytes, stream()),
                               what("weight gradient"));
                !s) {
                return s;
            }
            if (auto s = check(cudnnRNNBackwardWeights_v8(
                                   m_backend.cudnn(), m_rnn.get(), CUDNN_WGRAD_MODE_ADD,
                                   i32(m_lengths), m_x.get(), f32(a.inputs[0]), m_state.get(),
                                   nullptr, m_y.get(), seq, m_weightBytes, f32(m_weightGrads),
                                   m_workBytes, *work, m_reserveBytes, f32(m_reserve)),
                               what("weight gradient"));
                !s) {
                return s;
            }
            if (auto s = copyWeightGrads(a.gradParams); !s) {
                return s;
            }
        }
        return launched("backward");
    }

private:
    std::string what(const char* pass) const { return "node '" + m_node + "' " + pass; }

    static std::int64_t floatsFor(std::size_t bytes) {
        return std::max<std::int64_t>(std::int64_t((bytes + sizeof(float) - 1) / sizeof(float)), 1);
    }

    // The RNN, the batch-major data and the [L·D, N, H] state descriptors.
    void describe(CellKind kind) {
        cudnnHandle_t dnn = m_backend.cudnn();
        const int n = checkedInt(m_n, "a batch of"), t = checkedInt(m_t, "sequences of length");
        const int in = checkedInt(m_in, "input features"), h = checkedInt(m_h, "hidden size");
        const int out = checkedInt(m_h * m_dirs, "output features");
        // No dropout between layers (the op has none): cuDNN still wants a descriptor.
        builtOrThrow(check(cudnnSetDropoutDescriptor(m_dropout.get(), dnn, 0.0f, nullptr, 0, 0),
                           "dropout descriptor"));
        // Full fp32 unless the run allows TF32 (CUDNN_DEFAULT_MATH lets cuDNN use it). Under
        // bf16 the cells stay in fp32, as the CPU's do: only convolutions and matrix products
        // take bf16 inputs.
        const cudnnMathType_t math =
            m_backend.mathMode() == MathMode::Tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
        builtOrThrow(check(
            cudnnSetRNNDescriptor_v8(m_rnn.get(), CUDNN_RNN_ALGO_STANDARD,
                                     kind == CellKind::Lstm ? CUDNN_LSTM : CUDNN_GRU,
                                     CUDNN_RNN_DOUBLE_BIAS,
                                     m_dirs == 2 ? CUDNN_BIDIRECTIONAL : CUDNN_UNIDIRECTIONAL,
                                     CUDNN_LINEAR_INPUT, CUDNN_DATA_FLOAT, CUDNN_DATA_FLOAT, math,
                                     in, h, h /* no projection */, int(m_layers), m_dropout.get(),
                                     CUDNN_RNN_PADDED_IO_ENABLED /* the unpacked layouts */),
            "RNN descriptor"));
        const std::vector<int> lengths(static_cast<std::size_t>(n), t);
        auto data = [&](const DataDesc& desc, int features, const char* name) {
            builtOrThrow(check(cudnnSetRNNDataDescriptor(desc.get(), CUDNN_DATA_FLOAT,
                                                         CUDNN_RNN_DATA_LAYOUT_BATCH_MAJOR_UNPACKED,
                                                         t, n, features, lengths.data(), nullptr),
                               name));
        };
        data(m_x, in, "input descriptor");
        data(m_y, out, "output descriptor");
        const int dims[3] = {int(m_layers * m_dirs), n, h};
        const int strides[3] = {n * h, h, 1};
        builtOrThrow(
            check(cudnnSetTensorNdDescriptor(m_state.get(), CUDNN_DATA_FLOAT, 3, dims, strides),
                  "state descriptor"));
    }

    // Where each of our parameters lies in the weight space (see the file comment).
    void mapWeights() {
        TensorDesc matrix = TensorDesc::create("weight descriptor");
        TensorDesc bias = TensorDesc::create("bias descriptor");
        const auto* base = reinterpret_cast<const std::byte*>(f32(m_weights));
        auto numel = [](const TensorDesc& desc) {
            cudnnDataType_t type;
            int rank = 0, dims[3] = {}, strides[3] = {};
            builtOrThrow(
                check(cudnnGetTensorNdDescriptor(desc.get(), 3, &type, &rank, dims, strides),
                      "RNN weight shape"));
            std::int64_t count = 1;
            for (int i = 0; i < rank; ++i) {
                count *= dims[i];
            }
            return count;
        };
        for (bool matrices : {true, false}) {
            for (std::int64_t k = 0; k < m_layers; ++k) {
                const std::int64_t inK = k == 0 ? m_in : m_h * m_dirs;
                for (std::int64_t d = 0; d < m_dirs; ++d) {
                    for (int id = 0; id < 2 * m_gates; ++id) {
                        void* mAddr = nullptr;
                        void* bAddr = nullptr;
                        builtOrThrow(check(
                            cudnnGetRNNWeightParams(m_backend.cudnn(), m_rnn.get(),
                                                    int(k * m_dirs + d), m_weightBytes, base, id,
                                                    matrix.get(), &mAddr, bias.get(), &bAddr),
                            "RNN weight address"));
                        const bool recurrent = id >= m_gates;
                        const std::int64_t gate = id % m_gates;
                        const std::int64_t cols = matrices ? (recurrent ? m_h : inK) : 1;
                        const std::int64_t count = m_h * cols;
                        void* addr = matrices ? mAddr : bAddr;
                        if (!addr || numel(matrices ? matrix : bias) != count) {
                            throw KernelBuildError{Error::internal(
                                "cuDNN's packed RNN weights are not the [" + std::to_string(m_h) +
                                ", " + std::to_string(cols) + "] blocks expected (layer " +
                                std::to_string(k) + ", gate " + std::to_string(id) + ")")};
                        }
                        const int which = (matrices ? 0 : 2) + (recurrent ? 1 : 0);
                        addSegment({paramIndex(k, d, m_dirs, which), gate * count,
                                    (static_cast<const std::byte*>(addr) - base) /
                                        std::int64_t(sizeof(float)),
                                    count});
                    }
                }
            }
        }
    }

    void addSegment(const Segment& s) {
        if (!m_segments.empty()) {
            Segment& last = m_segments.back();
            if (last.param == s.param && last.paramAt + last.count == s.paramAt &&
                last.spaceAt + last.count == s.spaceAt) {
                last.count += s.count;
                return;
            }
        }
        m_segments.push_back(s);
    }

    Status copyWeights(std::span<const Tensor> params) {
        cudaError_t e = cudaSuccess;
        for (const Segment& s : m_segments) {
            if (e == cudaSuccess) {
                e = cudaMemcpyAsync(f32(m_weights) + s.spaceAt, f32(params[s.param]) + s.paramAt,
                                    std::size_t(s.count) * sizeof(float), cudaMemcpyDeviceToDevice,
                                    stream());
            }
        }
        return check(e, what("forward: packing the weights"));
    }

    Status copyWeightGrads(std::span<const Tensor> grads) {
        cudaError_t e = cudaSuccess;
        for (const Segment& s : m_segments) {
            if (e == cudaSuccess && s.param < grads.size() && grads[s.param].defined()) {
                e = cudaMemcpyAsync(f32(grads[s.param]) + s.paramAt, f32(m_weightGrads) + s.spaceAt,
                                    std::size_t(s.count) * sizeof(float), cudaMemcpyDeviceToDevice,
                                    stream());
            }
        }
        return check(e, what("backward: unpacking the weight gradients"));
    }

    // Between the sequence [N, T, H·D] and "last"'s [N, H·D]: the forward direction's step T-1
    // and the backward direction's step 0 (toLast: gathered into `last`; else scattered back).
    Status copyLastSteps(float* seq, float* last, bool toLast) {
        const std::size_t rowBytes = std::size_t(m_h) * sizeof(float);
        const std::size_t lastPitch = std::size_t(m_h * m_dirs) * sizeof(float);
        const std::size_t seqPitch = std::size_t(m_t) * lastPitch; // one sample's steps
        cudaError_t e = cudaSuccess;
        for (std::int64_t d = 0; d < m_dirs && e == cudaSuccess; ++d) {
            float* step = seq + (d == 0 ? (m_t - 1) * m_h * m_dirs : m_h);
            float* part = last + d * m_h;
            e = toLast ? cudaMemcpy2DAsync(part, lastPitch, step, seqPitch, rowBytes,
                                           std::size_t(m_n), cudaMemcpyDeviceToDevice, stream())
                       : cudaMemcpy2DAsync(step, seqPitch, part, lastPitch, rowBytes,
                                           std::size_t(m_n), cudaMemcpyDeviceToDevice, stream());
        }
        return check(e, what(toLast ? "forward: the last steps" : "backward: the last steps"));
    }

    std::int64_t m_n, m_t, m_in, m_h, m_layers, m_dirs;
    int m_gates;
    bool m_last;
    RnnDesc m_rnn;
    DropoutDesc m_dropout;
    DataDesc m_x, m_y;  // [N, T, C] and [N, T, H·D], batch-major
    TensorDesc m_state; // h (and LSTM's c): [L·D, N, H], never passed (zero, not returned)
    std::size_t m_weightBytes = 0, m_workBytes = 0, m_reserveBytes = 0;
    std::vector<Segment> m_segments;

    // The packed weights and their gradient; what backward reads of the forward; every
    // sequence's length (T); for "last", the top layer's sequence and its gradient; dx when
    // the input's gradient is not wanted.
    Tensor m_weights, m_weightGrads, m_reserve, m_lengths, m_sequence, m_sequenceGrad, m_inputGrad;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeLstmKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<RecurrentKernel>(b, c, CellKind::Lstm);
}

Expected<std::unique_ptr<OpKernel>> makeGruKernel(CudaBackend& b, const KernelConfig& c) {
    return makeKernel<RecurrentKernel>(b, c, CellKind::Gru);
}

} // namespace nw::gpu::cuda
