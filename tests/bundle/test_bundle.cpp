// The inference bundle: built from every template, it computes what the training engine
// computes; it survives serialisation; corrupt and hostile files are refused with a message
// (fuzzed); the C API reports errors as codes; the CLI exports, infers and benchmarks.
#include "app/export/export_support.h"
#include "base/rng.h"
#include "engine/bundle/quantize.h"
#include "engine/bundle/runtime/model.h"
#include "engine/bundle/runtime/netwright_rt.h"
#include "engine/bundle/runtime/netwright_rt.hpp"
#include "engine/bundle/writer.h"
#include "engine/cpu/cpu_backend.h"
#include "graph/project_file.h"
#include "tests/datasets/dataset_fixtures.h"
#include "tests/support/backends.h"
#include "tests/support/cli_run.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>
#include <cstring>
#include <fstream>
#include <zlib.h>

using namespace nw;

namespace {

struct Built {
    bundle::Bundle bundle;
    std::vector<float> inputs;
    std::vector<float> expected; // the engine's prediction
    std::int64_t batch = 3;
};

// Seeded weights (batch-norm statistics randomised too, so folding is exercised), a random
// batch, and the engine's inference output for it.
Built build(const QString& projectFile, std::int64_t batch = 3) {
    auto registry = graph::makeCoreRegistry();
    auto project = graph::readProject(projectFile.toStdString(), registry);
    if (!project) {
        qFatal("%s", project.error().message.c_str());
    }
    std::unique_ptr<engine::Backend> backendOwner = nw::testing::openCpu();
    engine::Backend& backend = *backendOwner;
    engine::ModelParams params(backend);
    Built b;
    b.batch = batch;
    auto plan = engine::ExecutionPlan::compile(project->graph, registry, backend, params,
                                               {b.batch, false, 1});
    if (!plan || !params.initialize(7)) {
        qFatal("cannot compile %s", qPrintable(projectFile));
    }
    for (const auto& e : params.entries()) {
        if (e->spec.name == "running_mean" || e->spec.name == "running_var" ||
            e->spec.name == "gamma" || e->spec.name == "beta") {
            std::vector<float> v(std::size_t(e->value.numel()));
            CounterRng(3, streamId(e->nodeId + e->spec.name)).fillUniform(v, 0.5f, 1.5f);
            (void)backend.copyFromHost(e->value, v.data());
        }
    }
    b.inputs.resize(std::size_t((*plan)->input().numel()));
    CounterRng(9, 0).fillNormal(b.inputs, 0.0f, 1.0f);
    auto out = app::runReference(backend, **plan, b.inputs);
    auto weights = app::hostWeights(backend, params);
    if (!out || !weights) {
        qFatal("engine reference failed");
    }
    b.expected = *out;
    auto bundle = bundle::buildBundle(project->graph, registry, *weights, {});
    if (!bundle) {
        qFatal("%s", bundle.error().message.c_str());
    }
    b.bundle = std::move(*bundle);
    return b;
}

double maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
    double m = a.size() == b.size() ? 0 : 1e30;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        m = std::max(m, std::abs(double(a[i]) - b[i]));
    }
    return m;
}

// Calibrates `b` on its own inputs and quantises it.
bundle::Bundle quantized(const Built& b, bundle::QuantizeSummary* summary = nullptr) {
    auto model = rt::Model::fromBundle(b.bundle, "f32");
    if (!model) {
        qFatal("%s", model.error().message.c_str());
    }
    std::vector<bundle::TensorRange> ranges;
    if (auto st = (*model)->observe(b.inputs.data(), b.batch, ranges); !st) {
        qFatal("%s", st.error().message.c_str());
    }
    auto q = bundle::quantizeBundle(b.bundle, ranges, summary);
    if (!q) {
        qFatal("%s", q.error().message.c_str());
    }
    return std::move(*q);
}

std::vector<float> runBundle(const bundle::Bundle& bundle, const Built& b) {
    auto model = rt::Model::fromBundle(bundle, "mem");
    if (!model) {
        qFatal("%s", model.error().message.c_str());
    }
    std::vector<float> out(b.expected.size());
    if (auto st = (*model)->run(b.inputs.data(), b.batch, out.data()); !st) {
        qFatal("%s", st.error().message.c_str());
    }
    return out;
}

// How many rows of [batch, classes] outputs pick the same class.
std::int64_t sameTop1(const std::vector<float>& a, const std::vector<float>& b,
                      std::int64_t batch) {
    auto classes = std::int64_t(a.size()) / batch;
    std::int64_t same = 0;
    for (std::int64_t i = 0; i < batch; ++i) {
        auto ra = a.begin() + i * classes, rb = b.begin() + i * classes;
        same += std::max_element(ra, ra + classes) - ra == std::max_element(rb, rb + classes) - rb;
    }
    return same;
}

// Re-seals bytes whose middle was changed: a valid checksum, so the parser must find the
// problem itself.
void reseal(std::string& bytes) {
    auto crc = std::uint32_t(
        crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), uInt(bytes.size() - 4)));
    std::memcpy(bytes.data() + bytes.size() - 4, &crc, 4);
}

} // namespace

class TestBundle : public QObject {
    Q_OBJECT
private slots:
    void matchesTheEngine_data() {
        QTest::addColumn<QString>("project");
        for (const char* t : {"mlp", "lenet5", "fashion-mnist-cnn", "resnet-small"}) {
            QTest::newRow(t) << QString(NW_SOURCE_DIR "/resources/templates/%1.nwproj").arg(t);
        }
        QTest::newRow("all ops") << QString(NW_SOURCE_DIR "/tests/export/data/all_ops.nwproj");
        QTest::newRow("pad and lrn") << QString(NW_SOURCE_DIR "/tests/export/data/pad_lrn.nwproj");
        QTest::newRow("pool forms")
            << QString(NW_SOURCE_DIR "/tests/export/data/pool_forms.nwproj");
        QTest::newRow("hard activations")
            << QString(NW_SOURCE_DIR "/tests/export/data/hard_activations.nwproj");
        QTest::newRow("squeeze excite")
            << QString(NW_SOURCE_DIR "/tests/export/data/squeeze_excite.nwproj");
    }
    void matchesTheEngine() {
        QFETCH(QString, project);
        Built b = build(project);
        // Round trip through the file format before running.
        auto parsed = bundle::parseBundle(bundle::serializeBundle(b.bundle), "mem");
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        auto model = rt::Model::fromBundle(std::move(*parsed), "mem");
        QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
        std::vector<float> out(b.expected.size());
        QVERIFY((*model)->run(b.inputs.data(), b.batch, out.data()).ok());
        double err = maxAbsDiff(out, b.expected);
        QVERIFY2(err <= 1e-4, qPrintable(QString("max abs error %1").arg(err)));
    }

    // Batches larger than a tile run their convolutions tile by tile, one tile per thread,
    // and the dense layers at the whole batch: the same numbers as the engine.
    void tilesComputeWhatWholeBatchesDo() {
        Built b = build(NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj", 37);
        auto model = rt::Model::fromBundle(b.bundle, "mem");
        QVERIFY(model.ok());
        QCOMPARE((*model)->tiledLayers(), std::size_t(4)); // conv, pool, conv, pool
        QVERIFY((*model)->tile() > 0 && (*model)->tile() < b.batch);
        std::vector<float> out(b.expected.size());
        QVERIFY((*model)->run(b.inputs.data(), b.batch, out.data()).ok());
        double err = maxAbsDiff(out, b.expected);
        QVERIFY2(err <= 1e-4, qPrintable(QString("max abs error %1").arg(err)));
        // Batch 1 and a batch of exactly one tile take the untiled path.
        for (std::int64_t n : {std::int64_t(1), (*model)->tile()}) {
            std::vector<float> part(std::size_t(n * 10));
            QVERIFY((*model)->run(b.inputs.data(), n, part.data()).ok());
            QVERIFY(maxAbsDiff(part, {b.expected.begin(), b.expected.begin() + n * 10}) <= 1e-4);
        }
    }

    // Weights stored in the layouts the primitives of a large batch read: every batch size
    // (tiled with the dense layer as a matrix, or batch 1 reading them back in the other
    // order) computes what the engine does, and a damaged layout is refused.
    void packedWeightsComputeTheSame_data() { matchesTheEngine_data(); }
    void packedWeightsComputeTheSame() {
        QFETCH(QString, project);
        Built b = build(project, 37);
        int packed = 0;
        auto p = rt::Model::packWeights(b.bundle, 256, &packed);
        QVERIFY2(p.ok(), p.ok() ? "" : p.error().message.c_str());
        QVERIFY(packed > 0);
        auto parsed = bundle::parseBundle(bundle::serializeBundle(*p), "p.nwbundle");
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        auto model = rt::Model::fromBundle(*parsed, "p.nwbundle");
        QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
        const auto classes = std::int64_t(b.expected.size()) / b.batch;
        for (std::int64_t n : {std::int64_t(1), std::int64_t(3), b.batch}) {
            std::vector<float> out(std::size_t(n * classes));
            QVERIFY((*model)->run(b.inputs.data(), n, out.data()).ok());
            double err = maxAbsDiff(out, {b.expected.begin(), b.expected.begin() + n * classes});
            QVERIFY2(err <= 1e-4, qPrintable(QString("batch %1: %2").arg(n).arg(err)));
        }
        if (project.endsWith("fashion-mnist-cnn.nwproj")) {
            QCOMPARE(packed, 4); // both convolutions and both dense layers
            const auto& dense = parsed->header.layers[4];
            QVERIFY(dense.ints.count("weight_hwc"));
            QVERIFY(!dense.blobs.at("weight").layout.empty());
            // A layout this runtime does not know, or of the wrong size, is refused.
            bundle::Bundle unknown = *parsed;
            unknown.header.layers[0].blobs["weight"].layout = "NoSuchTag";
            auto m = rt::Model::fromBundle(unknown, "u.nwbundle");
            QVERIFY(!m.ok() &&
                    m.error().message.find("unknown to this runtime") != std::string::npos);
            // A layout claiming fewer bytes than the values it holds is refused on reading.
            bundle::Bundle shrunk = *parsed;
            auto& bias = shrunk.header.layers[0].blobs["bias"];
            bias.layout = "a";
            bias.packedBytes = 4;
            auto s = bundle::parseBundle(bundle::serializeBundle(shrunk), "s.nwbundle");
            QVERIFY(!s.ok() && s.error().message.find("fewer bytes") != std::string::npos);
            bias.packedBytes = std::uint64_t(bias.count()) * 4; // well-sized, but not a weight
            auto notWeight = rt::Model::fromBundle(shrunk, "b.nwbundle");
            QVERIFY(!notWeight.ok() &&
                    notWeight.error().message.find("only weights") != std::string::npos);
            bundle::Bundle wrongSize = *parsed;
            wrongSize.header.layers[0].blobs["weight"].packedBytes -= 64;
            auto w = rt::Model::fromBundle(wrongSize, "w.nwbundle");
            QVERIFY(!w.ok() && w.error().message.find("bytes") != std::string::npos);
        }
        // Packed INT8 weights give the same numbers as row-major ones.
        bundle::Bundle q = quantized(b);
        auto qp = rt::Model::packWeights(q, 256);
        QVERIFY(qp.ok());
        QVERIFY(maxAbsDiff(runBundle(*qp, b), runBundle(q, b)) <= 1e-6);
    }

    void quantizesWeightsPerRow() {
        std::vector<std::int8_t> q;
        std::vector<float> scales;
        bundle::quantizeRows({1.0f, -0.5f, 0.25f, 0, 0, 0, -2.0f, 1.0f, 0.01f}, 3, q, scales);
        QCOMPARE(scales.size(), std::size_t(3));
        QCOMPARE(scales[0], 1.0f / 127);
        QCOMPARE(scales[1], 1.0f); // an all-zero row
        QCOMPARE(scales[2], 2.0f / 127);
        QCOMPARE(std::vector<int>(q.begin(), q.end()),
                 (std::vector<int>{127, -64, 32, 0, 0, 0, -127, 64, 1}));
    }

    // The largest INT8 sums a layer can meet: 64 inputs at the top of their range times
    // weights of 127. Without VNNI oneDNN adds pairs of u8 x s8 products in a saturating
    // int16 (2 x 255 x 127 > 32767), which halved these sums; the runtime halves the weights
    // there (layers_conv_dense.cpp), so every CPU gets 64 to within 7-bit weights.
    void int8SumsDoNotSaturate_data() {
        QTest::addColumn<QString>("op");
        QTest::addColumn<bool>("unsignedInput");
        QTest::newRow("dense u8") << "dense" << true;
        QTest::newRow("dense s8") << "dense" << false;
        QTest::newRow("conv2d u8") << "conv2d" << true;
        QTest::newRow("conv2d s8") << "conv2d" << false;
    }
    void int8SumsDoNotSaturate() {
        QFETCH(QString, op);
        QFETCH(bool, unsignedInput);
        const bool conv = op == "conv2d";
        const std::int64_t c = 64, units = 4;
        bundle::Bundle b;
        b.header.inputShape = conv ? bundle::Dims{c, 2, 2} : bundle::Dims{c};
        bundle::Layer l;
        l.op = op.toStdString();
        l.name = "n1";
        l.inputs = {0};
        l.shape = conv ? bundle::Dims{units, 2, 2} : bundle::Dims{units};
        if (conv) {
            for (const char* key : {"kernel", "stride", "dilation"}) {
                l.ints[key] = {1, 1};
            }
            l.ints["pad_l"] = l.ints["pad_r"] = {0, 0};
            l.ints["groups"] = {1};
        }
        std::vector<std::int8_t> w(std::size_t(units * c), 127); // real weight 1
        std::vector<float> scale(std::size_t(units), 1.0f / 127), bias(std::size_t(units), 0.0f);
        l.blobs["weight"] = b.append(w.data(), w.size(),
                                     conv ? bundle::Dims{units, c, 1, 1} : bundle::Dims{units, c},
                                     bundle::DType::S8);
        l.blobs["weight_scale"] =
            b.append(scale.data(), 4 * scale.size(), {units}, bundle::DType::F32);
        l.blobs["bias"] = b.append(bias.data(), 4 * bias.size(), {units}, bundle::DType::F32);
        l.int8 = bundle::Quantization{unsignedInput ? 1.0 / 255 : 1.0 / 127, unsignedInput};
        b.header.layers.push_back(l);
        auto model = rt::Model::fromBundle(b, "mem");
        QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
        const std::int64_t batch = 2;
        std::vector<float> in(std::size_t(batch * bundle::elementCount(b.header.inputShape)), 1.0f);
        std::vector<float> out(std::size_t(batch * bundle::elementCount(l.shape)));
        QVERIFY((*model)->run(in.data(), batch, out.data()).ok());
        for (float v : out) { // 64 x 1 x 1, within the rounding of 127 / 2 to 64
            QVERIFY2(std::abs(v - 64.0f) <= 0.01f * 64, qPrintable(QString::number(v)));
        }
    }

    // Every template quantises, survives the file format and runs; on the sample CNN the
    // INT8 bundle picks the f32 bundle's class and stays close to its logits.
    void int8RunsEveryTemplate_data() { matchesTheEngine_data(); }
    void int8RunsEveryTemplate() {
        QFETCH(QString, project);
        Built b = build(project, 32);
        bundle::QuantizeSummary summary;
        bundle::Bundle q = quantized(b, &summary);
        QVERIFY(summary.int8Layers > 0);
        QVERIFY(summary.int8WeightBytes * 3 < summary.f32WeightBytes);
        auto parsed = bundle::parseBundle(bundle::serializeBundle(q), "q.nwbundle");
        QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().message.c_str());
        int int8Layers = 0;
        for (const auto& l : parsed->header.layers) {
            int8Layers += l.int8 ? 1 : 0;
        }
        QCOMPARE(int8Layers, summary.int8Layers);
        std::vector<float> f32 = runBundle(b.bundle, b), int8 = runBundle(*parsed, b);
        double range = 0;
        for (float v : f32) {
            range = std::max(range, double(std::abs(v)));
        }
        double err = maxAbsDiff(int8, f32);
        QVERIFY2(err <= 0.05 * range,
                 qPrintable(QString("INT8 error %1 of %2").arg(err).arg(range)));
        if (project.endsWith("fashion-mnist-cnn.nwproj")) {
            QCOMPARE(summary.int8Layers, 4);
            QVERIFY2(sameTop1(f32, int8, b.batch) >= 30,
                     qPrintable(QString::number(sameTop1(f32, int8, b.batch))));
        }
    }

    void refusesBadInt8Layers() {
        Built b = build(NW_SOURCE_DIR "/resources/templates/lenet5.nwproj");
        bundle::Bundle q = quantized(b);
        auto refused = [](bundle::Bundle bad, const char* fragment) {
            auto p = bundle::parseBundle(bundle::serializeBundle(bad), "q.nwbundle");
            QVERIFY(!p.ok());
            QVERIFY2(p.error().message.find(fragment) != std::string::npos,
                     p.error().message.c_str());
        };
        std::size_t conv = 0;
        while (!q.header.layers[conv].int8) {
            ++conv;
        }
        bundle::Bundle negative = q;
        negative.header.layers[conv].int8->inputScale = -1;
        refused(negative, "input_scale is not a positive number");
        bundle::Bundle f32Weight = q;
        f32Weight.header.layers[conv].blobs["weight"].dtype = bundle::DType::F32;
        refused(f32Weight, "not s8");
        bundle::Bundle noScales = q;
        noScales.header.layers[conv].blobs.erase("weight_scale");
        refused(noScales, "weight_scale");
        bundle::Bundle pool = q;
        for (auto& l : pool.header.layers) {
            if (l.op == "max_pool" || l.op == "avg_pool") {
                l.int8 = q.header.layers[conv].int8;
                break;
            }
        }
        refused(pool, "no INT8 form");
    }

    void foldsAndFuses() {
        Built b = build(NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj");
        QStringList ops;
        for (const auto& l : b.bundle.header.layers) {
            ops << QString::fromStdString(l.op + (l.activation.empty() ? "" : "+" + l.activation));
        }
        // conv+bn+relu, pool, conv+bn+relu, pool, (flatten)+dense+relu, (dropout) dense
        QCOMPARE(ops, (QStringList{"conv2d+relu", "max_pool", "conv2d+relu", "max_pool",
                                   "dense+relu", "dense"}));
    }

    // What the runtime cannot run is refused naming the node and the reason: a Dense over a
    // sequence [N, T, C] (its dense layer takes [N, F]), the sequence and tensor ops.
    void refusesWhatItsRuntimeCannotRun_data() {
        QTest::addColumn<QStringList>("chain"); // op[:units] after an Input [4, 6]
        QTest::addColumn<QString>("fragment");
        QTest::newRow("Dense rank 3")
            << QStringList{"Dense"} << "node 'n1': Dense over the last axis of [N, 4, 6]";
        QTest::newRow("PositionalEncoding")
            << QStringList{"PositionalEncoding"}
            << "node 'n1': PositionalEncoding cannot go into a bundle (the bundle runtime takes "
               "no sequence tensors";
        QTest::newRow("SequencePool")
            << QStringList{"SequencePool"} << "node 'n1': SequencePool cannot go into a bundle";
        QTest::newRow("Transpose")
            << QStringList{"Transpose"} << "node 'n1': Transpose cannot go into a bundle";
        QTest::newRow("Slice") << QStringList{"Slice"}
                               << "node 'n1': Slice cannot go into a bundle (the bundle runtime "
                                  "has no slice layer";
        QTest::newRow("Embedding") << QStringList{"Embedding"}
                                   << "node 'n1': Embedding cannot go into a bundle (the bundle "
                                      "runtime has no table-lookup layer";
        // Over [1, 6, 6], 3 x 3 windows, stride 2, padding 1, rounded up: the last windows
        // reach past the padding, and counting the padding divides them by 6, not 9.
        QTest::newRow("AvgPool2D dilated") << QStringList{"AvgPool2D:dilated"}
                                           << "node 'n1': a dilated AvgPool2D has no bundle "
                                              "layer";
        QTest::newRow("AvgPool2D ceil_mode count_include_pad")
            << QStringList{"AvgPool2D"}
            << "node 'n1': AvgPool2D with ceil_mode and count_include_pad divides its last "
               "windows by fewer cells";
    }

    void refusesWhatItsRuntimeCannotRun() {
        QFETCH(QStringList, chain);
        QFETCH(QString, fragment);
        auto registry = graph::makeCoreRegistry();
        graph::Graph g;
        graph::IntList shape{4, 6};
        if (chain.front() == "Embedding") {
            shape = {4};
        } else if (chain.front().startsWith("AvgPool2D")) {
            shape = {1, 6, 6};
        }
        g.addNode({"n0", "Input", {{"shape", shape}}, {}});
        std::string last = "n0";
        for (int i = 0; i < chain.size(); ++i) {
            std::string id = "n" + std::to_string(i + 1);
            graph::AttrMap attrs;
            if (chain[i] == "Dense") {
                attrs["units"] = std::int64_t{3};
            } else if (chain[i] == "AvgPool2D") {
                attrs = {{"kernel_size", graph::IntList{3, 3}},
                         {"padding", graph::IntList{1, 1}},
                         {"ceil_mode", true}};
            } else if (chain[i] == "AvgPool2D:dilated") {
                attrs = {{"kernel_size", graph::IntList{2, 2}}, {"dilation", graph::IntList{2, 2}}};
            }
            g.addNode({id, chain[i].section(':', 0, 0).toStdString(), attrs, {}});
            g.addEdge({{last, 0}, {id, 0}});
            last = id;
        }
        g.addNode({"loss", "Loss", {{"loss", std::string("mse")}}, {}});
        g.addEdge({{last, 0}, {"loss", 0}});
        auto built = bundle::buildBundle(g, registry, {}, {});
        QVERIFY(!built);
        QVERIFY(built.error().kind == Error::Kind::User);
        QVERIFY2(built.error().message.find(fragment.toStdString()) != std::string::npos,
                 built.error().message.c_str());
    }

    void refusesCorruptFiles() {
        Built b = build(NW_SOURCE_DIR "/resources/templates/lenet5.nwproj");
        const std::string good = bundle::serializeBundle(b.bundle);
        auto refused = [](const std::string& bytes, const char* fragment) {
            auto p = bundle::parseBundle(bytes, "x.nwbundle");
            if (p.ok()) {
                auto m = rt::Model::fromBundle(std::move(*p), "x.nwbundle");
                QVERIFY2(!m.ok(), "a corrupt bundle was accepted");
                QVERIFY2(m.error().message.find(fragment) != std::string::npos,
                         m.error().message.c_str());
                return;
            }
            QVERIFY2(p.error().message.find(fragment) != std::string::npos,
                     p.error().message.c_str());
        };
        refused(good.substr(0, good.size() / 2), "x.nwbundle");
        refused("NWBUNDLX" + good.substr(8), "signature");
        std::string flipped = good;
        flipped[good.size() / 2] ^= 1;
        refused(flipped, "checksum");
        // Valid checksums over a hostile header: the parser and the runtime must catch it.
        auto edited = [&good](const std::string& from, const std::string& to) {
            std::string s = good;
            auto at = s.find(from);
            if (at == std::string::npos) {
                qFatal("no '%s' in the header", from.c_str());
            }
            s.replace(at, from.size(), to);
            // Keep the header length consistent: pad or trim inside the JSON whitespace is
            // not available, so rewrite the length field.
            std::uint64_t headerBytes = 0;
            std::memcpy(&headerBytes, good.data() + 12, 8);
            headerBytes = headerBytes + to.size() - from.size();
            std::memcpy(s.data() + 12, &headerBytes, 8);
            reseal(s);
            return s;
        };
        refused(edited("\"op\":\"conv2d\"", "\"op\":\"conv9d\""), "unknown op");
        refused(edited("\"inputs\":[0]", "\"inputs\":[7]"), "does not exist");
        refused(edited("\"kernel\":[5,5]", "\"kernel\":[50,5]"), "kernel");
    }

    // Random byte mutations (re-sealed half the time): every one is either refused with a
    // message or, if it still parses, runs or is refused by the runtime — never a crash.
    void survivesMutations() {
        Built b = build(NW_SOURCE_DIR "/resources/templates/mlp.nwproj");
        // Pre-laid-out weights, so that their layout fields are mutated too.
        auto packed = rt::Model::packWeights(b.bundle, 256);
        QVERIFY(packed.ok());
        const std::string good = bundle::serializeBundle(*packed);
        QVERIFY(good.find("\"layout\"") != std::string::npos);
        std::uint64_t headerBytes = 0;
        std::memcpy(&headerBytes, good.data() + 12, 8);
        CounterRng rng(17, 0);
        int refused = 0;
        for (int i = 0; i < 300; ++i) {
            std::string s = good;
            // Mostly the header, where structure lives.
            auto span = std::size_t(i % 4 == 0 ? s.size() : 20 + headerBytes);
            for (int k = 0; k < 1 + i % 3; ++k) {
                auto pos = std::size_t(rng.uniform(std::uint64_t(i * 8 + k)) * float(span));
                s[std::min(pos, s.size() - 1)] =
                    char(rng.uniform(std::uint64_t(9999 + i * 8 + k)) * 256);
            }
            if (i % 2 == 0) {
                reseal(s);
            }
            auto p = bundle::parseBundle(s, "fuzz");
            if (!p.ok()) {
                ++refused;
                QVERIFY(p.error().message.rfind("fuzz: ", 0) == 0);
                continue;
            }
            auto m = rt::Model::fromBundle(std::move(*p), "fuzz");
            if (!m.ok()) {
                ++refused;
                continue;
            }
            std::vector<float> out(std::size_t(b.batch * 10));
            (void)(*m)->run(b.inputs.data(), b.batch, out.data());
        }
        QVERIFY(refused > 150);
    }

    void cApi() {
        QTemporaryDir dir;
        Built b = build(NW_SOURCE_DIR "/resources/templates/mlp.nwproj");
        std::string path = dir.filePath("m.nwbundle").toStdString();
        QVERIFY(bundle::writeBundle(b.bundle, path).ok());

        nw_rt_model* model = nullptr;
        QCOMPARE(nw_rt_load(dir.filePath("missing").toUtf8().constData(), &model), NW_RT_ERROR_IO);
        QVERIFY(model == nullptr);
        QVERIFY(std::string(nw_rt_last_load_error()).find("missing") != std::string::npos);

        QCOMPARE(nw_rt_load(path.c_str(), &model), NW_RT_OK);
        int64_t dims[8];
        QCOMPARE(nw_rt_input_shape(model, dims, 8), 3);
        QCOMPARE(dims[0], int64_t(1));
        QCOMPARE(dims[2], int64_t(28));
        QCOMPARE(nw_rt_output_shape(model, dims, 8), 1);
        QCOMPARE(dims[0], int64_t(10));
        std::vector<float> out(b.expected.size());
        QCOMPARE(nw_rt_run(model, b.inputs.data(), b.batch, out.data()), NW_RT_OK);
        QVERIFY(maxAbsDiff(out, b.expected) <= 1e-4);
        QCOMPARE(nw_rt_run(model, nullptr, 1, out.data()), NW_RT_ERROR_ARGUMENT);
        QVERIFY(std::string(nw_rt_error(model)).find("input") != std::string::npos);
        nw_rt_free(model);
    }

    // The C++ wrapper: RAII, shapes, runs; errors as exceptions with the status and a
    // message naming the file or the expected shape.
    void cppWrapper() {
        QTemporaryDir dir;
        Built b = build(NW_SOURCE_DIR "/resources/templates/mlp.nwproj");
        std::string path = dir.filePath("m.nwbundle").toStdString();
        QVERIFY(bundle::writeBundle(b.bundle, path).ok());
        netwright::Model model(path);
        QCOMPARE(model.inputShape(), (std::vector<std::int64_t>{1, 28, 28}));
        QCOMPARE(model.outputSize(), std::int64_t(10));
        QVERIFY(maxAbsDiff(model.run(b.inputs, b.batch), b.expected) <= 1e-4);
        try {
            model.run(std::vector<float>(700), 1);
            QFAIL("a wrong input size was accepted");
        } catch (const netwright::Error& e) {
            QCOMPARE(e.status(), NW_RT_ERROR_ARGUMENT);
            QVERIFY2(std::string(e.what()).find("[1, 28, 28] needs 784") != std::string::npos,
                     e.what());
        }
        try {
            netwright::Model missing(dir.filePath("missing.nwbundle").toStdString());
            QFAIL("a missing file was loaded");
        } catch (const netwright::Error& e) {
            QCOMPARE(e.status(), NW_RT_ERROR_IO);
            QVERIFY(std::string(e.what()).find("missing.nwbundle") != std::string::npos);
        }
    }

    // A C program linked against libnetwright_rt alone computes what the C++ side does.
    void cConsumer() {
        QTemporaryDir dir;
        Built b = build(NW_SOURCE_DIR "/resources/templates/lenet5.nwproj");
        const QString path = dir.filePath("l.nwbundle");
        QVERIFY(bundle::writeBundle(b.bundle, path.toStdString()).ok());
        QProcess p;
        p.start(NW_RT_CONSUMER, {path, "2"});
        QVERIFY(p.waitForFinished(60000));
        const QStringList lines = QString(p.readAllStandardOutput()).trimmed().split('\n');
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(lines.size(), 4);
        QCOMPARE(lines[0], QString("input [1, 28, 28]"));
        QCOMPARE(lines[1], QString("output [10]"));
        auto model = rt::Model::fromBundle(b.bundle, "mem");
        QVERIFY(model.ok());
        std::vector<float> x(2 * 784, 0.5f), y(20);
        QVERIFY((*model)->run(x.data(), 2, y.data()).ok());
        for (int s = 0; s < 2; ++s) {
            const QStringList values = lines[2 + s].split(' ');
            QCOMPARE(values.size(), 10);
            for (int k = 0; k < 10; ++k) {
                QVERIFY(std::abs(values[k].toDouble() - y[std::size_t(s * 10 + k)]) <= 1e-6);
            }
        }
        QProcess missing;
        missing.start(NW_RT_CONSUMER, {dir.filePath("none.nwbundle"), "1"});
        QVERIFY(missing.waitForFinished(60000));
        QCOMPARE(missing.exitCode(), int(NW_RT_ERROR_IO));
        QVERIFY(missing.readAllStandardOutput().contains("none.nwbundle"));
    }

    void cliExportInferBench() {
        QTemporaryDir dir;
        QVERIFY(datasets::testing::writeMnistFolder(dir.filePath("data"), 160, 32, false));
        QFile f(dir.filePath("p.nwproj"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"format_version": 1, "dataset": {"kind": "idx", "path": "data"},
          "training": {"batch_size": 16, "epochs": 1},
          "graph": {"nodes": [
            {"id": "input", "op": "Input", "attributes": {"shape": [1, 4, 4]}},
            {"id": "conv", "op": "Conv2D", "attributes": {"filters": 4, "padding": [1, 1]}},
            {"id": "bn", "op": "BatchNorm"}, {"id": "relu", "op": "ReLU"},
            {"id": "flatten", "op": "Flatten"},
            {"id": "fc", "op": "Dense", "attributes": {"units": 10}},
            {"id": "loss", "op": "Loss"}],
           "edges": [{"from": "input", "to": "conv"}, {"from": "conv", "to": "bn"},
                     {"from": "bn", "to": "relu"}, {"from": "relu", "to": "flatten"},
                     {"from": "flatten", "to": "fc"}, {"from": "fc", "to": "loss"}]}})");
        f.close();
        auto cli = [](const QStringList& args) {
            auto r = nw::testing::runCli(args);
            return std::pair{r.exitCode, (r.out + r.err).toUtf8()};
        };
        qputenv("NETWRIGHT_DB", dir.filePath("db").toUtf8());
        QString weights = dir.filePath("w.nwweights"), model = dir.filePath("m.nwbundle");
        auto [trainCode, trainOut] =
            cli({"train", dir.filePath("p.nwproj"), "--save-weights", weights});
        QVERIFY2(trainCode == 0, trainOut.constData());
        auto [code, out] = cli({"export", dir.filePath("p.nwproj"), "--weights", weights,
                                "--format", "bundle", "-o", model});
        QVERIFY2(code == 0, out.constData());
        QVERIFY(out.contains("max abs error"));
        auto [inferCode, inferOut] =
            cli({"infer", model, dir.filePath("data/t10k-images-idx3-ubyte"), "--json"});
        QVERIFY2(inferCode == 0, inferOut.constData());
        auto results = QJsonDocument::fromJson(inferOut.trimmed().split('\n').last()).array();
        QCOMPARE(results.size(), 32);
        QCOMPARE(results[0].toObject()["top"].toArray().size(), 3);
        // INT8: calibrated on training samples, its accuracy change measured on the test split.
        QString int8Model = dir.filePath("m8.nwbundle");
        auto [int8Code, int8Out] =
            cli({"export", dir.filePath("p.nwproj"), "--weights", weights, "--format", "bundle",
                 "--int8", "--calibration", "64", "-o", int8Model});
        QVERIFY2(int8Code == 0, int8Out.constData());
        QVERIFY2(int8Out.contains("INT8: 2 of 2 layers") &&
                     int8Out.contains("calibrated on 64 training samples") &&
                     int8Out.contains("test accuracy on 32 samples") &&
                     int8Out.contains("same top-1"),
                 int8Out.constData());
        QVERIFY(QFileInfo(int8Model).size() < QFileInfo(model).size());
        auto [infer8Code, infer8Out] =
            cli({"infer", int8Model, dir.filePath("data/t10k-images-idx3-ubyte"), "--json"});
        QVERIFY2(infer8Code == 0, infer8Out.constData());
        QCOMPARE(QJsonDocument::fromJson(infer8Out.trimmed().split('\n').last()).array().size(),
                 32);
        auto [onnx8Code, onnx8Out] = cli({"export", dir.filePath("p.nwproj"), "--weights", weights,
                                          "--int8", "-o", dir.filePath("never.onnx")});
        QCOMPARE(onnx8Code, 2);
        QVERIFY(onnx8Out.contains("--format bundle"));
        QVERIFY(!QFileInfo::exists(dir.filePath("never.onnx")));
        auto [benchCode, benchOut] =
            cli({"bench-infer", model, "--batch", "4", "--runs", "5", "--json"});
        QVERIFY2(benchCode == 0, benchOut.constData());
        QVERIFY(QJsonDocument::fromJson(benchOut.trimmed())["samples_per_sec"].toDouble() > 0);
        // The ONNX export of the same weights classifies the same way.
        QString onnxFile = dir.filePath("m.onnx");
        auto [onnxCode, onnxOut] =
            cli({"export", dir.filePath("p.nwproj"), "--weights", weights, "-o", onnxFile});
        QVERIFY2(onnxCode == 0, onnxOut.constData());
        auto [inferOnnxCode, inferOnnxOut] =
            cli({"infer", onnxFile, dir.filePath("data/t10k-images-idx3-ubyte"), "--json"});
        QVERIFY2(inferOnnxCode == 0, inferOnnxOut.constData());
        auto onnxResults =
            QJsonDocument::fromJson(inferOnnxOut.trimmed().split('\n').last()).array();
        QCOMPARE(onnxResults.size(), 32);
        for (int i = 0; i < 32; ++i) {
            auto top = [i](const QJsonArray& r) {
                return r[i].toObject()["top"].toArray()[0].toObject()["class"].toInt();
            };
            QCOMPARE(top(onnxResults), top(results));
        }
        // From the tracked run instead of a weights file: its checkpoint, recorded back.
        QString fromRun = dir.filePath("run.nwbundle");
        auto [runCode, runOut] = cli({"export", dir.filePath("p.nwproj"), "--run", "1", "--format",
                                      "bundle", "-o", fromRun});
        QVERIFY2(runCode == 0, runOut.constData());
        auto [showCode, showOut] = cli({"runs", "show", "1"});
        QVERIFY2(showCode == 0 && showOut.contains("run.nwbundle"), showOut.constData());
        auto [noRunCode, noRunOut] = cli(
            {"export", dir.filePath("p.nwproj"), "--run", "99", "-o", dir.filePath("never.onnx")});
        QCOMPARE(noRunCode, 2);
        QVERIFY(noRunOut.contains("99"));
        auto [badCode, badOut] = cli({"bench-infer", dir.filePath("p.nwproj")});
        QCOMPARE(badCode, 2);
        QVERIFY(badOut.contains("p.nwproj"));
    }
};

QTEST_GUILESS_MAIN(TestBundle)
#include "test_bundle.moc"
