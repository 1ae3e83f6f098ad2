// Conv2D on cuDNN's graph API (runtime/cudnn_graph.h), with the CPU kernel's semantics
// (engine/cpu/ops/conv2d.cpp). x: [N, C, H, W], weight: [F, C/groups, kh, kw] (PyTorch's
// layout; cuDNN reads the group count from C over the weight's second dim), bias: [F],
// y: [N, F, H', W'], all plain NCHW.
//
// Three plans are built with the kernel (its shapes are fixed): forward, data gradient and
// weight gradient, shared with other kernels of identical shape. The bias is our own pass:
// y += b[f] after the convolution, db[f] = sum of dy over N, H', W'. "same" padding may be
// asymmetric (the smaller half first, as the CPU splits it); when cuDNN builds no plan for
// that, the input is copied into a buffer with the extra rows and columns of zeros at the
// bottom and right, and the convolution runs with the symmetric leading padding.
//
// Under bf16 (MathMode::Bf16) the plans read bf16 copies of x, w and dy, made by our own
// pass (ops/bf16.cuh), and accumulate in fp32, tensor-core engines allowed. cuDNN documents
// one bf16 configuration for fprop, dgrad and wgrad alike (PSEUDO_BFLOAT16_CONFIG: x, w and y
// all bf16, fp32 compute) and none with bf16 inputs and an f32 result, so y, dx and dw come
// out in bf16 too, one rounding more than the CPU's f32 results, and are widened into our f32
// tensors. Every tensor of the plan stays f32, as on the CPU.
#include "gpu/cuda/ops/bf16.cuh"
#include "gpu/cuda/ops/channels.cuh"
#include "gpu/cuda/ops/kernel_base.h"
#include "gpu/cuda/ops/kernels.h"
#include "gpu/cuda/runtime/cudnn_graph.h"

#include <array>

namespace nw::gpu::cuda {

namespace {

// The tensors' unique ids in every plan's variant pack (x or dx, w or dw, y or dy).
constexpr std::int64_t kX = 1, kW = 2, kY = 3;

// The convolution as cuDNN computes it.
struct ConvGeometry {
    Dims x, w, y;
    std::array<std::int64_t, 2> pre{}, post{}, stride{}, dilation{};
    cudnnDataType_t type = CUDNN_DATA_FLOAT; // of x, w and y: bf16 under MathMode::Bf16

    std::string key(const char* pass, std::int64_t alignment) const {
        auto list = [](auto&& v) {
            std::string s;
            for (std::int64_t d : v) {
                s += std::to_string(d) + ",";
            }
            return s;
        };
        return std::string("conv2d ") + pass + " x" + list(x) + " w" + list(w) + " y" + list(y) +
               " pre" + list(pre) + " post" + list(post) + " s" + list(stride) + " d" +
               list(dilation) + " a" + std::to_string(alignment) + " t" + std::to_string(int(type));
    }
};

enum class ConvPass { Forward, DataGradient, WeightGradient };

// The operation descriptor's type and attribute names for one pass.
struct PassAttributes {
    const char* name;
    cudnnBackendDescriptorType_t type;
    cudnnBackendAttributeName_t x, w, y, conv, alpha, beta;
};

PassAttributes attributesOf(ConvPass pass) {
    switch (pass) {
    case ConvPass::Forward:
        return {"convolution forward",
                CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR,
                CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X,
                CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W,
                CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y,
                CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC,
                CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA,
                CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA};
    case ConvPass::DataGradient:
        return {"convolution data gradient",
                CUDNN_BACKEND_OPERATION_CONVOLUTION_BACKWARD_DATA_DESCRIPTOR,
                CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_DX,
                CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_W,
                CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_DY,
                CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_CONV_DESC,
                CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_ALPHA,
                CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_BETA};
    case ConvPass::WeightGradient:
        break;
    }
    return {"convolution weight gradient",
            CUDNN_BACKEND_OPERATION_CONVOLUTION_BACKWARD_FILTER_DESCRIPTOR,
            CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_X,
            CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_DW,
            CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_DY,
            CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_CONV_DESC,
            CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_ALPHA,
            CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_FILTER_BETA};
}

// One pass of `g` as a cuDNN operation; alpha 1, beta 0: the result overwrites its output.
Expected<dnn::Operation> convOperation(const ConvGeometry& g, ConvPass pass,
                                       std::int64_t alignment) {
    const PassAttributes a = attributesOf(pass);
    dnn::Operation op;
    for (auto [uid, dims] : {std::pair{kX, &g.x}, std::pair{kW, &g.w}, std::pair{kY, &g.y}}) {
        auto t = dnn::tensor(uid, *dims, alignment, g.type);
        if (!t) {
            return t.error();
        }
        op.parts.push_back(std::move(*t));
    }
    dnn::Descriptor conv(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR);
    cudnnConvolutionMode_t mode = CUDNN_CROSS_CORRELATION; // what deep learning calls convolution
    // fp32 accumulation in every mode, on bf16 operands too.
    conv.setDataType(CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_DATA_FLOAT)
        .set(CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE, 1, &mode)
        .setInt(CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, 2)
        .setInts(CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, g.pre)
        .setInts(CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, g.post)
        .setInts(CUDNN_ATTR_CONVOLUTION_DILATIONS, g.dilation)
        .setInts(CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, g.stride);
    if (auto s = conv.finalize(std::string(a.name) + ": cuDNN convolution"); !s) {
        return s.error();
    }
    dnn::Descriptor o(a.type);
    o.setDescriptor(a.x, op.parts[0])
        .setDescriptor(a.w, op.parts[1])
        .setDescriptor(a.y, op.parts[2])
        .setDescriptor(a.conv, conv)
        .setFloat(a.alpha, 1.0f)
        .setFloat(a.beta, 0.0f);
    if (auto s = o.finalize(std::string(a.name) + ": cuDNN operation"); !s) {
        return s.error();
    }
    op.parts.push_back(std::move(conv));
    op.op = std::move(o);
    return Expected<dnn::Operation>(std::move(op));
}

struct ConvPlans {
    std::shared_ptr<const dnn::Plan> forward, data, weights;
    std::int64_t workspaceBytes = 0;
};

Expected<ConvPlans> buildConvPlans(cudnnHandle_t handle, const ConvGeometry& g,
                                   const dnn::PlanOptions& options, std::int64_t alignment) {
    ConvPlans plans;
    std::shared_ptr<const dnn::Plan>* slots[] = {&plans.forward, &plans.data, &plans.weights};
    const char* keys[] = {"fwd", "dgrad", "wgrad"};
    const ConvPass passes[] = {ConvPass::Forward, ConvPass::DataGradient, ConvPass::WeightGradient};
    for (int i = 0; i < 3; ++i) {
        auto plan = dnn::cachedPlan(
            handle, g.key(keys[i], alignment), options,
            [&] { return convOperation(g, passes[i], alignment); }, attributesOf(passes[i]).name);
        if (!plan) {
            return plan.error();
        }
        *slots[i] = std::move(*plan);
        plans.workspaceBytes = std::max(plans.workspaceBytes, (*slots[i])->workspaceBytes());
    }
    return plans;
}

// y[n, f, s] += b[f]
__global__ void addBiasKernel(float* y, const float* b, ChannelLayout l) {
    NW_GRID_STRIDE(i, l.numel()) {
        y[i] += b[l.channelOf(i)];
    }
}

// db[f] = sum of dy[n, f, s] over n and s; one block per channel.
__global__ void biasGradientKernel(const float* dy, float* db, ChannelLayout l) {
    for (std::int64_t c = blockIdx.x; c < l.channels; c += gridDim.x) {
        float sum = 0.0f;
        for (std::int64_t m = threadIdx.x; m < l.perChannel(); m += blockDim.x) {
            sum += dy[l.at(c, m)];
        }
        sum = blockSum(sum);
        if (threadIdx.x == 0) {
            db[c] = sum;
        }
    }
}

// out[p, h, w] = in[p, h, w] where the plane of `in` has that cell, else 0: pads planes at
// the bottom and right (out larger) or crops them back (out smaller). n: planes * outH * outW.
__global__ void copyPlanesKernel(const float* in, std::int64_t inH, std::int64_t inW, float* out,
                                 std::int64_t outH, std::int64_t outW, std::int64_t n) {
    NW_GRID_STRIDE(i, n) {
        std::int64_t w = i % outW, h = i / outW % outH, p = i / (outW * outH);
        out[i] = h < inH && w < inW ? in[(p * inH + h) * inW + w] : 0.0f;
    }
}

class Conv2dKernel final : public CudaKernel {
public:
    Conv2dKernel(CudaBackend& backend, const KernelConfig& c)
        : CudaKernel(backend, c)
        , m_bias(attrBool("use_bias"))
        , m_bf16(backend.mathMode() == MathMode::Bf16)
        , m_outputs(ChannelLayout::of(c.outputs[0].data(), c.outputs[0].size())) {
        const Dims& x = c.inputs[0];
        const Dims& y = c.outputs[0];
        const auto& k = attrInts("kernel_size");
        const auto& stride = attrInts("stride");
        const auto& dil = attrInts("dilation");
        const bool same = attrString("padding_mode") == "same";
        ConvGeometry g;
        g.x = x;
        g.w = c.params.at(0).shape; // the schema's [F, C/groups, kh, kw]
        g.y = y;
        g.type = m_bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
        for (int d = 0; d < 2; ++d) {
            std::int64_t effective = dil[d] * (k[d] - 1) + 1;
            if (same) { // as the CPU kernel splits it: the smaller half first
                std::int64_t total =
                    std::max<std::int64_t>((y[2 + d] - 1) * stride[d] + effective - x[2 + d], 0);
                g.pre[d] = total / 2;
                g.post[d] = total - total / 2;
            } else {
                g.pre[d] = g.post[d] = attrInts("padding")[d];
            }
            g.stride[d] = stride[d];
            g.dilation[d] = dil[d];
        }

        m_plans = builtOrThrow(buildPlans(g));
        builtOrThrow(m_backend.workspace(std::size_t(m_plans.workspaceBytes)));
        if (m_bf16) {
            m_low.x = bf16Scratch(m_xPadded.defined() ? m_xPadded.shape() : x);
            m_low.w = bf16Scratch(g.w);
            m_low.y = bf16Scratch(y);
        }
    }

    Status forward(const ForwardArgs& a) override {
        const Tensor& y = a.outputs[0];
        void* x = input(a.inputs[0]);
        void* w = CudaBackend::data(a.params[0]);
        void* result = CudaBackend::data(y);
        if (m_bf16) {
            x = toBf16(x, m_low.x);
            w = toBf16(w, m_low.w);
            result = CudaBackend::data(m_low.y);
        }
        if (auto s = run(*m_plans.forward, x, w, result, "convolution forward"); !s) {
            return s;
        }
        if (m_bf16) {
            fromBf16(m_low.y, y);
        }
        if (m_bias) {
            addBiasKernel<<<gridFor(m_outputs.numel()), kBlock, 0, stream()>>>(
                f32(y), f32(a.params[1]), m_outputs);
        }
        return launched("forward");
    }

    Status backward(const BackwardArgs& a) override {
        void* dy = CudaBackend::data(a.gradOutputs[0]);
        const Tensor& dx = a.gradInputs[0];
        const Tensor& dw = a.gradParams[0];
        if (m_bf16 && (dx.defined() || dw.defined())) {
            dy = toBf16(dy, m_low.y); // read by both passes
        }
        // The weight gradient first: with a padded input, the data gradient reuses its buffer,
        // and under bf16 the copies of x and w.
        if (dw.defined()) {
            void* x = input(a.inputs[0]);
            void* result = CudaBackend::data(dw);
            if (m_bf16) {
                x = toBf16(x, m_low.x);
                result = CudaBackend::data(m_low.w);
            }
            if (auto s = run(*m_plans.weights, x, result, dy, "convolution weight gradient"); !s) {
                return s;
            }
            if (m_bf16) {
                fromBf16(m_low.w, dw);
            }
        }
        if (dx.defined()) {
            // The f32 gradient of the convolution's input: dx, or the padded buffer cropped
            // into dx afterwards.
            const Tensor& full = m_xPadded.defined() ? m_xPadded : dx;
            void* w = CudaBackend::data(a.params[0]);
            void* result = CudaBackend::data(full);
            if (m_bf16) {
                w = toBf16(w, m_low.w);
                result = CudaBackend::data(m_low.x);
            }
            if (auto s = run(*m_plans.data, result, w, dy, "convolution data gradient"); !s) {
                return s;
            }
            if (m_bf16) {
                fromBf16(m_low.x, full);
            }
            if (m_xPadded.defined()) {
                copyPlanes(m_xPadded, dx);
            }
        }
        if (m_bias && a.gradParams[1].defined()) {
            biasGradientKernel<<<channelGrid(m_outputs.channels), kBlock, 0, stream()>>>(
                f32(a.gradOutputs[0]), f32(a.gradParams[1]), m_outputs);
        }
        return launched("backward");
    }

private:
    // The plans of `g`; when cuDNN has none for its asymmetric padding, those of the padded
    // input (and the buffer for it).
    Expected<ConvPlans> buildPlans(const ConvGeometry& g) {
        dnn::PlanOptions options;
        // Tensor cores under tf32 and bf16; fp32 keeps the engines that compute in full fp32.
        options.allowTensorCores = m_backend.mathMode() != MathMode::Fp32;
        const auto alignment =
            static_cast<std::int64_t>(std::min<std::size_t>(16, m_backend.alignment()));
        auto plans = buildConvPlans(m_backend.cudnn(), g, options, alignment);
        if (plans || g.pre == g.post) {
            return plans;
        }
        ConvGeometry padded = g;
        padded.x[2] += g.post[0] - g.pre[0];
        padded.x[3] += g.post[1] - g.pre[1];
        padded.post = g.pre;
        auto paddedPlans = buildConvPlans(m_backend.cudnn(), padded, options, alignment);
        if (paddedPlans) {
            m_xPadded = scratch(padded.x);
        }
        return paddedPlans;
    }

    // The convolution's input: x itself, or x copied into the padded buffer.
    void* input(const Tensor& x) {
        if (!m_xPadded.defined()) {
            return CudaBackend::data(x);
        }
        copyPlanes(x, m_xPadded);
        return CudaBackend::data(m_xPadded);
    }

    // Copies the planes of `from` into `to` (both [N, C, h, w]), padding with zeros or cropping.
    void copyPlanes(const Tensor& from, const Tensor& to) {
        const Dims& in = from.shape();
        const Dims& out = to.shape();
        copyPlanesKernel<<<gridFor(to.numel()), kBlock, 0, stream()>>>(
            f32(from), in[2], in[3], f32(to), out[2], out[3], to.numel());
    }

    // A bf16 copy of a tensor of `shape` (U8, 2 bytes per element: see ops/bf16.cuh).
    Tensor bf16Scratch(const Dims& shape) {
        return scratch({kBf16Bytes * engine::numelOf(shape)}, DType::U8);
    }
    // Queues `low` = bf16 of the f32 values at `from` (as many as `low` holds); returns `low`'s
    // memory.
    void* toBf16(const void* from, const Tensor& low) {
        queueToBf16(static_cast<const float*>(from), CudaBackend::data(low),
                    low.numel() / kBf16Bytes, stream());
        return CudaBackend::data(low);
    }
    // Queues `to` (f32) = the bf16 values of `low`, as many as `to` has.
    void fromBf16(const Tensor& low, const Tensor& to) {
        queueFromBf16(CudaBackend::data(low), f32(to), to.numel(), stream());
    }

    Status run(const dnn::Plan& plan, void* x, void* w, void* y, const char* what) {
        // The workspace was reserved for m_plans.workspaceBytes when this kernel was built,
        // so asking for it again only returns the pointer (it never grows in a step).
        auto workspace = m_backend.workspace(std::size_t(m_plans.workspaceBytes));
        if (!workspace) {
            return workspace.error();
        }
        const std::int64_t uids[] = {kX, kW, kY};
        void* const pointers[] = {x, w, y};
        return plan.execute(m_backend.cudnn(), uids, pointers, *workspace,
                            "node '" + m_node + "' " + what);
    }

    bool m_bias;
    bool m_bf16;             // MathMode::Bf16: the plans read and write the bf16 copies in m_low
    ChannelLayout m_outputs; // y: [N, F, H' * W']
    ConvPlans m_plans;
    Tensor m_xPadded; // [N, C, H + extra rows, W + extra columns] when cuDNN needs it
    // Under bf16, the plans' operands, each shared by the passes that run one after another:
    // x: the convolution's input (padded when m_xPadded is), then dx; w: w, then dw; y: y,
    // then dy.
    struct {
        Tensor x, w, y;
    } m_low;
};

} // namespace

Expected<std::unique_ptr<OpKernel>> makeConv2dKernel(CudaBackend& b, const KernelConfig& c) {
    // The CUDA backend's canFuseActivation says no, so a plan never asks for a fusion.
    if (!c.fusedActivation.empty()) {
        return Error::internal("node '" + c.nodeId + "': the CUDA Conv2D kernel cannot fuse " +
                               c.fusedActivation);
    }
    return makeKernel<Conv2dKernel>(b, c);
}

} // namespace nw::gpu::cuda
