// Slice's harness cases: ranges of the channels (where the CPU's channels-last layout
// matters), of H and of the last axis, with hand-worked outputs; gradient rows with the sliced
// tensor feeding other consumers too (the gradients add up), and ShuffleNet's unit: a channel
// split, a branch, a Concat and the channel shuffle (a 5-D Reshape and Transpose).
#include "tests/engine/op_cases.h"

namespace nw::testing {

namespace {

using graph::IntList;

ForwardCase sliceCase(std::string name, IntList inputShape, Attrs attrs, std::vector<float> y) {
    ForwardCase c{std::move(name), {"Slice"}};
    std::int64_t n = 1;
    for (auto d : inputShape) {
        n *= d;
    }
    c.graph = Chain(std::move(inputShape)).add("Slice", std::move(attrs)).add("Loss", kMse).graph();
    for (std::int64_t i = 0; i < n; ++i) {
        c.input.push_back(float(i));
    }
    c.targets.assign(y.size(), 0.0f);
    c.prediction = std::move(y);
    return c;
}

} // namespace

void addSliceForwardCases(std::vector<ForwardCase>& out) {
    // x [C=3, H=1, W=2] = 0..5 row-major: channels 1 and 2 are [2, 3] and [4, 5].
    out.push_back(sliceCase("Slice channels", {3, 1, 2}, {{"start", 1}, {"end", 3}}, {2, 3, 4, 5}));
    // x [C=2, H=3, W=2]: rows 1 and 2 of each channel, [2, 3, 4, 5] and [8, 9, 10, 11].
    out.push_back(sliceCase("Slice H", {2, 3, 2}, {{"axis", 2}, {"start", 1}, {"end", 3}},
                            {2, 3, 4, 5, 8, 9, 10, 11}));
    // x [2, 4] = [[0, 1, 2, 3], [4, 5, 6, 7]], axis -1 (the last), [1, 3): [1, 2, 5, 6].
    out.push_back(sliceCase("Slice last axis", {2, 4}, {{"axis", -1}, {"start", 1}, {"end", 3}},
                            {1, 2, 5, 6}));
    // x [5]: the single element 4.
    out.push_back(sliceCase("Slice rank 2", {5}, {{"start", 4}, {"end", 5}}, {4}));
}

void addSliceGradientCases(std::vector<GradientCase>& out) {
    auto row = [&out](std::string name, std::vector<std::string> ops, const Chain& c) {
        out.push_back({std::move(name), std::move(ops), c.graph()});
    };
    row("Slice channels", {"Slice"},
        Chain({2, 4, 4})
            .add("Conv2D", conv(5))
            .add("Slice", {{"start", 1}, {"end", 4}})
            .add("Loss", kMse));
    row("Slice last axis", {"Slice"},
        Chain({3, 4})
            .add("Dense", {{"units", 6}})
            .add("Slice", {{"axis", 2}, {"start", 2}, {"end", 5}})
            .add("Loss", kMse));
    { // x = Conv2D [N, 4, 3, 3] feeds a Slice of its channels 1..2 and, whole, the Concat:
      // its gradient is the Concat's share plus the Slice's (zero outside the range).
        Chain c({2, 3, 3});
        c.add("Conv2D", conv(4));
        const std::string x = c.last();
        const std::string s = c.branch(x, "Slice", {{"start", 1}, {"end", 3}});
        c.add("Concat", {}, {s}).add("Loss", kMse);
        row("Slice fan-out", {"Slice"}, c);
    }
    { // Two overlapping slices of one tensor, [0, 3) and [1, 4) of H, added.
        Chain c({2, 4, 3});
        c.add("Conv2D", conv(2));
        const std::string x = c.last();
        const std::string b = c.branch(x, "Slice", {{"axis", 2}, {"start", 1}, {"end", 4}});
        c.add("Slice", {{"axis", 2}, {"start", 0}, {"end", 3}}).add("Add", {}, {b});
        row("Slice overlapping", {"Slice"}, c.add("Loss", kMse));
    }
    { // ShuffleNet v2's unit: x [N, 4, 3, 3] split into channels [0, 2) (kept) and [2, 4)
      // (a Conv2D), joined, then shuffled in 2 groups: Reshape [2, 2, 3, 3], Transpose
      // [0, 2, 1, 3, 4], Reshape [4, 3, 3].
        Chain c({3, 3, 3});
        c.add("Conv2D", conv(4));
        const std::string x = c.last();
        const std::string kept = c.branch(x, "Slice", {{"start", 0}, {"end", 2}});
        c.add("Slice", {{"start", 2}, {"end", 4}})
            .add("Conv2D", conv(2))
            .add("Concat", {}, {kept})
            .add("Reshape", {{"shape", IntList{2, 2, 3, 3}}})
            .add("Transpose", {{"perm", IntList{0, 2, 1, 3, 4}}})
            .add("Reshape", {{"shape", IntList{4, 3, 3}}})
            .add("Loss", kMse);
        row("Slice channel split and shuffle", {"Slice", "Transpose"}, c);
    }
}

} // namespace nw::testing
