// ONNX export of every template and of a project with one node of every op: the ModelProto
// passes the checker and shape inference, uses the expected ONNX ops, keeps the batch
// dynamic, and holds every parameter as an initializer of the right name and shape. Each
// export is written with a reference batch (the engine's outputs) for check_onnx.py, which
// CTest runs after this test. Plus: an op without a mapping is reported naming the node,
// and the CLI's export command.
#include "app/export/export_support.h"
#include "engine/cpu/cpu_backend.h"
#include "engine/train/weights_file.h"
#include "graph/onnx/onnx_export.h"
#include "graph/project_file.h"
#include "tests/export/seeded_model.h"
#include "tests/support/backends.h"

#include <QDir>
#include <QProcess>
#include <QtTest>
#include <cmath>
#include <tuple>

namespace ox = nw::graph::onnx_export;
using namespace nw;

namespace {

const QString kOutDir = QStringLiteral(NW_BINARY_DIR "/export-onnx");

struct Compiled {
    graph::OpRegistry registry = graph::makeCoreRegistry();
    graph::Project project;
    std::unique_ptr<engine::Backend> backendOwner = nw::testing::openCpu();
    engine::Backend& backend = *backendOwner;
    std::unique_ptr<engine::ModelParams> params;
    std::unique_ptr<engine::ExecutionPlan> plan;
};

// Reads a project and compiles an inference plan of `batch` with seeded weights
// (seeded_model.h).
std::unique_ptr<Compiled> compile(const QString& file, std::int64_t batch) {
    auto c = std::make_unique<Compiled>();
    auto project = graph::readProject(file.toStdString(), c->registry);
    if (!project) {
        qWarning("%s", project.error().message.c_str());
        return nullptr;
    }
    c->project = std::move(*project);
    c->params = std::make_unique<engine::ModelParams>(c->backend);
    auto plan = engine::ExecutionPlan::compile(c->project.graph, c->registry, c->backend,
                                               *c->params, {batch, false, 5});
    if (!plan) {
        qWarning("%s", plan.error().message.c_str());
        return nullptr;
    }
    c->plan = std::move(*plan);
    if (!nw::testing::seedParams(c->backend, *c->params)) {
        qWarning("seeding the parameters failed");
        return nullptr;
    }
    return c;
}

std::string shapeOf(const onnx::ValueInfoProto& v) {
    std::string s;
    for (const auto& d : v.type().tensor_type().shape().dim()) {
        s += (s.empty() ? "" : ",") +
             (d.has_dim_param() ? d.dim_param() : std::to_string(d.dim_value()));
    }
    return s;
}

} // namespace

class TestOnnxExport : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY(QDir().mkpath(kOutDir)); }

    void exportsProject_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("ops"); // "Type=count ...": ONNX ops and how many of each
        QTest::addColumn<QStringList>("outputs");
        const QStringList classifier{"logits", "probabilities"};
        const QString t = QStringLiteral(NW_SOURCE_DIR "/resources/templates/");
        const QString data = QStringLiteral(NW_SOURCE_DIR "/tests/export/data/");
        QTest::newRow("mlp") << t + "mlp.nwproj"
                             << "Flatten=1 Gemm=4 Relu=3 Softmax=1" << classifier;
        QTest::newRow("lenet5") << t + "lenet5.nwproj"
                                << "Conv=2 Tanh=4 AveragePool=2 Gemm=3" << classifier;
        QTest::newRow("fashion-mnist-cnn")
            << t + "fashion-mnist-cnn.nwproj"
            << "Conv=2 BatchNormalization=2 MaxPool=2 Gemm=2 Relu=3" << classifier;
        QTest::newRow("resnet-small")
            << t + "resnet-small.nwproj"
            << "Conv=9 BatchNormalization=9 Add=3 GlobalAveragePool=1 Flatten=1 Gemm=1"
            << classifier;
        QTest::newRow("lstm-classifier") << t + "lstm-classifier.nwproj"
                                         << "Reshape=2 LSTM=1 Gemm=1" << classifier;
        QTest::newRow("char-transformer")
            << t + "char-transformer.nwproj"
            << "Cast=1 Gather=13 LayerNormalization=9 MatMul=25 Softmax=4 Erf=4 Add=34"
            << QStringList{"logits"};
        QTest::newRow("all_ops") << data + "all_ops.nwproj"
                                 << "Conv=2 Sum=1 AveragePool=1 MaxPool=1 GlobalAveragePool=1 "
                                    "Concat=2 Reshape=1 LayerNormalization=1 Erf=1 Tanh=2 "
                                    "Softmax=2 Sigmoid=1 LeakyRelu=1 Elu=1 Gemm=2 Flatten=3"
                                 << classifier;
        // ReLU6 as Clip (bounds as scalar inputs), HardSwish, HardSigmoid with its alpha/beta.
        QTest::newRow("hard_activations")
            << data + "hard_activations.nwproj"
            << "Conv=4 BatchNormalization=4 HardSwish=2 Clip=3 Add=1 MaxPool=1 "
               "GlobalAveragePool=1 Flatten=1 HardSigmoid=2 Gemm=2"
            << classifier;
        // Pad in each mode (pads and constant_value as inputs), LRN with ONNX's attributes.
        QTest::newRow("pad_lrn") << data + "pad_lrn.nwproj"
                                 << "Pad=3 LRN=2 Conv=1 MaxPool=1 Flatten=1 Gemm=1" << classifier;
        // MaxPool with ceil_mode and with dilations; AveragePool with asymmetric pads,
        // ceil_mode and count_include_pad 0.
        QTest::newRow("pool_forms")
            << data + "pool_forms.nwproj"
            << "Conv=1 MaxPool=2 AveragePool=2 Flatten=1 Gemm=1" << classifier;
        // ShuffleNet's unit: Slice (starts, ends, axes, steps as inputs) splits the channels;
        // the shuffle is a 5-D Reshape and Transpose; a Slice on a negative axis.
        QTest::newRow("shuffle_unit")
            << data + "shuffle_unit.nwproj"
            << "Conv=2 Slice=3 Relu=1 Concat=1 Reshape=2 Transpose=1 GlobalAveragePool=1 "
               "Flatten=1 Gemm=1"
            << classifier;
        // Squeeze-and-excitation: Mul of [N, C, H, W] by its gate [N, C, 1, 1] (broadcast);
        // GlobalMaxPool + Flatten; a Mul of two [N, C].
        QTest::newRow("squeeze_excite")
            << data + "squeeze_excite.nwproj"
            << "Conv=2 Relu=3 GlobalAveragePool=1 Gemm=3 Sigmoid=2 Reshape=1 Mul=2 MaxPool=1 "
               "GlobalMaxPool=1 Flatten=2 Softmax=1"
            << classifier;
        // Scale as Mul and Add of initializers: per channel with a shift, per channel without
        // (a LayerScale), a shift per position of [N, C, H, W], one factor for all.
        QTest::newRow("scale_forms") << data + "scale_forms.nwproj"
                                     << "Mul=3 Add=2 Conv=1 Relu=1 Flatten=1 Gemm=1" << classifier;
        // Constant as Expand of its value to [N, shape] (N from the input's Shape), then Concat
        // before the sequence: ViT's class token.
        QTest::newRow("constant_forms") << data + "constant_forms.nwproj"
                                        << "Shape=1 Expand=1 Concat=2" << classifier;
        QTest::newRow("regression")
            << data + "regression.nwproj"
            << "LayerNormalization=1 Gemm=1 Tanh=1 Softmax=0 Erf=0" << QStringList{"output"};
        // Embedding (Cast + Gather), the sinusoidal table (Add), Dense over [N, T, C]
        // (Transpose + MatMul + Add), SequencePool mean, max and last (Gather + Squeeze).
        QTest::newRow("sequence") << data + "sequence.nwproj"
                                  << "Cast=1 Gather=2 Squeeze=1 Add=2 Transpose=1 MatMul=1 "
                                     "ReduceMean=1 ReduceMax=1 Concat=1 Gemm=1"
                                  << classifier;
        // The learned table (Add), MatMul of a sequence with its transpose, Transposes.
        QTest::newRow("tensor_ops")
            << data + "tensor_ops.nwproj"
            << "Add=1 Transpose=3 MatMul=2 ReduceMax=1 Gemm=1" << QStringList{"output"};
        // MultiHeadAttention decomposed: 2 projections and 2 batched products (MatMul), the
        // weights' and the heads' Transposes, q/k/v by Gather + Squeeze; causal adds the mask.
        QTest::newRow("attention")
            << data + "attention.nwproj"
            << "MatMul=4 Transpose=5 Reshape=2 Gather=3 Squeeze=3 Mul=1 Add=2 Softmax=1"
            << QStringList{"output"};
        QTest::newRow("attention_causal")
            << data + "attention_causal.nwproj"
            << "MatMul=4 Transpose=5 Reshape=2 Gather=3 Squeeze=3 Mul=1 Add=3 Softmax=1 "
               "LayerNormalization=1"
            << QStringList{"output"};
        // LSTM and GRU natively, one node per layer between Transposes of [N, T, C] and
        // ONNX's [T, N, C]; a Concat joins each direction's two biases and, bidirectional,
        // the directions' W, R and B.
        QTest::newRow("lstm") << data + "lstm.nwproj"
                              << "LSTM=1 Transpose=2 Reshape=1 Concat=1" << QStringList{"output"};
        QTest::newRow("gru") << data + "gru.nwproj"
                             << "GRU=1 Transpose=2 Reshape=1 Concat=1 Gemm=1" << classifier;
        QTest::newRow("recurrent_bidirectional")
            << data + "recurrent_bidirectional.nwproj"
            << "GRU=1 LSTM=1 Concat=10 Transpose=4 Reshape=2" << QStringList{"output"};
        QTest::newRow("recurrent_2_layers")
            << data + "recurrent_2_layers.nwproj"
            << "LSTM=2 GRU=2 Concat=12 Transpose=6 Reshape=4" << QStringList{"output"};
    }

    void exportsProject() {
        QFETCH(QString, file);
        QFETCH(QString, ops);
        QFETCH(QStringList, outputs);
        const std::int64_t batch = 16;
        const QString stem = QFileInfo(file).completeBaseName();
        auto c = compile(file, batch);
        QVERIFY(c);
        auto weights = app::hostWeights(c->backend, *c->params);
        QVERIFY(weights);
        auto exported = ox::exportModel(c->project.graph, c->registry, *weights, {});
        QVERIFY2(exported, exported ? "" : exported.error().message.c_str());
        auto report = ox::checkModel(exported->model);
        QVERIFY2(report, report ? "" : report.error().message.c_str());

        const onnx::ModelProto& m = exported->model;
        QCOMPARE(m.opset_import(0).version(), ox::kOpsetVersion);
        QCOMPARE(m.graph().input_size(), 1);
        QCOMPARE(m.graph().input(0).name(), std::string("input"));
        QVERIFY(shapeOf(m.graph().input(0)).starts_with("N,")); // dynamic batch
        QCOMPARE(m.graph().output_size(), outputs.size());
        for (int k = 0; k < outputs.size(); ++k) {
            QCOMPARE(QString::fromStdString(m.graph().output(k).name()), outputs[k]);
        }
        for (const auto& o : m.graph().output()) {
            QVERIFY(shapeOf(o).starts_with("N,"));
        }
        for (const QString& op : ops.split(' ')) {
            auto kv = op.split('=');
            QCOMPARE(report->opCounts[kv[0].toStdString()], kv[1].toInt());
        }
        QCOMPARE(report->opCounts.count("Dropout"), std::size_t(0));
        // Every parameter is an initializer "<node>.<name>" with its data.
        std::map<std::string, const onnx::TensorProto*> inits;
        for (const auto& t : m.graph().initializer()) {
            inits[t.name()] = &t;
        }
        std::int64_t paramValues = 0;
        for (const auto& e : c->params->entries()) {
            auto it = inits.find(e->nodeId + "." + e->spec.name);
            QVERIFY2(it != inits.end(), (e->nodeId + "." + e->spec.name).c_str());
            std::int64_t n = 1;
            for (auto d : it->second->dims()) {
                n *= d;
            }
            QCOMPARE(n, e->value.numel());
            QCOMPARE(it->second->raw_data().size(), e->value.bytes());
            paramValues += n;
        }
        QVERIFY(report->parameters >= paramValues);
        bool hasLabels = false, hasLayout = false;
        for (const auto& p : m.metadata_props()) {
            hasLabels |= p.key() == "class_labels";
            hasLayout |= p.key() == "input_layout";
        }
        QVERIFY(hasLayout);
        QVERIFY(!hasLabels); // none were given

        // The model and the engine's outputs on a seeded batch, for check_onnx.py.
        std::filesystem::path model = (kOutDir + "/" + stem + ".onnx").toStdString();
        QVERIFY(ox::writeModel(m, model));
        const std::vector<float> inputs = nw::testing::inputsFor(
            *c->plan, nw::testing::smallestVocabulary(c->project.graph)); // token ids if any
        auto engineOut = app::runReference(c->backend, *c->plan, inputs);
        QVERIFY(engineOut);
        // In-process: Netwright's ONNX reference interpreter against the engine.
        auto errors = app::verifyExport(*exported, {c->plan->input().shape(), inputs}, *engineOut);
        QVERIFY2(errors, errors ? "" : errors.error().message.c_str());
        QCOMPARE(errors->size(), std::size_t(outputs.size()));
        for (const auto& e : *errors) {
            qInfo("%s %s: max abs error %.3e, max rel error %.3e", qPrintable(stem), e.name.c_str(),
                  e.maxAbs, e.maxRel);
            QVERIFY2(e.maxAbs <= 1e-4, e.name.c_str());
        }
        QVERIFY(app::writeReference((kOutDir + "/" + stem).toStdString(), model,
                                    c->plan->input().shape(), inputs, exported->outputs[0],
                                    c->plan->prediction().shape(), *engineOut,
                                    exported->outputs.size() > 1));
    }

    void metadataCarriesLabelsAndNormalisation() {
        auto c = compile(QStringLiteral(NW_SOURCE_DIR "/resources/templates/mlp.nwproj"), 2);
        QVERIFY(c);
        auto weights = app::hostWeights(c->backend, *c->params);
        QVERIFY(weights);
        ox::ExportOptions o;
        o.classLabels = {"T-shirt/top", "Trouser"};
        o.mean = {0.286};
        o.std = {0.353};
        o.addProbabilities = false;
        auto exported = ox::exportModel(c->project.graph, c->registry, *weights, o);
        QVERIFY(exported);
        std::map<std::string, std::string> meta;
        for (const auto& p : exported->model.metadata_props()) {
            meta[p.key()] = p.value();
        }
        QCOMPARE(meta["producer"], std::string("netwright 0.1.0"));
        QCOMPARE(meta["class_labels"], std::string(R"(["T-shirt/top","Trouser"])"));
        QVERIFY(meta["input_normalization"].find("0.353") != std::string::npos);
        QCOMPARE(meta["input_layout"], std::string("NCHW"));
        QCOMPARE(exported->model.graph().output_size(), 1);
    }

    // Forms opset 17 cannot write are refused, naming the node: AveragePool's dilations
    // (opset 19) and a Cast to a float8 format (opset 19).
    void formsBeyondOpset17AreRefused() {
        const graph::OpRegistry registry = graph::makeCoreRegistry();
        for (const auto& [op, attrs, fragment] :
             std::vector<std::tuple<std::string, graph::AttrMap, std::string>>{
                 {"AvgPool2D",
                  {{"kernel_size", graph::IntList{2, 2}}, {"dilation", graph::IntList{2, 2}}},
                  "node 'pool' (AvgPool2D): a dilated average pooling needs ONNX opset 19"},
                 {"Cast",
                  {{"to", std::string("float8e4m3fn")}},
                  "node 'pool' (Cast): a cast to float8e4m3fn needs ONNX opset 19"}}) {
            graph::Graph g;
            g.addNode({"input", "Input", {{"shape", graph::IntList{1, 6, 6}}}, {}});
            g.addNode({"pool", op, attrs, {}});
            g.addNode({"loss", "Loss", {{"loss", std::string("mse")}}, {}});
            g.addEdge({{"input", 0}, {"pool", 0}});
            g.addEdge({{"pool", 0}, {"loss", 0}});
            auto exported = ox::exportModel(g, registry, {}, {});
            QVERIFY(!exported);
            QVERIFY2(exported.error().message.find(fragment) != std::string::npos,
                     exported.error().message.c_str());
        }
    }

    void unmappedOpNamesTheNode() {
        graph::OpRegistry registry = graph::makeCoreRegistry();
        graph::OpSchema custom = *registry.find("ReLU");
        custom.name = "Swish";
        QVERIFY(registry.add(custom));
        graph::Graph g;
        g.addNode({"input", "Input", {{"shape", graph::IntList{4}}}, {}});
        g.addNode({"act", "Swish", {}, {}});
        g.addNode({"fc", "Dense", {{"units", std::int64_t{2}}}, {}});
        g.addNode({"loss", "Loss", {}, {}});
        g.addEdge({{"input", 0}, {"act", 0}});
        g.addEdge({{"act", 0}, {"fc", 0}});
        g.addEdge({{"fc", 0}, {"loss", 0}});
        auto exported = ox::exportModel(g, registry, {}, {});
        QVERIFY(!exported);
        QVERIFY2(exported.error().message.find("node 'act': op 'Swish' has no ONNX mapping") !=
                     std::string::npos,
                 exported.error().message.c_str());
        QVERIFY(exported.error().kind == Error::Kind::User);
    }

    void nodeIdsMayUseTheModelsValueNames() {
        graph::OpRegistry registry = graph::makeCoreRegistry();
        graph::Graph g;
        g.addNode({"x", "Input", {{"shape", graph::IntList{4}}}, {}});
        g.addNode({"logits", "Dense", {{"units", std::int64_t{3}}}, {}});
        g.addNode({"input", "ReLU", {}, {}});
        g.addNode({"probabilities", "Dense", {{"units", std::int64_t{2}}}, {}});
        g.addNode({"loss", "Loss", {}, {}});
        g.addEdge({{"x", 0}, {"logits", 0}});
        g.addEdge({{"logits", 0}, {"input", 0}});
        g.addEdge({{"input", 0}, {"probabilities", 0}});
        g.addEdge({{"probabilities", 0}, {"loss", 0}});
        ox::WeightMap w;
        w[{"logits", "weight"}] = {{3, 4}, std::vector<float>(12, 0.5f)};
        w[{"logits", "bias"}] = {{3}, {0.1f, -0.2f, 0.3f}};
        w[{"probabilities", "weight"}] = {{2, 3}, {1, -1, 0.5f, 0.25f, 2, -3}};
        w[{"probabilities", "bias"}] = {{2}, {0.0f, 1.0f}};
        auto exported = ox::exportModel(g, registry, w, {});
        QVERIFY2(exported, exported ? "" : exported.error().message.c_str());
        QVERIFY2(ox::checkModel(exported->model), "checker or shape inference failed");
        // x = 1: hidden = relu(0.5 * 4 + b) = [2.1, 1.8, 2.3]; logits = W h + b.
        auto out = ox::runModel(exported->model, {{1, 4}, {1, 1, 1, 1}});
        QVERIFY(out);
        const auto& logits = (*out)["logits"].data;
        QCOMPARE(logits.size(), std::size_t(2));
        QVERIFY(std::abs(logits[0] - (2.1f - 1.8f + 0.5f * 2.3f)) < 1e-5f);
        QVERIFY(std::abs(logits[1] - (0.25f * 2.1f + 2 * 1.8f - 3 * 2.3f + 1.0f)) < 1e-5f);
    }

    void missingWeightIsNamed() {
        auto c = compile(QStringLiteral(NW_SOURCE_DIR "/resources/templates/mlp.nwproj"), 2);
        QVERIFY(c);
        auto weights = app::hostWeights(c->backend, *c->params);
        QVERIFY(weights);
        weights->erase({"fc2", "bias"});
        auto exported = ox::exportModel(c->project.graph, c->registry, *weights, {});
        QVERIFY(!exported);
        QCOMPARE(exported.error().message,
                 std::string("node 'fc2': parameter 'bias' is missing from the weights"));
    }

    void cliExportsWithVerification() {
        auto c = compile(QStringLiteral(NW_SOURCE_DIR "/resources/templates/lenet5.nwproj"), 2);
        QVERIFY(c);
        QString weights = kOutDir + "/cli-lenet5.nwweights";
        QVERIFY(engine::saveWeights(c->backend, *c->params, weights.toStdString()));
        QString out = kOutDir + "/cli-lenet5.onnx";
        QFile::remove(out);
        QProcess p;
        p.start(QStringLiteral(NW_CLI_PATH),
                {"export", NW_SOURCE_DIR "/resources/templates/lenet5.nwproj", "--weights", weights,
                 "--format", "onnx", "-o", out, "--reference", kOutDir + "/cli-lenet5", "--samples",
                 "32"});
        QVERIFY(p.waitForFinished(120000));
        QByteArray stdoutText = p.readAllStandardOutput();
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        QVERIFY(stdoutText.contains("ONNX checker: passed"));
        QVERIFY(stdoutText.contains("shape inference: passed"));
        QVERIFY(stdoutText.contains("output logits: [N, 10]"));
        QVERIFY(stdoutText.contains("32 test samples") || stdoutText.contains("seeded"));
        QVERIFY2(stdoutText.contains("verification:") && !stdoutText.contains("FAILED"),
                 stdoutText.constData());
        QVERIFY(QFile::exists(out));
        QVERIFY(QFile::exists(kOutDir + "/cli-lenet5.json"));
    }

    // The bundle (tests/bundle) shares export's front half: unreadable weights write nothing.
    void cliBundleWithUnreadableWeightsWritesNothing() {
        QString out = kOutDir + "/never.nwbundle";
        QProcess p;
        p.start(QStringLiteral(NW_CLI_PATH),
                {"export", NW_SOURCE_DIR "/resources/templates/mlp.nwproj", "--weights",
                 kOutDir + "/no-such.nwweights", "--format", "bundle", "-o", out});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(p.readAllStandardError().contains("no-such.nwweights"));
        QVERIFY(!QFile::exists(out));
    }

    void cliUnreadableWeightsWritesNothing() {
        QString out = kOutDir + "/never.onnx";
        QProcess p;
        p.start(QStringLiteral(NW_CLI_PATH),
                {"export", NW_SOURCE_DIR "/resources/templates/mlp.nwproj", "--weights",
                 kOutDir + "/no-such.nwweights", "-o", out});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 2);
        QVERIFY(!QFile::exists(out));
    }
};

QTEST_GUILESS_MAIN(TestOnnxExport)
#include "test_onnx_export.moc"
