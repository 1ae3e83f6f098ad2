#pragma once
// The set-up shared by the offscreen GUI tests (tests/gui): the bundled sample project, one op
// registry per test program, a Design page and an IDE window on a project document. Set-up
// failures abort the test program (qFatal): they are broken tests, not failed checks.

#include "app/project_document.h"
#include "graph/op_registry.h"
#include "tests/support/backends.h"
#include "ui/design_page.h"
#include "ui/main_window.h"

#include <QByteArray>
#include <QFile>
#include <QString>
#include <QTemporaryDir>
#include <QtTest>

namespace nw::testing {

// The Fashion-MNIST CNN sample in the source tree (NW_SOURCE_DIR, a compile definition).
inline const QString kSampleProject =
    QStringLiteral(NW_SOURCE_DIR "/resources/samples/fashion-mnist-cnn.nwproj");

// The core ops, made once per test program.
inline const graph::OpRegistry& coreRegistry() {
    static const auto registry = graph::makeCoreRegistry();
    return registry;
}

// Writes `text` to the file `name` in `dir`; returns its path.
inline QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& text) {
    QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(text) != text.size()) {
        qFatal("cannot write %s", qPrintable(path));
    }
    return path;
}

// Shows `widget` (offscreen) and waits until it is exposed.
inline void showExposed(QWidget& widget) {
    widget.show();
    if (!QTest::qWaitForWindowExposed(&widget)) {
        qFatal("the %s is not exposed", widget.metaObject()->className());
    }
}

// A project loaded into a document, on a Design page shown at 1200 x 800; `dir` is a scratch
// folder for the test.
struct DesignPageFixture {
    QTemporaryDir dir;
    app::ProjectDocument doc{coreRegistry()};
    ui::DesignPage page{doc};

    // Loads the project file at `path` (the sample by default).
    explicit DesignPageFixture(const QString& path = kSampleProject) { loadAndShow(path); }
    // Writes `text` to the file `name` in `dir` and loads that.
    DesignPageFixture(const QString& name, const QByteArray& text) {
        loadAndShow(writeFile(dir, name, text));
    }

    ui::GraphScene* scene() const { return page.scene(); }

private:
    void loadAndShow(const QString& path) {
        if (!doc.load(path).ok()) {
            qFatal("cannot load %s", qPrintable(path));
        }
        page.resize(1200, 800);
        showExposed(page);
    }
};

// A document in an IDE window, neither loaded nor shown.
struct MainWindowFixture {
    app::ProjectDocument doc{coreRegistry()};
    ui::MainWindow window{doc, nw::testing::cpuOnlyRegistry()};
};

} // namespace nw::testing
