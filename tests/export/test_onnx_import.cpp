// ONNX import (graph/onnx/onnx_import.h). Every project our exporter can export — the sample,
// the templates, tests/export/data — goes out with seeded weights and comes back: the same
// ops, attributes (as far as ONNX carries them) and edges, compared structurally, with
// bit-identical weights; exported again, the same ONNX nodes and initializers; run through the
// engine, the reference interpreter's outputs on the original model. Plus: external data
// (read, missing, short, outside the folder), unsupported nodes listed by name and op type,
// a truncated file, an opset-9 model, metadata, and a PyTorch-style model (opset 18, weights
// in a side file, a Reshape fed by Shape -> Gather -> Unsqueeze -> Concat, a final Softmax).
#include "graph/onnx/import_tensor.h"
#include "graph/onnx/model_builder.h"
#include "graph/onnx/onnx_import.h"
#include "graph/project_file.h"
#include "tests/export/onnx_import_support.h"

#include <QDir>
#include <QtTest>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

namespace ox = nw::graph::onnx_export;
namespace oi = nw::graph::onnx_import;
using namespace nw;
using namespace nw::testing;

namespace {

const QString kOutDir = QStringLiteral(NW_BINARY_DIR "/import-onnx");
const QString kSource = QStringLiteral(NW_SOURCE_DIR);

std::filesystem::path outPath(const QString& name) {
    return (kOutDir + "/" + name).toStdString();
}

std::string errorOf(const Expected<oi::ImportedModel>& r) {
    return r ? std::string("(imported)") : r.error().message;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

class TestOnnxImport : public QObject {
    Q_OBJECT
    graph::OpRegistry m_registry = graph::makeCoreRegistry();

private slots:
    void initTestCase() { QVERIFY(QDir().mkpath(kOutDir)); }

    void roundTrip_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("sample/fashion-mnist-cnn")
            << kSource + "/resources/samples/fashion-mnist-cnn.nwproj";
        for (const char* dir : {"resources/templates", "tests/export/data"}) {
            QDir d(kSource + "/" + dir);
            for (const QString& f : d.entryList({"*.nwproj"}, QDir::Files, QDir::Name)) {
                const QString row = QString(dir).section('/', -1) + "/" + QFileInfo(f).baseName();
                QTest::newRow(qPrintable(row)) << d.filePath(f);
            }
        }
    }

    // export -> import: the same project; export again: the same ONNX graph; the engine on the
    // import gives the reference interpreter's outputs on the original model.
    void roundTrip() {
        QFETCH(QString, file);
        auto exported = exportProject(file, m_registry);
        QVERIFY2(exported, "the project does not export");
        const QString stem = QFileInfo(file).completeBaseName();
        const std::filesystem::path path = outPath(stem + ".onnx");
        QVERIFY(ox::writeModel(exported->result.model, path));

        auto imported = oi::importOnnx(path, m_registry);
        QVERIFY2(imported, errorOf(imported).c_str());
        compareProjects(exported->project.graph, exported->weights, imported->project.graph,
                        imported->weights, m_registry);
        if (QTest::currentTestFailed()) {
            return;
        }
        QCOMPARE(imported->project.name, stem.toStdString()); // the exporter's generic name

        auto again = ox::exportModel(imported->project.graph, m_registry, imported->weights, {});
        QVERIFY2(again, again ? "" : again.error().message.c_str());
        compareOnnx(exported->result.model.graph(), again->model.graph());
        if (QTest::currentTestFailed()) {
            return;
        }

        const std::int64_t batch = 3;
        auto m = compile(imported->project.graph, m_registry, batch);
        QVERIFY(m);
        QVERIFY(load(*m, imported->weights));
        const auto x = inputsFor(*m->plan, smallestVocabulary(imported->project.graph));
        auto engineOut = app::runReference(*m->backend, *m->plan, x);
        QVERIFY2(engineOut, engineOut ? "" : engineOut.error().message.c_str());
        auto reference = ox::runModel(exported->result.model, {m->plan->input().shape(), x});
        QVERIFY2(reference, reference ? "" : reference.error().message.c_str());
        const auto& want = (*reference)[exported->result.outputs[0].name].data;
        QCOMPARE(engineOut->size(), want.size());
        const double rel = relativeError(*engineOut, want);
        qInfo("%s: %zu nodes, engine on the import against the original model: max error "
              "%.2e of the output's scale",
              qPrintable(stem), imported->project.graph.nodes().size(), rel);
        for (const auto& note : imported->notes) {
            qInfo("  note: %s", note.c_str());
        }
        QVERIFY(rel <= 1e-4);
    }

    void metadataComesBack() {
        ox::ExportOptions o;
        o.modelName = "Sample CNN";
        o.classLabels = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
        o.mean = {0.286};
        o.std = {0.353};
        auto exported =
            exportProject(kSource + "/resources/samples/fashion-mnist-cnn.nwproj", m_registry, o);
        QVERIFY(exported);
        QVERIFY(ox::writeModel(exported->result.model, outPath("metadata.onnx")));
        auto imported = oi::importOnnx(outPath("metadata.onnx"), m_registry);
        QVERIFY2(imported, errorOf(imported).c_str());
        QCOMPARE(imported->project.name, std::string("Sample CNN"));
        QCOMPARE(imported->classLabels, o.classLabels);
        QCOMPARE(imported->project.dataset.mean, o.mean);
        QCOMPARE(imported->project.dataset.std, o.std);
        const graph::Node* input = imported->project.graph.findNode("input");
        QVERIFY(input);
        QCOMPARE(std::get<graph::IntList>(input->attrs.at("shape")), (graph::IntList{1, 28, 28}));
        bool notedOutputs = false;
        for (const auto& n : imported->notes) {
            notedOutputs |= contains(n, "'probabilities'");
        }
        QVERIFY(notedOutputs); // the second output is left out, and said so
        // The layout puts every node on its own spot, data flowing downwards.
        std::set<std::pair<double, double>> spots;
        for (const auto& n : imported->project.graph.nodes()) {
            spots.insert({n.position.x, n.position.y});
        }
        QCOMPARE(spots.size(), imported->project.graph.nodes().size());
        QVERIFY(imported->project.graph.findNode("loss")->position.y > input->position.y);
    }

    void externalData() {
        auto exported = exportProject(kSource + "/resources/templates/mlp.nwproj", m_registry);
        QVERIFY(exported);
        const QString dir = kOutDir + "/external";
        QVERIFY(QDir().mkpath(dir));
        const std::filesystem::path model = (dir + "/mlp.onnx").toStdString();
        QVERIFY(writeWithExternalData(exported->result.model, model, "mlp.onnx.data"));
        auto imported = oi::importOnnx(model, m_registry);
        QVERIFY2(imported, errorOf(imported).c_str());
        QCOMPARE(imported->weights.size(), exported->weights.size());
        for (const auto& [key, tensor] : exported->weights) {
            QVERIFY2(sameBits(tensor, imported->weights.at(key)), key.first.c_str());
        }

        // A short side file, then a missing one: errors naming it.
        const std::filesystem::path data = model.parent_path() / "mlp.onnx.data";
        std::filesystem::resize_file(data, std::filesystem::file_size(data) / 2);
        auto shortFile = oi::importOnnx(model, m_registry);
        QVERIFY(!shortFile);
        QVERIFY2(contains(errorOf(shortFile), "mlp.onnx.data") &&
                     contains(errorOf(shortFile), "too short"),
                 errorOf(shortFile).c_str());
        std::filesystem::remove(data);
        auto missing = oi::importOnnx(model, m_registry);
        QVERIFY(!missing);
        QCOMPARE(missing.error().kind, Error::Kind::User);
        QVERIFY2(contains(errorOf(missing), "mlp.onnx.data") &&
                     contains(errorOf(missing), "does not exist"),
                 errorOf(missing).c_str());
    }

    void externalDataStaysBesideTheModel_data() {
        QTest::addColumn<QString>("location");
        QTest::addColumn<QString>("why");
        QTest::newRow("parent") << "../secret.data"
                                << "outside the model's folder";
        QTest::newRow("nested parent") << "sub/../../secret.data"
                                       << "outside the model's folder";
        QTest::newRow("absolute") << "/etc/passwd"
                                  << "absolute path";
    }

    void externalDataStaysBesideTheModel() {
        QFETCH(QString, location);
        QFETCH(QString, why);
        auto exported = exportProject(kSource + "/resources/templates/mlp.nwproj", m_registry);
        QVERIFY(exported);
        onnx::ModelProto m = exported->result.model;
        auto& t = *m.mutable_graph()->mutable_initializer(0);
        t.clear_raw_data();
        t.set_data_location(onnx::TensorProto::EXTERNAL);
        auto* e = t.add_external_data();
        e->set_key("location");
        e->set_value(location.toStdString());
        QVERIFY(ox::writeModel(m, outPath("escape.onnx")));
        auto imported = oi::importOnnx(outPath("escape.onnx"), m_registry);
        QVERIFY(!imported);
        QVERIFY2(contains(errorOf(imported), why.toStdString()) &&
                     contains(errorOf(imported), "escape.onnx"),
                 errorOf(imported).c_str());
    }

    void foreignForms_data() {
        QTest::addColumn<int>("row");
        for (int k = 0; k < int(foreignFormCases().size()); ++k) {
            QTest::newRow(foreignFormCases()[std::size_t(k)].name) << k;
        }
    }

    void foreignForms() {
        QFETCH(int, row);
        const ForeignForm& f = foreignFormCases()[std::size_t(row)];
        const onnx::ModelProto model = handBuilt(f.input, f.body, f.opset);
        const QString file = QStringLiteral("form%1.onnx").arg(row);
        QVERIFY(ox::writeModel(model, outPath(file)));
        auto imported = oi::importOnnx(outPath(file), m_registry);
        QVERIFY2(imported, errorOf(imported).c_str());
        const graph::Graph& g = imported->project.graph;
        QStringList nodes;
        for (const auto& n : g.nodes()) {
            nodes << QString::fromStdString(n.id + ":" + n.op);
        }
        QCOMPARE(nodes.join(' '), QString(f.nodes));
        for (QString expect : QString(f.attrs).split(';', Qt::SkipEmptyParts)) {
            expect = expect.trimmed();
            const QString id = expect.section('.', 0, 0), rest = expect.section('.', 1);
            const std::string attr = rest.section('=', 0, 0).toStdString();
            const graph::Node* n = g.findNode(id.toStdString());
            QVERIFY2(n, qPrintable(id));
            const graph::OpSchema* schema = m_registry.find(n->op);
            auto value =
                n->attrs.count(attr) ? n->attrs.at(attr) : schema->findAttr(attr)->defaultValue;
            QCOMPARE(QString::fromStdString(graph::attrValueToString(value)), rest.section('=', 1));
        }
        if (!f.runnable) {
            return;
        }
        auto m = compile(g, m_registry, 2);
        QVERIFY(m);
        QVERIFY(load(*m, imported->weights));
        const auto x = inputsFor(*m->plan, std::nullopt);
        auto engineOut = app::runReference(*m->backend, *m->plan, x);
        QVERIFY(engineOut);
        auto reference = ox::runModel(model, {m->plan->input().shape(), x});
        QVERIFY2(reference, reference ? "" : reference.error().message.c_str());
        QVERIFY(relativeError(*engineOut, (*reference)["y"].data) <= 1e-4);
    }

    void refusals_data() {
        QTest::addColumn<int>("row");
        for (int k = 0; k < int(refusalCases().size()); ++k) {
            QTest::newRow(refusalCases()[std::size_t(k)].name) << k;
        }
    }

    void refusals() {
        QFETCH(int, row);
        const Refusal& r = refusalCases()[std::size_t(row)];
        const QString file = QStringLiteral("refused%1.onnx").arg(row);
        QVERIFY(ox::writeModel(handBuilt(r.input, r.body, r.opset), outPath(file)));
        auto imported = oi::importOnnx(outPath(file), m_registry);
        QVERIFY(!imported);
        QCOMPARE(imported.error().kind, Error::Kind::User);
        QVERIFY2(contains(errorOf(imported), file.toStdString()) &&
                     contains(errorOf(imported), r.why),
                 errorOf(imported).c_str());
    }

    // A plugin's op goes out as a node of the plugin's domain and comes back as that op,
    // attributes typed by its schema; without the plugin it is listed as unsupported.
    void pluginOpsComeBack() {
        graph::OpRegistry registry = graph::makeCoreRegistry();
        graph::OpSchema swish = *registry.find("LeakyReLU");
        swish.name = "Swish";
        swish.plugin = "my-plugin";
        QVERIFY(registry.add(swish));
        graph::Graph g;
        g.addNode({"input", "Input", {{"shape", graph::IntList{4}}}, {}});
        g.addNode({"act", "Swish", {{"alpha", 0.3}}, {}, "my-plugin"});
        g.addNode({"fc", "Dense", {{"units", std::int64_t{3}}}, {}});
        g.addNode({"loss", "Loss", {}, {}});
        g.addEdge({{"input", 0}, {"act", 0}});
        g.addEdge({{"act", 0}, {"fc", 0}});
        g.addEdge({{"fc", 0}, {"loss", 0}});
        graph::WeightMap w;
        w[{"fc", "weight"}] = {{3, 4}, std::vector<float>(12, 0.25f)};
        w[{"fc", "bias"}] = {{3}, {0.1f, -0.2f, 0.3f}};
        auto exported = ox::exportModel(g, registry, w, {});
        QVERIFY2(exported, exported ? "" : exported.error().message.c_str());
        QVERIFY(ox::writeModel(exported->model, outPath("plugin.onnx")));
        auto imported = oi::importOnnx(outPath("plugin.onnx"), registry);
        QVERIFY2(imported, errorOf(imported).c_str());
        const graph::Node* act = imported->project.graph.findNode("act");
        QVERIFY(act);
        QCOMPARE(act->op, std::string("Swish"));
        QCOMPARE(act->plugin, std::string("my-plugin"));
        QCOMPARE(std::get<double>(act->attrs.at("alpha")), 0.3);
        compareProjects(g, w, imported->project.graph, imported->weights, registry);

        auto without = oi::importOnnx(outPath("plugin.onnx"), m_registry);
        QVERIFY(!without);
        QVERIFY2(contains(errorOf(without), "node 'act' (Swish): domain 'my-plugin'"),
                 errorOf(without).c_str());
    }

    // A Mul and a Pad (of a 2-D tensor) spliced into an exported MLP, side by side, their
    // outputs added: both listed, by name and op type; the Add after them, whose inputs are
    // unknown, is not.
    // A model whose input has a fixed first axis that is no batch — an op reads across it, or
    // it is the only axis — imports as one sample of the whole input (graph/onnx/import_lift):
    // the flag and note say so, and the engine on a batch of one computes what ONNX does.
    void fixedFirstAxisImportsAsOneSample() {
        // A table [3, 4]: Transpose (the default reversal) -> [4, 3], Softmax over axis 0,
        // ReduceMean over axis 1 -> [4], times a constant [4].
        onnx::ModelProto table = handBuilt({3, 4}, [](onnx::GraphProto& g, std::mt19937&) {
            addNode(g, "Transpose", "t", {"x"}, {"t"});
            addInt(addNode(g, "Softmax", "s", {"t"}, {"s"}), "axis", 0);
            auto& mean = addNode(g, "ReduceMean", "m", {"s"}, {"m"});
            addInts(mean, "axes", {1});
            addInt(mean, "keepdims", 0);
            ox::ModelBuilder(g).floatInitializer("k", std::vector<std::int64_t>{4},
                                                 std::vector<float>{1, 2, 3, 4});
            addNode(g, "Mul", "scale", {"m", "k"}, {"y0"});
            return std::string("y0");
        });
        // A vector [6]: Unsqueeze to [1, 6], Gemm (transB 0) with B [6, 3] and C [3],
        // Flatten at axis 0 -> [1, 3], Relu.
        onnx::ModelProto vector = handBuilt(
            {6},
            [](onnx::GraphProto& g, std::mt19937& r) {
                addInts(addNode(g, "Unsqueeze", "u", {"x"}, {"u"}), "axes", {0});
                addFloatInit(g, "B", {6, 3}, r);
                addFloatInit(g, "C", {3}, r);
                addNode(g, "Gemm", "fc", {"u", "B", "C"}, {"h"});
                addInt(addNode(g, "Flatten", "flat", {"h"}, {"f"}), "axis", 0);
                addNode(g, "Relu", "relu", {"f"}, {"y0"});
                return std::string("y0");
            },
            12);
        for (onnx::ModelProto* m : {&table, &vector}) { // drop the batch: the dims are the input
            auto* dims = m->mutable_graph()
                             ->mutable_input(0)
                             ->mutable_type()
                             ->mutable_tensor_type()
                             ->mutable_shape()
                             ->mutable_dim();
            dims->erase(dims->begin());
        }
        const std::vector<float> x{0.5f, -1, 2, 0, 1, 1.5f, -0.5f, 3, -2, 0.25f, 1, -1};
        const std::vector<float> v{1, -2, 0.5f, 3, -1, 2};
        for (int which = 0; which < 2; ++which) {
            const QString file = QStringLiteral("one_sample%1.onnx").arg(which);
            QVERIFY(ox::writeModel(which == 0 ? table : vector, outPath(file)));
            auto imported = oi::importOnnx(outPath(file), m_registry);
            QVERIFY2(imported, imported ? "" : imported.error().message.c_str());
            QVERIFY(imported->oneSample);
            QVERIFY(!imported->notes.empty() &&
                    contains(imported->notes.front(), "the project takes the whole input as one "
                                                      "sample"));
            const graph::Node* input = nullptr;
            for (const auto& n : imported->project.graph.nodes()) {
                input = n.op == "Input" ? &n : input;
            }
            const graph::IntList shape = which == 0 ? graph::IntList{3, 4} : graph::IntList{6};
            QCOMPARE(std::get<graph::IntList>(input->attrs.at("shape")), shape);
            auto m = compile(imported->project.graph, m_registry, 1);
            QVERIFY(m);
            QVERIFY(load(*m, imported->weights));
            const std::vector<float>& in = which == 0 ? x : v;
            auto ours = app::runReference(*m->backend, *m->plan, in);
            QVERIFY(ours);
            std::vector<float> want;
            if (which == 0) { // softmax down each column of x (= each row of x^T's column)
                for (int j = 0; j < 4; ++j) { // t[j][i] = x[i][j]; softmax over j per i
                    double mean = 0;
                    for (int i = 0; i < 3; ++i) {
                        double sum = 0;
                        for (int k = 0; k < 4; ++k) {
                            sum += std::exp(double(x[std::size_t(i * 4 + k)]));
                        }
                        mean += std::exp(double(x[std::size_t(i * 4 + j)])) / sum / 3;
                    }
                    want.push_back(float(mean * (j + 1)));
                }
            } else {
                const auto& graph = vector.graph();
                std::vector<float> b(18), c(3);
                std::memcpy(b.data(), graph.initializer(0).raw_data().data(), 18 * sizeof(float));
                std::memcpy(c.data(), graph.initializer(1).raw_data().data(), 3 * sizeof(float));
                for (int j = 0; j < 3; ++j) {
                    double h = c[std::size_t(j)];
                    for (int i = 0; i < 6; ++i) {
                        h += double(v[std::size_t(i)]) * b[std::size_t(i * 3 + j)];
                    }
                    want.push_back(float(std::max(h, 0.0)));
                }
            }
            QVERIFY2(relativeError(*ours, want) <= 1e-5,
                     qPrintable(QString::number(relativeError(*ours, want))));
        }
        // A fixed first axis that is a batch: Conv puts it first, so the error is the one of
        // the batch (pads as large as the kernel), not of the rewrite.
        onnx::ModelProto conv = handBuilt({1, 4, 4}, [](onnx::GraphProto& g, std::mt19937&) {
            auto& pool = addNode(g, "MaxPool", "pool", {"x"}, {"p"});
            addInts(pool, "kernel_shape", {2, 2});
            addInts(pool, "pads", {2, 2, 2, 2});
            return std::string("p");
        });
        conv.mutable_graph()
            ->mutable_input(0)
            ->mutable_type()
            ->mutable_tensor_type()
            ->mutable_shape()
            ->mutable_dim(0)
            ->set_dim_value(2);
        QVERIFY(ox::writeModel(conv, outPath("fixed_batch.onnx")));
        auto refused = oi::importOnnx(outPath("fixed_batch.onnx"), m_registry);
        QVERIFY(!refused);
        QVERIFY2(contains(refused.error().message, "below the window's span"),
                 refused.error().message.c_str());
    }

    // The 8-bit and narrower element types decode as ONNX defines them (raw bytes, 4- and 2-bit
    // values packed from the low bits up), and holdsExactly() knows which casts change nothing.
    void narrowElementTypesDecode() {
        auto tensor = [](int type, std::vector<std::int64_t> dims, std::string bytes) {
            onnx::TensorProto t;
            t.set_data_type(type);
            for (auto d : dims) {
                t.add_dims(d);
            }
            t.set_raw_data(std::move(bytes));
            return t;
        };
        auto values = [](const onnx::TensorProto& t) {
            auto c = oi::decodeTensor(t, "t");
            std::vector<double> v;
            for (std::int64_t k = 0; c && k < c->numel(); ++k) {
                v.push_back(c->at(k));
            }
            return v;
        };
        // E4M3FN: 0x38 = 1, 0xc4 = -3 (1.5 * 2), 0x01 = 2^-9 (subnormal), 0x7e = 448, 0x7f NaN.
        auto e4m3 = values(tensor(17, {5}, std::string("\x38\xc4\x01\x7e\x7f", 5)));
        QCOMPARE(e4m3.size(), 5u);
        QCOMPARE(e4m3[0], 1.0);
        QCOMPARE(e4m3[1], -3.0);
        QCOMPARE(e4m3[2], std::ldexp(1.0, -9));
        QCOMPARE(e4m3[3], 448.0);
        QVERIFY(std::isnan(e4m3[4]));
        // E5M2: 0x7c = inf, 0x3c = 1; E5M2FNUZ: 0x80 = NaN, 0x40 = 1 (bias 16).
        QCOMPARE(values(tensor(19, {2}, "\x7c\x3c"))[0], std::numeric_limits<double>::infinity());
        QCOMPARE(values(tensor(19, {2}, "\x7c\x3c"))[1], 1.0);
        QVERIFY(std::isnan(values(tensor(20, {1}, "\x80"))[0]));
        QCOMPARE(values(tensor(20, {1}, "\x40"))[0], 1.0);
        // INT4 [-8, 7, -1] packed low nibble first: 0x78, 0x0f. UINT2 [3, 0, 1, 2, 1]: 0x93, 0x01.
        QCOMPARE(values(tensor(22, {3}, "\x78\x0f")), (std::vector<double>{-8, 7, -1}));
        QCOMPARE(values(tensor(25, {5}, "\x93\x01")), (std::vector<double>{3, 0, 1, 2, 1}));
        // FLOAT4E2M1 [6, -0.5]: 0x7, 0x9 -> 0x97. FLOAT8E8M0 0x7f = 1, 0x80 = 2.
        QCOMPARE(values(tensor(23, {2}, "\x97")), (std::vector<double>{6, -0.5}));
        QCOMPARE(values(tensor(24, {2}, "\x7f\x80")), (std::vector<double>{1, 2}));
        // Too few bytes for the shape is an error naming the tensor.
        auto shortT = oi::decodeTensor(tensor(22, {5}, "\x01\x02"), "'w'");
        QVERIFY(!shortT);
        QVERIFY2(contains(shortT.error().message, "'w' holds 2 bytes of 4-bit values"),
                 shortT.error().message.c_str());

        using TP = onnx::TensorProto;
        QVERIFY(oi::holdsExactly(TP::FLOAT16, 17) && oi::holdsExactly(TP::FLOAT16, 19) &&
                oi::holdsExactly(TP::FLOAT16, 23) && oi::holdsExactly(TP::FLOAT16, 22));
        QVERIFY(!oi::holdsExactly(TP::FLOAT16, 24)); // 2^127 is beyond float16
        QVERIFY(oi::holdsExactly(TP::BFLOAT16, 24) && oi::holdsExactly(TP::FLOAT, 24));
        QVERIFY(oi::holdsExactly(TP::INT8, 22) && !oi::holdsExactly(TP::UINT8, 22));
        QVERIFY(!oi::holdsExactly(17, TP::FLOAT16) && !oi::holdsExactly(TP::FLOAT16, TP::INT16));
        QVERIFY(!oi::holdsExactly(23, 17)); // float4 has no NaN
    }

    void unsupportedNodesAreListed() {
        auto exported = exportProject(kSource + "/resources/templates/mlp.nwproj", m_registry);
        QVERIFY(exported);
        onnx::ModelProto m = exported->result.model;
        onnx::GraphProto& g = *m.mutable_graph();
        for (auto& n : *g.mutable_node()) { // fc2 now reads the spliced-in nodes
            for (auto& in : *n.mutable_input()) {
                if (in == "relu1" && n.name() == "fc2") {
                    in = "joined";
                }
            }
        }
        addNode(g, "Softplus", "soften_it", {"relu1"}, {"scaled"});
        auto& pads = *g.add_initializer();
        pads.set_name("pads");
        pads.set_data_type(onnx::TensorProto::INT64);
        pads.add_dims(4);
        for (int k = 0; k < 4; ++k) {
            pads.add_int64_data(0);
        }
        addNode(g, "Pad", "pad_it", {"relu1", "pads"}, {"padded"});
        addNode(g, "Add", "join", {"scaled", "padded"}, {"joined"});
        QVERIFY(ox::writeModel(m, outPath("unsupported.onnx")));
        auto imported = oi::importOnnx(outPath("unsupported.onnx"), m_registry);
        QVERIFY(!imported);
        const std::string e = errorOf(imported);
        QCOMPARE(imported.error().kind, Error::Kind::User);
        QVERIFY2(contains(e, "unsupported.onnx") && contains(e, "cannot import 2 nodes") &&
                     contains(e, "node 'soften_it' (Softplus): ") &&
                     contains(e, "node 'pad_it' (Pad): expects [N, C, H, W], got [N, "),
                 e.c_str());
    }

    void truncatedFileIsNamed() {
        auto exported = exportProject(kSource + "/resources/templates/lenet5.nwproj", m_registry);
        QVERIFY(exported);
        const std::string bytes = exported->result.model.SerializeAsString();
        QVERIFY(writeBytes(outPath("truncated.onnx"), bytes.substr(0, bytes.size() / 2)));
        auto imported = oi::importOnnx(outPath("truncated.onnx"), m_registry);
        QVERIFY(!imported);
        QCOMPARE(imported.error().kind, Error::Kind::User);
        QVERIFY2(contains(errorOf(imported), "truncated.onnx"), errorOf(imported).c_str());

        auto absent = oi::importOnnx(outPath("no-such-model.onnx"), m_registry);
        QVERIFY(!absent);
        QVERIFY2(contains(errorOf(absent), "no-such-model.onnx"), errorOf(absent).c_str());
    }

    // An MLP written as opset 9 (its ops mean the same there): upgraded by onnx's version
    // converter and imported as the opset-17 file is, or refused saying why.
    void oldOpsetIsUpgraded() {
        ox::ExportOptions logitsOnly;
        logitsOnly.addProbabilities = false;
        auto exported =
            exportProject(kSource + "/resources/templates/mlp.nwproj", m_registry, logitsOnly);
        QVERIFY(exported);
        onnx::ModelProto m = exported->result.model;
        m.set_ir_version(4);
        m.mutable_opset_import(0)->set_version(9);
        QVERIFY(ox::writeModel(m, outPath("opset9.onnx")));
        auto imported = oi::importOnnx(outPath("opset9.onnx"), m_registry);
        if (!imported) {
            QVERIFY2(contains(errorOf(imported), "opset 9") &&
                         contains(errorOf(imported), "version converter"),
                     errorOf(imported).c_str());
            QSKIP(
                ("onnx's version converter refuses the opset-9 MLP: " + errorOf(imported)).c_str());
        }
        QVERIFY(contains(imported->notes.at(0), "upgraded from opset 9 to 17"));
        compareProjects(exported->project.graph, exported->weights, imported->project.graph,
                        imported->weights, m_registry);
    }

    // PyTorch 2's form: opset 18, scoped names, weights in model.onnx.data, the flattening
    // Reshape's shape computed from Shape, and a Softmax at the end.
    void pytorchStyleExportImports() {
        const QString dir = kOutDir + "/pytorch";
        QVERIFY(QDir().mkpath(dir));
        const std::filesystem::path model = (dir + "/cnn.onnx").toStdString();
        QVERIFY(writeWithExternalData(pytorchStyleCnn(false), model, "cnn.onnx.data"));
        auto imported = oi::importOnnx(model, m_registry);
        QVERIFY2(imported, errorOf(imported).c_str());
        const graph::Graph& g = imported->project.graph;
        QStringList ops;
        for (const auto& n : g.nodes()) {
            ops << QString::fromStdString(n.id + ":" + n.op);
        }
        QCOMPARE(ops.join(' '), QStringLiteral("x:Input conv:Conv2D relu:ReLU pool:MaxPool2D "
                                               "Reshape:Reshape fc:Dense loss:Loss"));
        QCOMPARE(std::get<graph::IntList>(g.findNode("Reshape")->attrs.at("shape")),
                 (graph::IntList{36}));
        QCOMPARE(std::get<graph::IntList>(g.findNode("conv")->attrs.at("padding")),
                 (graph::IntList{1, 1}));
        QCOMPARE(std::get<std::string>(g.findNode("loss")->attrs.at("loss")),
                 std::string("softmax_cross_entropy"));
        QCOMPARE(imported->project.name, std::string("cnn"));
        bool notedSoftmax = false;
        for (const auto& n : imported->notes) {
            notedSoftmax |= contains(n, "dropped the final Softmax");
        }
        QVERIFY(notedSoftmax);
        QVERIFY(graph::writeProject(imported->project, (dir + "/cnn.nwproj").toStdString()));

        // Numerically: the engine on the import against the hand-folded twin's logits.
        auto m = compile(g, m_registry, 4);
        QVERIFY(m);
        QVERIFY(load(*m, imported->weights));
        const auto x = inputsFor(*m->plan, std::nullopt);
        auto engineOut = app::runReference(*m->backend, *m->plan, x);
        QVERIFY(engineOut);
        auto reference = ox::runModel(pytorchStyleCnn(true), {m->plan->input().shape(), x});
        QVERIFY2(reference, reference ? "" : reference.error().message.c_str());
        QVERIFY(relativeError(*engineOut, (*reference)["logits"].data) <= 1e-4);
    }
};

QTEST_GUILESS_MAIN(TestOnnxImport)
#include "test_onnx_import.moc"
