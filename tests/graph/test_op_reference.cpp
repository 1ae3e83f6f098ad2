// The op reference (docs/ops.md) against the op schemas: the committed file must be exactly
// what opReferenceMarkdown() generates, every op must be documented, and the generator must
// react to a schema change (so the drift check can fail).
#include "graph/op_reference.h"
#include "graph/op_registry.h"

#include <QtTest>
#include <fstream>
#include <sstream>

using namespace nw::graph;

namespace {

const char* const kRegenerate = "build/bin/netwright-cli ops --markdown > docs/ops.md";

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return {};
    }
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}

// Empty when equal; else the first differing line (1-based) of each text, labelled.
std::string firstDifference(const std::string& textA, const char* labelA, const std::string& textB,
                            const char* labelB) {
    if (textA == textB) {
        return {};
    }
    std::istringstream a(textA), b(textB);
    std::string la, lb;
    for (int line = 1;; ++line) {
        bool moreA = static_cast<bool>(std::getline(a, la));
        bool moreB = static_cast<bool>(std::getline(b, lb));
        if (!moreA && !moreB) {
            return "the texts differ only in their final newline";
        }
        if (!moreA || !moreB || la != lb) {
            return "line " + std::to_string(line) + ": " + labelA + " \"" + (moreA ? la : "<end>") +
                   "\", " + labelB + " \"" + (moreB ? lb : "<end>") + "\"";
        }
    }
}

// A copy of the core registry with Conv2D's `filters` default changed to `filters`.
OpRegistry coreWithConvFilters(std::int64_t filters) {
    const OpRegistry core = makeCoreRegistry();
    OpRegistry registry;
    for (const OpSchema* s : core.all()) {
        OpSchema copy = *s;
        if (copy.name == "Conv2D") {
            for (auto& attr : copy.attrs) {
                if (attr.name == "filters") {
                    attr.defaultValue = filters;
                }
            }
        }
        if (!registry.add(std::move(copy))) {
            qFatal("cannot register a copy of %s", s->name.c_str());
        }
    }
    return registry;
}

} // namespace

class TestOpReference : public QObject {
    Q_OBJECT

private slots:
    void docsMatchSchemas() {
        const std::string path = std::string(NW_SOURCE_DIR) + "/docs/ops.md";
        const std::string committed = readFile(path);
        QVERIFY2(!committed.empty(), qPrintable(QString("cannot read %1; create it: %2")
                                                    .arg(QString::fromStdString(path))
                                                    .arg(kRegenerate)));
        const std::string generated = opReferenceMarkdown(makeCoreRegistry());
        const std::string diff = firstDifference(generated, "generated", committed, "docs/ops.md");
        QVERIFY2(diff.empty(), qPrintable(QString("docs/ops.md is out of date with the op schemas "
                                                  "(%1); regenerate it: %2")
                                              .arg(QString::fromStdString(diff))
                                              .arg(kRegenerate)));
    }

    void everyOpDocumented() {
        const auto registry = makeCoreRegistry();
        const std::string md = opReferenceMarkdown(registry);
        QVERIFY(!registry.all().empty());
        for (const OpSchema* s : registry.all()) {
            const QString name = QString::fromStdString(s->name);
            QVERIFY2(!s->doc.empty(), qPrintable(name + " has no doc"));
            QVERIFY2(!s->notes.empty(), qPrintable(name + " has no notes"));
            const std::string heading = "\n### " + s->name + " (" + s->category + ")\n";
            QVERIFY2(md.find(heading) != std::string::npos,
                     qPrintable(name + " has no heading in the reference"));
            QVERIFY2(md.find(s->notes) != std::string::npos,
                     qPrintable(name + "'s notes are missing from the reference"));
            for (const auto& attr : s->attrs) {
                QVERIFY2(md.find("| `" + attr.name + "` | ") != std::string::npos,
                         qPrintable(name + "." + QString::fromStdString(attr.name) +
                                    " has no table row"));
            }
        }
        QVERIFY(md.ends_with("\n") && !md.ends_with("\n\n"));
    }

    void formatsAttributes() {
        const std::string md = opReferenceMarkdown(makeCoreRegistry());
        // Type names, defaults and ranges as the schemas declare them.
        QVERIFY(md.find("| `units` | integer | `128` | [1, 1048576] | Number of output "
                        "features. |") != std::string::npos);
        QVERIFY(md.find("| `use_bias` | boolean | `true` | true or false |") != std::string::npos);
        QVERIFY(md.find("| `padding_mode` | string | `\"explicit\"` | one of: explicit, same |") !=
                std::string::npos);
        QVERIFY(
            md.find("| `kernel_size` | list of integers | `[3, 3]` | 2 integers in [1, 255] |") !=
            std::string::npos);
        QVERIFY(md.find("| `epsilon` | number | `1e-05` | (0, 1] |") != std::string::npos);
        QVERIFY(md.find("| `alpha` | number | `1.0` | (0, 10] |") != std::string::npos);
        QVERIFY(md.find("- `in` (ports 0, 1, …; variadic, at least 2): ") != std::string::npos);
        QVERIFY(md.find("Outputs: none.") != std::string::npos); // Loss
        QVERIFY(md.find("Inputs: none.") != std::string::npos);  // Input
    }

    void schemaChangeChangesOutput() {
        const std::string core = opReferenceMarkdown(makeCoreRegistry());
        QCOMPARE(opReferenceMarkdown(coreWithConvFilters(32)), core); // 32 is the real default
        const std::string changed = opReferenceMarkdown(coreWithConvFilters(64));
        const std::string diff = firstDifference(core, "core", changed, "changed");
        QVERIFY2(!diff.empty(), "a changed default left the reference unchanged");
        QVERIFY2(diff.find("| `filters` | integer | `64` |") != std::string::npos,
                 qPrintable(QString::fromStdString(diff)));
    }
};

QTEST_GUILESS_MAIN(TestOpReference)
#include "test_op_reference.moc"
