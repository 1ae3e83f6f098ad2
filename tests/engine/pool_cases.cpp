// MaxPool2D's and AvgPool2D's later forms in the harness: ceil_mode, asymmetric padding,
// dilation and count_include_pad, each with hand-worked outputs, and gradient rows that mix
// them (finite differences on the CPU, the CPU on every other backend).
#include "tests/engine/op_cases.h"

namespace nw::testing {

namespace {

using graph::IntList;

ForwardCase poolCase(std::string name, const std::string& op, IntList inputShape, Attrs attrs,
                     std::vector<float> x, std::vector<float> y) {
    ForwardCase c{std::move(name), {op}};
    c.graph = Chain(std::move(inputShape)).add(op, std::move(attrs)).add("Loss", kMse).graph();
    c.input = std::move(x);
    c.targets.assign(y.size(), 0.0f);
    c.prediction = std::move(y);
    return c;
}

// 5 x 5, row-major, negatives where padding counted as 0 would win a maximum.
const std::vector<float> kGrid5{1,  -2, 3,  0,  -1, //
                                4,  5,  -6, 2,  8,  //
                                -3, 0,  7,  -4, 1,  //
                                2,  -5, 1,  6,  -2, //
                                -7, 3,  -1, 0,  -9};

// 4 x 4, row-major.
const std::vector<float> kGrid4{1, 5, 2, 0, 3, -1, 4, 8, 0, 0, -2, -3, 7, 1, -5, 6};

} // namespace

void addPoolForwardCases(std::vector<ForwardCase>& out) {
    // 2 x 2 taps 2 apart over the 5 x 5 grid, stride 3, one row and column of end padding:
    // windows at rows and columns {0, 2} and {3, 5}; 5 is padding, which without
    // count_include_pad no divisor counts: (1 + 3 − 3 + 7) / 4, (0 − 4) / 2, (2 + 1) / 2, 6.
    out.push_back(poolCase("AvgPool2D dilation", "AvgPool2D", {1, 5, 5},
                           {{"kernel_size", IntList{2, 2}},
                            {"stride", IntList{3, 3}},
                            {"dilation", IntList{2, 2}},
                            {"padding", IntList{0, 1, 0, 1}},
                            {"count_include_pad", false}},
                           kGrid5, {2, -2, 1.5f, 6}));
    // 3 x 3 windows, stride 1, padded by 2 (more than half the kernel, as ONNX allows) over
    // [[1, 2], [3, 4]]: window (i, j) reads rows and columns {i - 2 .. i} of the input; the
    // corner windows hold one real value each.
    out.push_back(poolCase(
        "MaxPool2D pads beyond half the kernel", "MaxPool2D", {1, 2, 2},
        {{"kernel_size", IntList{3, 3}}, {"stride", IntList{1, 1}}, {"padding", IntList{2, 2}}},
        {1, 2, 3, 4}, {1, 2, 2, 2, 3, 4, 4, 4, 3, 4, 4, 4, 3, 4, 4, 4}));
    // The same windows averaged over their real cells only (count_include_pad false):
    // row sets {0}, {0, 1}, {0, 1}, {1}, likewise the columns.
    out.push_back(poolCase(
        "AvgPool2D pads beyond half the kernel", "AvgPool2D", {1, 2, 2},
        {{"kernel_size", IntList{3, 3}},
         {"stride", IntList{1, 1}},
         {"padding", IntList{2, 2}},
         {"count_include_pad", false}},
        {1, 2, 3, 4}, {1, 1.5f, 1.5f, 2, 2, 2.5f, 2.5f, 3, 2, 2.5f, 2.5f, 3, 3, 3.5f, 3.5f, 4}));
    // 2 x 2 windows, stride 2, over 5 x 5 rounded up: rows and columns {0, 1}, {2, 3}, {4}.
    // The last window holds -9 alone: the overhang must not win it with a 0.
    out.push_back(poolCase("MaxPool2D ceil_mode", "MaxPool2D", {1, 5, 5}, {{"ceil_mode", true}},
                           kGrid5, {5, 3, 8, 2, 7, 1, 3, 0, -9}));
    // 2 x 2 taps 2 apart (a 3 x 3 span), stride 1: window (i, j) reads rows i, i + 2 and
    // columns j, j + 2.
    out.push_back(poolCase("MaxPool2D dilation", "MaxPool2D", {1, 5, 5},
                           {{"stride", IntList{1, 1}}, {"dilation", IntList{2, 2}}}, kGrid5,
                           {7, 0, 7, 4, 6, 8, 7, 3, 7}));
    // 3 x 3 windows, stride 2, padding top 1, bottom 0, left 0, right 1 over 4 x 4: rows
    // {0, 1} (the first starts in the top padding), {1, 2, 3}; columns {0, 1, 2}, {2, 3}.
    const Attrs asym{{"kernel_size", IntList{3, 3}}, {"padding", IntList{1, 0, 0, 1}}};
    out.push_back(poolCase("MaxPool2D asymmetric padding", "MaxPool2D", {1, 4, 4}, asym, kGrid4,
                           {5, 8, 7, 8}));
    // The window sums 14, 14, 7 and 8; each window spans 3 x 3 cells of input and padding.
    out.push_back(poolCase("AvgPool2D asymmetric padding", "AvgPool2D", {1, 4, 4}, asym, kGrid4,
                           {14 / 9.0f, 14 / 9.0f, 7 / 9.0f, 8 / 9.0f}));
    // The same windows divided by their input cells only: 6, 4, 9 and 6.
    Attrs exclude = asym;
    exclude["count_include_pad"] = false;
    out.push_back(poolCase("AvgPool2D count_include_pad false", "AvgPool2D", {1, 4, 4}, exclude,
                           kGrid4, {14 / 6.0f, 3.5f, 7 / 9.0f, 8 / 6.0f}));
    // Along a row of 6, windows of 3, stride 2, padding 1, rounded up: starts -1, 1, 3, 5. The
    // last reads cell 5, the right padding (6) and the overhang (7): PyTorch divides by 2
    // (avg_pool1d([1..6], 3, 2, 1, ceil_mode=True) = [1, 3, 5, 3]), never by the overhang.
    // Two channels (the backend's channels-last storage), two samples (the second doubled).
    const Attrs ceil{{"kernel_size", IntList{1, 3}},
                     {"stride", IntList{1, 2}},
                     {"padding", IntList{0, 1}},
                     {"ceil_mode", true}};
    {
        ForwardCase c =
            poolCase("AvgPool2D ceil_mode count_include_pad", "AvgPool2D", {2, 1, 6}, ceil, {}, {});
        const std::vector<float> x{1, 2, 3, 4, 5, 6, -1, 0, 2, -2, 4, 8};
        const std::vector<float> y{1, 3, 5, 3, -1 / 3.0f, 0, 10 / 3.0f, 4};
        c.batch = 2;
        for (int s = 1; s <= 2; ++s) {
            for (float v : x) {
                c.input.push_back(float(s) * v);
            }
            for (float v : y) {
                c.prediction.push_back(float(s) * v);
            }
        }
        c.targets.assign(c.prediction.size(), 0.0f);
        out.push_back(std::move(c));
    }
    // count_include_pad false: the first window divides by its 2 input cells, the last by 1.
    Attrs ceilExclude = ceil;
    ceilExclude["count_include_pad"] = false;
    out.push_back(poolCase("AvgPool2D ceil_mode count_include_pad false", "AvgPool2D", {1, 1, 6},
                           ceilExclude, {1, 2, 3, 4, 5, 6}, {1.5f, 3, 5, 6}));
}

void addPoolGradientCases(std::vector<GradientCase>& out) {
    auto row = [&out](const char* name, const char* op, IntList input, Attrs attrs) {
        out.push_back({name,
                       {op},
                       Chain(std::move(input))
                           .add("Conv2D", conv(3))
                           .add(op, std::move(attrs))
                           .add("Loss", kMse)
                           .graph()});
    };
    row("MaxPool2D ceil_mode", "MaxPool2D", {2, 5, 5}, {{"ceil_mode", true}});
    // Dilated averages, with and without count_include_pad, ceil_mode's overhang.
    for (bool include : {true, false}) {
        row(include ? "AvgPool2D dilation with the padding" : "AvgPool2D dilation", "AvgPool2D",
            {2, 7, 7},
            {{"kernel_size", IntList{3, 2}},
             {"stride", IntList{2, 1}},
             {"dilation", IntList{2, 3}},
             {"padding", IntList{1, 2}},
             {"ceil_mode", true},
             {"count_include_pad", include}});
    }
    // Rows: 3 taps 2 apart (a span of 5), stride 2; columns: 2 taps 2 apart, stride 1.
    row("MaxPool2D dilation padded", "MaxPool2D", {2, 7, 7},
        {{"kernel_size", IntList{3, 2}},
         {"stride", IntList{2, 1}},
         {"dilation", IntList{2, 2}},
         {"padding", IntList{1, 1}}});
    // 7 x 7, windows of 3, stride 2, top 1 and right 1: four windows each way, the last rows'
    // and columns' past the padding. (3 channels: with 2, the seeded draw puts a max-pool
    // winner change within 3e-4 of a checked weight, closer than the fine step.)
    const Attrs asymCeil{
        {"kernel_size", IntList{3, 3}}, {"padding", IntList{1, 0, 0, 1}}, {"ceil_mode", true}};
    row("MaxPool2D asymmetric ceil_mode", "MaxPool2D", {3, 7, 7}, asymCeil);
    // Windows past the padding: the CPU rescales them to their own divisor.
    row("AvgPool2D ceil_mode count_include_pad", "AvgPool2D", {2, 6, 6},
        {{"kernel_size", IntList{3, 3}}, {"padding", IntList{1, 1}}, {"ceil_mode", true}});
    Attrs exclude = asymCeil;
    exclude["count_include_pad"] = false;
    row("AvgPool2D asymmetric ceil_mode count_include_pad false", "AvgPool2D", {2, 7, 7}, exclude);
}

} // namespace nw::testing
