#include "gpu/cuda/runtime/cublaslt_gemm.h"

#include "gpu/cuda/cuda_backend.h"
#include "gpu/cuda/runtime/cuda_check.h"

#include <algorithm>
#include <bit>

namespace nw::gpu::cuda {

namespace {

// The workspace cuBLASLt may use; the backend's is shared by all kernels, so this is reserved
// once by the first product and reused by the others.
constexpr std::size_t kWorkspaceBytes = 32ull << 20;

// A dense row-major [rows, cols] f32 matrix as cuBLASLt (column-major) sees the same memory:
// its transpose, [cols, rows] with leading dimension cols.
Status describeRowMajor(cublasLtMatrixLayout_t* layout, std::int64_t rows, std::int64_t cols,
                        std::int64_t batch, std::int64_t stride, const std::string& what) {
    if (auto s = check(cublasLtMatrixLayoutCreate(layout, CUDA_R_32F, std::uint64_t(cols),
                                                  std::uint64_t(rows), cols),
                       what + ": matrix layout");
        !s || batch == 1) {
        return s;
    }
    auto count = static_cast<std::int32_t>(batch);
    if (auto s = check(cublasLtMatrixLayoutSetAttribute(*layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                                                        &count, sizeof(count)),
                       what + ": batch count");
        !s) {
        return s;
    }
    return check(cublasLtMatrixLayoutSetAttribute(
                     *layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride)),
                 what + ": batch stride");
}

// The alignment every matrix of an operand keeps: tensors start on `alignment` bytes, and
// each further batch matrix `stride` floats on (at most 256, what cuBLASLt asks by default).
std::uint32_t operandAlignment(std::size_t alignment, std::int64_t batch, std::int64_t stride) {
    std::size_t a = std::min<std::size_t>(alignment, 256);
    if (batch > 1 && stride != 0) { // stride 0 (one matrix for every batch): no shift by 64
        a = std::min(a, std::size_t(1) << std::countr_zero(std::uint64_t(stride) * sizeof(float)));
    }
    return static_cast<std::uint32_t>(a);
}

// The compute type of `mode`. Operands, result and scale stay CUDA_R_32F in every mode, so the
// products read our f32 tensors as they are: TF32 and 16BF let the tensor cores round the
// inputs (16BF to bf16, or to TF32 where an algorithm prefers it, which is closer to fp32)
// and accumulate in fp32.
cublasComputeType_t computeType(MathMode mode) {
    switch (mode) {
    case MathMode::Tf32:
        return CUBLAS_COMPUTE_32F_FAST_TF32;
    case MathMode::Bf16:
        return CUBLAS_COMPUTE_32F_FAST_16BF;
    case MathMode::Fp32:
        break;
    }
    return CUBLAS_COMPUTE_32F;
}

} // namespace

Expected<LtGemm> LtGemm::create(CudaBackend& backend, const GemmShape& shape, std::string what) {
    if (shape.m < 1 || shape.n < 1 || shape.k < 1 || shape.batch < 1 || shape.batch > INT32_MAX) {
        return Error::internal(what + ": cannot multiply [" + std::to_string(shape.m) + ", " +
                               std::to_string(shape.k) + "] x [" + std::to_string(shape.k) + ", " +
                               std::to_string(shape.n) + "] " + std::to_string(shape.batch) +
                               " times");
    }
    LtGemm g(backend);
    g.m_shape = shape;
    g.m_what = std::move(what);
    const std::string& w = g.m_what;

    // cuBLAS is column-major, where our row-major C = op(A) op(B) is read as its transpose,
    // C^T = op(B)^T op(A)^T. So cuBLASLt's first operand is our B and its second our A, each
    // with our transpose flag (a row-major X read as X^T is cuBLAS's plain X), and its
    // (m, n) are our (n, m). Every layout below is of our stored matrix, seen transposed.
    const cublasComputeType_t compute = computeType(backend.mathMode());
    cublasLtMatmulDesc_t desc = nullptr;
    if (auto s = check(cublasLtMatmulDescCreate(&desc, compute, CUDA_R_32F), w + ": matmul desc");
        !s) {
        return s.error();
    }
    g.m_desc.reset(desc);
    const cublasOperation_t ltA = shape.transB ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasOperation_t ltB = shape.transA ? CUBLAS_OP_T : CUBLAS_OP_N;
    auto setDesc = [&](cublasLtMatmulDescAttributes_t attr, const void* value, std::size_t bytes) {
        return check(cublasLtMatmulDescSetAttribute(desc, attr, value, bytes),
                     w + ": matmul attribute " + std::to_string(int(attr)));
    };
    if (auto s = setDesc(CUBLASLT_MATMUL_DESC_TRANSA, &ltA, sizeof(ltA)); !s) {
        return s.error();
    }
    if (auto s = setDesc(CUBLASLT_MATMUL_DESC_TRANSB, &ltB, sizeof(ltB)); !s) {
        return s.error();
    }
    if (shape.bias) {
        // Adds a vector along cuBLAS's rows (our columns, n) to every column (our rows). The
        // heuristic reads the bias pointer's alignment; until run() sets the real one, give
        // it a stand-in with the alignment our tensors guarantee.
        const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
        const void* standIn = reinterpret_cast<const void*>(std::uintptr_t(backend.alignment()));
        if (auto s = setDesc(CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue)); !s) {
            return s.error();
        }
        if (auto s = setDesc(CUBLASLT_MATMUL_DESC_BIAS_POINTER, &standIn, sizeof(standIn)); !s) {
            return s.error();
        }
    }

    // Our stored shapes: A [m, k] or [k, m], B [k, n] or [n, k], C [m, n].
    const std::int64_t aRows = shape.transA ? shape.k : shape.m;
    const std::int64_t aCols = shape.transA ? shape.m : shape.k;
    const std::int64_t bRows = shape.transB ? shape.n : shape.k;
    const std::int64_t bCols = shape.transB ? shape.k : shape.n;
    cublasLtMatrixLayout_t la = nullptr, lb = nullptr, lc = nullptr;
    Status made = describeRowMajor(&lb, bRows, bCols, shape.batch, shape.strideB, w);
    g.m_a.reset(lb); // cuBLASLt's A is our B
    if (made) {
        made = describeRowMajor(&la, aRows, aCols, shape.batch, shape.strideA, w);
        g.m_b.reset(la);
    }
    if (made) {
        made = describeRowMajor(&lc, shape.m, shape.n, shape.batch, shape.strideC, w);
        g.m_c.reset(lc);
    }
    if (!made) {
        return made.error();
    }

    auto workspace = backend.workspace(kWorkspaceBytes);
    if (!workspace) {
        return workspace.error();
    }
    g.m_workspaceBytes = kWorkspaceBytes;

    cublasLtMatmulPreference_t pref = nullptr;
    if (auto s = check(cublasLtMatmulPreferenceCreate(&pref), w + ": matmul preference"); !s) {
        return s.error();
    }
    std::unique_ptr<cublasLtMatmulPreferenceOpaque_t,
                    Deleter<cublasLtMatmulPreference_t, cublasLtMatmulPreferenceDestroy>>
        prefOwner(pref);
    const std::uint64_t wsBytes = kWorkspaceBytes;
    const std::uint32_t alignA = operandAlignment(backend.alignment(), shape.batch, shape.strideB);
    const std::uint32_t alignB = operandAlignment(backend.alignment(), shape.batch, shape.strideA);
    const std::uint32_t alignC = operandAlignment(backend.alignment(), shape.batch, shape.strideC);
    const std::pair<cublasLtMatmulPreferenceAttributes_t, std::uint32_t> alignments[] = {
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, alignA},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, alignB},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, alignC},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, alignC},
    };
    Status prefs =
        check(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                   &wsBytes, sizeof(wsBytes)),
              w + ": matmul workspace preference");
    for (const auto& [attr, bytes] : alignments) {
        if (prefs) {
            prefs = check(cublasLtMatmulPreferenceSetAttribute(pref, attr, &bytes, sizeof(bytes)),
                          w + ": matmul alignment preference");
        }
    }
    if (!prefs) {
        return prefs.error();
    }

    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    if (auto s = check(cublasLtMatmulAlgoGetHeuristic(backend.cublasLt(), desc, g.m_a.get(),
                                                      g.m_b.get(), g.m_c.get(), g.m_c.get(), pref,
                                                      1, &result, &found),
                       w + ": matmul heuristic");
        !s) {
        return s.error();
    }
    if (found < 1) {
        return Error::internal(w + ": cuBLASLt has no algorithm for this matrix product");
    }
    g.m_algo = result.algo;
    return g;
}

Status LtGemm::run(const float* a, const float* b, float* c, const float* bias) const {
    if (m_shape.bias) {
        if (auto s =
                check(cublasLtMatmulDescSetAttribute(
                          m_desc.get(), CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)),
                      m_what + ": bias pointer");
            !s) {
            return s;
        }
    }
    // The backend's workspace may have been reallocated larger since create() (a later
    // kernel asked for more); asking again for our size returns the current one, allocating
    // nothing, since it only grows.
    auto workspace = m_backend->workspace(m_workspaceBytes);
    if (!workspace) {
        return workspace.error();
    }
    return check(cublasLtMatmul(m_backend->cublasLt(), m_desc.get(), &m_shape.alpha, b, m_a.get(),
                                a, m_b.get(), &m_shape.beta, c, m_c.get(), c, m_c.get(), &m_algo,
                                *workspace, m_workspaceBytes, m_backend->stream()),
                 m_what);
}

} // namespace nw::gpu::cuda
