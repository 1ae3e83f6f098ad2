// CSV tables (see readers.h): numeric features and a label column, held as floats.
#include "datasets/readers.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

namespace nw::datasets {

namespace {

namespace fs = std::filesystem;

// Samples [F] of floats as read, labels as class indices.
class CsvDataset : public Dataset {
public:
    CsvDataset(std::string name, std::int64_t features, std::vector<float> values,
               std::vector<int> labels, std::vector<std::string> classNames)
        : m_name(std::move(name))
        , m_features(features)
        , m_values(std::move(values))
        , m_labels(std::move(labels))
        , m_classNames(std::move(classNames)) {}

    std::string name() const override { return m_name; }
    std::int64_t size() const override { return std::ssize(m_labels); }
    Dims sampleShape() const override { return {m_features}; }
    int numClasses() const override { return int(m_classNames.size()); }
    std::vector<std::string> classNames() const override { return m_classNames; }
    int label(std::int64_t i) const override { return m_labels[std::size_t(i)]; }
    void readSample(std::int64_t i, std::span<float> out) const override {
        assert(std::ssize(out) == m_features);
        std::copy_n(m_values.begin() + i * m_features, m_features, out.begin());
    }

private:
    std::string m_name;
    std::int64_t m_features;
    std::vector<float> m_values; // [N, F]
    std::vector<int> m_labels;   // [N]
    std::vector<std::string> m_classNames;
};

std::vector<std::string> splitLine(std::string line) {
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    std::vector<std::string> cells;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = line.find(',', start);
        std::string cell = line.substr(start, comma == std::string::npos ? comma : comma - start);
        const auto b = cell.find_first_not_of(" \t");
        const auto e = cell.find_last_not_of(" \t");
        cell = b == std::string::npos ? "" : cell.substr(b, e - b + 1);
        if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') {
            cell = cell.substr(1, cell.size() - 2);
        }
        cells.push_back(std::move(cell));
        if (comma == std::string::npos) {
            return cells;
        }
        start = comma + 1;
    }
}

struct Table {
    std::vector<std::string> header;
    std::size_t labelColumn = 0;
    std::vector<float> values;       // [N, F]
    std::vector<std::string> labels; // [N], as written
};

Expected<Table> readTable(const fs::path& file) {
    std::ifstream in(file);
    if (!in) {
        return Error::user(file.string() + ": cannot be read");
    }
    Table t;
    std::string line;
    if (!std::getline(in, line)) {
        return Error::user(file.string() + ": empty file (expected a header line)");
    }
    t.header = splitLine(line);
    if (t.header.size() < 2) {
        return Error::user(file.string() + ":1: the header names " +
                           std::to_string(t.header.size()) +
                           " column; a table needs at least one feature and a label");
    }
    t.labelColumn = t.header.size() - 1;
    for (std::size_t c = 0; c < t.header.size(); ++c) {
        std::string lower = t.header[c];
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char ch) { return char(std::tolower(ch)); });
        if (lower == "label") {
            t.labelColumn = c;
            break;
        }
    }
    for (std::int64_t lineNo = 2; std::getline(in, line); ++lineNo) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue; // blank line
        }
        const auto cells = splitLine(line);
        const std::string at = file.string() + ":" + std::to_string(lineNo);
        if (cells.size() != t.header.size()) {
            return Error::user(at + ": " + std::to_string(cells.size()) +
                               " cells, the header has " + std::to_string(t.header.size()));
        }
        for (std::size_t c = 0; c < cells.size(); ++c) {
            if (c == t.labelColumn) {
                if (cells[c].empty()) {
                    return Error::user(at + ": column " + std::to_string(c + 1) + " (\"" +
                                       t.header[c] + "\"): empty label");
                }
                t.labels.push_back(cells[c]);
                continue;
            }
            double v = 0;
            const char* b = cells[c].data();
            const char* e = b + cells[c].size();
            if (!cells[c].empty() && *b == '+') {
                ++b;
            }
            auto [ptr, ec] = std::from_chars(b, e, v);
            if (cells[c].empty() || ec != std::errc() || ptr != e || !std::isfinite(v)) {
                return Error::user(at + ": column " + std::to_string(c + 1) + " (\"" + t.header[c] +
                                   "\"): not a number: \"" + cells[c] + "\"");
            }
            t.values.push_back(float(v));
        }
    }
    if (t.labels.empty()) {
        return Error::user(file.string() + ": no data rows after the header");
    }
    return t;
}

// Class indices for `labels`: integers as they are, else names sorted.
bool allIndices(const std::vector<std::string>& labels) {
    return std::all_of(labels.begin(), labels.end(), [](const std::string& s) {
        return !s.empty() && s.size() <= 6 &&
               std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
    });
}

Expected<std::shared_ptr<Dataset>> makeSplit(const fs::path& file, const std::string& name, Table t,
                                             std::vector<std::string>& classNames, bool byIndex) {
    std::vector<int> labels;
    std::map<std::string, int> index;
    for (std::size_t c = 0; c < classNames.size(); ++c) {
        index[classNames[c]] = int(c);
    }
    for (std::size_t i = 0; i < t.labels.size(); ++i) {
        const std::string& l = t.labels[i];
        int k = -1;
        if (byIndex && allIndices({l})) {
            k = std::stoi(l);
        } else if (auto it = index.find(l); it != index.end()) {
            k = it->second;
        }
        if (k < 0 || k >= int(classNames.size())) {
            return Error::user(file.string() + ": data row " + std::to_string(i + 1) +
                               ": label \"" + l + "\" is not one of the training split's classes");
        }
        labels.push_back(k);
    }
    const auto features = std::int64_t(t.header.size() - 1);
    return std::shared_ptr<Dataset>(std::make_shared<CsvDataset>(
        name, features, std::move(t.values), std::move(labels), classNames));
}

} // namespace

Expected<TrainTest> openCsv(const fs::path& path) {
    std::error_code ec;
    fs::path trainFile = path;
    fs::path testFile;
    if (fs::is_directory(path, ec)) {
        trainFile = path / "train.csv";
        if (fs::is_regular_file(path / "test.csv", ec)) {
            testFile = path / "test.csv";
        }
    }
    if (!fs::is_regular_file(trainFile, ec)) {
        return Error::user(trainFile.string() + ": CSV file not found");
    }
    TrainTest out;
    out.format = "csv";
    out.name = (trainFile == path ? path.stem() : path.filename()).string();
    auto train = readTable(trainFile);
    if (!train) {
        return train.error();
    }
    const bool byIndex = allIndices(train->labels);
    std::vector<std::string> classNames;
    if (byIndex) {
        int maxLabel = 0;
        for (const auto& l : train->labels) {
            maxLabel = std::max(maxLabel, std::stoi(l));
        }
        for (int c = 0; c <= maxLabel; ++c) {
            classNames.push_back(std::to_string(c));
        }
    } else {
        std::set<std::string> names(train->labels.begin(), train->labels.end());
        classNames.assign(names.begin(), names.end());
    }
    auto header = train->header;
    auto trainSet =
        makeSplit(trainFile, out.name + "/train", std::move(*train), classNames, byIndex);
    if (!trainSet) {
        return trainSet.error();
    }
    out.train = std::move(*trainSet);
    if (!testFile.empty()) {
        auto test = readTable(testFile);
        if (!test) {
            return test.error();
        }
        if (test->header.size() != header.size()) {
            return Error::user(testFile.string() + ":1: " + std::to_string(test->header.size()) +
                               " columns, " + trainFile.string() + " has " +
                               std::to_string(header.size()));
        }
        auto testSet =
            makeSplit(testFile, out.name + "/test", std::move(*test), classNames, byIndex);
        if (!testSet) {
            return testSet.error();
        }
        out.test = std::move(*testSet);
    }
    return out;
}

} // namespace nw::datasets
