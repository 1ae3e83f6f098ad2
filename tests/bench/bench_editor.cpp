// bench_editor: how the node-graph editor scales. Builds a 1,000-node residual network and
// prints (median of repeated runs, milliseconds):
//   - analyze(): full re-validation, shape inference and costs of the graph;
//   - one edit end to end (ProjectDocument::setAttribute -> undo command -> re-analysis ->
//     changed() -> canvas, inspector and tables updated), alternating two values;
//   - a move (the mergeable command), undo and redo;
//   - building the canvas from scratch, and painting it (whole graph, and one 1280x800
//     viewport at 100 %).
// Target: an edit re-validates in < 16 ms (one frame at 60 Hz).
// Usage: bench_editor [nodes]   (runs offscreen unless QT_QPA_PLATFORM is set)
#include "app/project_document.h"
#include "graph/analysis.h"
#include "graph/op_registry.h"
#include "graph/project_file.h"
#include "ui/design_page.h"
#include "ui/graph_editor/graph_scene.h"

#include <QApplication>
#include <QImage>
#include <QPainter>
#include <QTemporaryDir>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double medianMs(int runs, const std::function<void()>& body) {
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        auto t0 = Clock::now();
        body();
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

// Input -> stem conv -> blocks of (conv, batch norm, ReLU, add-skip) -> pool, flatten,
// dense, loss; laid out top to bottom. About `nodes` nodes.
nw::graph::Project residualProject(int nodes) {
    using namespace nw::graph;
    Project p;
    p.name = "bench";
    Graph& g = p.graph;
    double y = 0;
    auto add = [&](const std::string& id, const std::string& op, AttrMap attrs) {
        g.addNode(Node{id, op, std::move(attrs), {0, y}});
        y += 110;
    };
    add("input", "Input", {{"shape", IntList{8, 16, 16}}});
    std::string prev = "input";
    const int blocks = std::max(1, (nodes - 4) / 4);
    for (int b = 0; b < blocks; ++b) {
        const std::string s = std::to_string(b);
        add("conv" + s, "Conv2D",
            {{"filters", std::int64_t{8}}, {"padding_mode", std::string("same")}});
        add("bn" + s, "BatchNorm", {});
        add("relu" + s, "ReLU", {});
        add("add" + s, "Add", {});
        g.addEdge({{prev, 0}, {"conv" + s, 0}});
        g.addEdge({{"conv" + s, 0}, {"bn" + s, 0}});
        g.addEdge({{"bn" + s, 0}, {"relu" + s, 0}});
        g.addEdge({{"relu" + s, 0}, {"add" + s, 0}});
        g.addEdge({{prev, 0}, {"add" + s, 1}});
        prev = "add" + s;
    }
    add("flatten", "Flatten", {});
    add("fc", "Dense", {{"units", std::int64_t{10}}});
    add("loss", "Loss", {});
    g.addEdge({{prev, 0}, {"flatten", 0}});
    g.addEdge({{"flatten", 0}, {"fc", 0}});
    g.addEdge({{"fc", 0}, {"loss", 0}});
    return p;
}

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QApplication app(argc, argv);
    const int nodes = argc > 1 ? std::max(10, std::atoi(argv[1])) : 1000;
    const auto registry = nw::graph::makeCoreRegistry();
    const auto project = residualProject(nodes);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("bench.nwproj"));
    if (!nw::graph::writeProject(project, path.toStdString())) {
        std::fprintf(stderr, "bench_editor: cannot write %s\n", qPrintable(path));
        return 1;
    }

    nw::app::ProjectDocument doc(registry);
    if (!doc.load(path)) {
        std::fprintf(stderr, "bench_editor: cannot load the generated project\n");
        return 1;
    }
    const auto& g = doc.graph();
    std::printf("graph: %zu nodes, %zu edges, %zu problems\n", g.nodes().size(), g.edges().size(),
                doc.analysis().problems.size());

    const double analyzeMs = medianMs(50, [&] { (void)nw::graph::analyze(g, registry); });
    std::printf("analyze (full re-validation):           %8.2f ms\n", analyzeMs);

    int flip = 0;
    auto edit = [&] {
        (void)doc.setAttribute("conv100", "filters", std::int64_t{(++flip % 2) ? 12 : 8});
    };
    const double docEditMs = medianMs(50, edit);
    std::printf("edit, document only (no views):         %8.2f ms\n", docEditMs);

    double buildMs = 0;
    nw::ui::DesignPage* page = nullptr;
    buildMs = medianMs(1, [&] { page = new nw::ui::DesignPage(doc); });
    page->resize(1280, 800);
    page->show();
    QApplication::processEvents();
    std::printf("canvas + tables built from scratch:     %8.2f ms\n", buildMs);

    const double uiEditMs = medianMs(50, edit);
    std::printf("edit, with canvas, inspector, tables:   %8.2f ms\n", uiEditMs);
    std::map<std::string, nw::graph::Position> moved{{"relu10", {40, 1200}}};
    const double moveMs = medianMs(20, [&] {
        moved["relu10"].x += 10;
        (void)doc.moveNodes(moved);
    });
    std::printf("move (merged command), with views:      %8.2f ms\n", moveMs);
    const double undoMs = medianMs(20, [&] {
        doc.undoStack()->undo();
        doc.undoStack()->redo();
    });
    std::printf("undo + redo, with views:                %8.2f ms\n", undoMs);

    auto* scene = page->scene();
    const QRectF all = scene->itemsBoundingRect();
    QImage whole(1280, 800, QImage::Format_ARGB32_Premultiplied);
    const double paintAllMs = medianMs(5, [&] {
        QPainter painter(&whole);
        painter.setRenderHint(QPainter::Antialiasing);
        scene->render(&painter, QRectF(), all);
    });
    std::printf("paint whole graph (zoomed out):         %8.2f ms\n", paintAllMs);
    const double paintViewMs = medianMs(20, [&] {
        QPainter painter(&whole);
        painter.setRenderHint(QPainter::Antialiasing);
        scene->render(&painter, QRectF(0, 0, 1280, 800), QRectF(-540, 3000, 1280, 800));
    });
    std::printf("paint one 1280x800 viewport at 100 %%:   %8.2f ms\n", paintViewMs);

    const bool ok = docEditMs < 16.0 && uiEditMs < 16.0;
    std::printf("target (< 16 ms per edit): %s\n", ok ? "met" : "NOT met");
    delete page;
    return 0;
}
