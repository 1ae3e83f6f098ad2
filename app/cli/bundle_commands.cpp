#include "app/cli/bundle_commands.h"

#include "datasets/idx.h"
#include "engine/bundle/runtime/model.h"
#include "engine/bundle/runtime/netwright_rt.h"
#include "graph/onnx/reference_runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>

namespace nw::cli {

namespace {

int fail(const Error& e) {
    std::cerr << "error: " << e.message << "\n";
    return e.kind == Error::Kind::User ? kExitUser : kExitInternal;
}

std::int64_t count(const bundle::Dims& d) {
    return std::accumulate(d.begin(), d.end(), std::int64_t{1}, std::multiplies<>());
}

// One sample per image file (resized to the input, grey or colour as it needs), or every
// sample of an IDX file; raw values in [0, 1], then the bundle's normalisation.
// What infer needs of a model, whether a bundle or an ONNX file we exported.
struct ModelInterface {
    bundle::Dims inputShape; // per sample
    std::int64_t classes = 0;
    std::vector<std::string> labels;
    std::vector<double> mean, std;
};

Expected<std::vector<float>> readInputs(const std::vector<std::string>& files,
                                        const ModelInterface& h, std::vector<std::string>& names) {
    const auto& shape = h.inputShape; // [C, H, W]
    if (shape.size() != 3) {
        return Error::user("infer reads images, but the model's input is not [C, H, W]");
    }
    std::int64_t c = shape[0], hgt = shape[1], wid = shape[2], per = count(shape);
    std::vector<float> out;
    for (const auto& f : files) {
        bool idx = f.find("idx") != std::string::npos || f.ends_with(".gz");
        if (idx) {
            auto arr = datasets::readIdx(f);
            if (!arr) {
                return arr.error();
            }
            std::int64_t n = arr->dims.empty() ? 0 : arr->dims[0];
            if (n == 0 || std::int64_t(arr->data.size()) != n * per) {
                return Error::user(f + ": holds samples that are not " + std::to_string(per) +
                                   " values each");
            }
            for (std::int64_t i = 0; i < n; ++i) {
                names.push_back(f + "[" + std::to_string(i) + "]");
            }
            for (auto v : arr->data) {
                out.push_back(float(v) / 255.0f);
            }
            continue;
        }
        cv::Mat img = cv::imread(f, c == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
        if (img.empty()) {
            return Error::user(f + ": cannot be read as an image (PNG or JPEG)");
        }
        if (img.rows != hgt || img.cols != wid) {
            cv::resize(img, img, cv::Size(int(wid), int(hgt)), 0, 0, cv::INTER_AREA);
        }
        if (c == 3) {
            cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
        }
        for (std::int64_t ch = 0; ch < c; ++ch) {
            for (int y = 0; y < img.rows; ++y) {
                const auto* row = img.ptr<std::uint8_t>(y);
                for (int x = 0; x < img.cols; ++x) {
                    out.push_back(float(row[x * c + ch]) / 255.0f);
                }
            }
        }
        names.push_back(f);
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto ch = std::size_t((std::int64_t(i) % per) / (hgt * wid));
        if (!h.mean.empty()) {
            double m = h.mean[h.mean.size() == 1 ? 0 : ch], s = h.std[h.std.size() == 1 ? 0 : ch];
            out[i] = float((out[i] - m) / s);
        }
    }
    return out;
}

// Reads an ONNX model exported by Netwright and its interface (input shape, classes, and
// the labels and normalisation from its metadata).
Expected<onnx::ModelProto> readOnnxModel(const std::string& path, ModelInterface& h) {
    std::ifstream in(path, std::ios::binary);
    onnx::ModelProto model;
    if (!in || !model.ParseFromIstream(&in)) {
        return Error::user(path + ": cannot be read as an ONNX model");
    }
    const auto& g = model.graph();
    if (g.input_size() != 1 || g.output_size() < 1) {
        return Error::user(path + ": infer runs models with one input");
    }
    auto dims = [](const onnx::ValueInfoProto& v) {
        bundle::Dims d;
        for (const auto& dim : v.type().tensor_type().shape().dim()) {
            d.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
        }
        return d;
    };
    bundle::Dims in0 = dims(g.input(0)), out0 = dims(g.output(0));
    if (in0.size() < 2 || out0.size() != 2 || out0[1] < 1) {
        return Error::user(path + ": infer needs an input [N, ...] and an output [N, classes]");
    }
    h.inputShape.assign(in0.begin() + 1, in0.end());
    h.classes = out0[1];
    for (const auto& p : model.metadata_props()) {
        auto j = nlohmann::json::parse(p.value(), nullptr, false);
        if (p.key() == "class_labels" && j.is_array()) {
            for (const auto& l : j) {
                h.labels.push_back(l.is_string() ? l.get<std::string>() : l.dump());
            }
        } else if (p.key() == "input_normalization" && j.is_object()) {
            h.mean = j.value("mean", std::vector<double>{});
            h.std = j.value("std", std::vector<double>{});
        }
    }
    return model;
}

} // namespace

int runInfer(const InferOptions& o) {
    nw_rt_set_threads(o.threads);
    // A model is a bundle, or an ONNX file exported by us (run by graph/onnx's reference
    // interpreter: exact, not fast).
    std::unique_ptr<rt::Model> bundleModel;
    std::optional<onnx::ModelProto> onnxModel;
    ModelInterface h;
    if (o.model.ends_with(".onnx")) {
        auto m = readOnnxModel(o.model, h);
        if (!m) {
            return fail(m.error());
        }
        onnxModel = std::move(*m);
    } else {
        auto m = rt::Model::load(o.model);
        if (!m) {
            return fail(m.error());
        }
        bundleModel = std::move(*m);
        const auto& header = bundleModel->header();
        h = {header.inputShape, count(bundleModel->outputShape()), header.labels, header.mean,
             header.std};
    }
    std::vector<std::string> names;
    auto inputs = readInputs(o.inputs, h, names);
    if (!inputs) {
        return fail(inputs.error());
    }
    auto batch = std::int64_t(names.size());
    auto classes = h.classes;
    std::vector<float> logits(std::size_t(batch * classes));
    if (bundleModel) {
        if (auto st = bundleModel->run(inputs->data(), batch, logits.data()); !st) {
            return fail(st.error());
        }
    } else {
        bundle::Dims dims{batch};
        dims.insert(dims.end(), h.inputShape.begin(), h.inputShape.end());
        auto outs = graph::onnx_export::runModel(*onnxModel, {dims, *inputs});
        if (!outs) {
            return fail(outs.error());
        }
        const auto& first = outs->count("logits") ? outs->at("logits") : outs->begin()->second;
        if (first.data.size() != logits.size()) {
            return fail(Error::user(o.model + ": its output is not [N, classes]"));
        }
        logits = first.data;
    }
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (std::int64_t i = 0; i < batch; ++i) {
        const float* row = logits.data() + i * classes;
        float mx = *std::max_element(row, row + classes);
        std::vector<double> p(static_cast<std::size_t>(classes));
        double sum = 0;
        for (std::int64_t k = 0; k < classes; ++k) {
            sum += p[std::size_t(k)] = std::exp(double(row[k]) - mx);
        }
        std::vector<std::int64_t> order(static_cast<std::size_t>(classes));
        std::iota(order.begin(), order.end(), 0);
        int top = std::min<int>(o.top, int(classes));
        std::partial_sort(order.begin(), order.begin() + top, order.end(),
                          [&p](auto a, auto b) { return p[std::size_t(a)] > p[std::size_t(b)]; });
        nlohmann::ordered_json ranks = nlohmann::ordered_json::array();
        if (!o.json) {
            std::printf("%s\n", names[std::size_t(i)].c_str());
        }
        for (int t = 0; t < top; ++t) {
            auto k = std::size_t(order[std::size_t(t)]);
            std::string label = k < h.labels.size() ? h.labels[k] : std::to_string(k);
            double prob = p[k] / sum;
            ranks.push_back({{"class", k}, {"label", label}, {"probability", prob}});
            if (!o.json) {
                std::printf("  %d. %-20s %6.2f%%\n", t + 1, label.c_str(), 100 * prob);
            }
        }
        all.push_back({{"input", names[std::size_t(i)]}, {"top", ranks}});
    }
    if (o.json) {
        std::cout << all.dump() << std::endl;
    }
    return kExitOk;
}

int runBenchInfer(const BenchInferOptions& o) {
    nw_rt_set_threads(o.threads);
    auto model = rt::Model::load(o.model);
    if (!model) {
        return fail(model.error());
    }
    auto& m = **model;
    std::vector<float> in(std::size_t(o.batch * count(m.inputShape())), 0.5f);
    std::vector<float> out(std::size_t(o.batch * count(m.outputShape())));
    using Clock = std::chrono::steady_clock;
    for (int i = 0; i < 10; ++i) { // warm-up, and the executor for this batch is prepared
        if (auto st = m.run(in.data(), o.batch, out.data()); !st) {
            return fail(st.error());
        }
    }
    std::int64_t runs = o.runs;
    if (runs <= 0) { // about two seconds' worth
        auto t0 = Clock::now();
        (void)m.run(in.data(), o.batch, out.data());
        double one = std::chrono::duration<double>(Clock::now() - t0).count();
        runs = std::clamp<std::int64_t>(std::int64_t(2.0 / std::max(one, 1e-6)), 20, 100000);
    }
    std::vector<double> times;
    times.reserve(std::size_t(runs));
    for (std::int64_t i = 0; i < runs; ++i) {
        auto t0 = Clock::now();
        (void)m.run(in.data(), o.batch, out.data());
        times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::sort(times.begin(), times.end());
    double median = times[times.size() / 2];
    double total = std::accumulate(times.begin(), times.end(), 0.0);
    double rate = double(o.batch * runs) / (total / 1000.0);
    if (o.json) {
        std::cout << nlohmann::ordered_json{{"batch", o.batch},
                                            {"runs", runs},
                                            {"median_ms", median},
                                            {"p90_ms", times[times.size() * 9 / 10]},
                                            {"samples_per_sec", rate}}
                         .dump()
                  << std::endl;
    } else {
        std::printf("batch %lld: median %.3f ms, %.0f samples/s over %lld runs\n",
                    (long long)o.batch, median, rate, (long long)runs);
    }
    return kExitOk;
}

} // namespace nw::cli
