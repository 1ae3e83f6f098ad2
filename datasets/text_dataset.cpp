// Text corpora for language models (see readers.h): the corpus as token ids, cut into
// windows of T tokens whose targets are the next tokens.
#include "datasets/readers.h"

#include <algorithm>
#include <cassert>
#include <fstream>
#include <iterator>
#include <set>

namespace nw::datasets {

namespace {

namespace fs = std::filesystem;

class TextDataset : public Dataset {
public:
    TextDataset(std::string name, std::shared_ptr<const CharVocabulary> vocabulary,
                std::vector<std::int32_t> ids, std::int64_t length)
        : m_name(std::move(name))
        , m_vocabulary(std::move(vocabulary))
        , m_ids(std::move(ids))
        , m_length(length) {}

    std::string name() const override { return m_name; }
    // Whole windows whose T targets exist: the last window's last target is the last token.
    std::int64_t size() const override { return (std::ssize(m_ids) - 1) / m_length; }
    Dims sampleShape() const override { return {m_length}; }
    Dims targetShape() const override { return {m_length}; }
    int numClasses() const override { return m_vocabulary->size(); }
    std::vector<std::string> classNames() const override {
        std::vector<std::string> names;
        for (int i = 0; i < m_vocabulary->size(); ++i) {
            names.push_back(m_vocabulary->displayName(i));
        }
        return names;
    }
    // The first step's target (class counts read it); readTargets has them all.
    int label(std::int64_t i) const override { return m_ids[std::size_t(i * m_length + 1)]; }
    void readSample(std::int64_t i, std::span<float> out) const override {
        assert(std::ssize(out) == m_length);
        std::copy_n(m_ids.begin() + i * m_length, m_length, out.begin());
    }
    void readTargets(std::int64_t i, std::span<std::int32_t> out) const override {
        assert(std::ssize(out) == m_length);
        std::copy_n(m_ids.begin() + i * m_length + 1, m_length, out.begin());
    }

private:
    std::string m_name;
    std::shared_ptr<const CharVocabulary> m_vocabulary;
    std::vector<std::int32_t> m_ids;
    std::int64_t m_length;
};

Expected<std::string> readWhole(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in && !in.eof()) {
        return Error::user(file.string() + ": cannot be read");
    }
    return bytes;
}

// The corpus's files: `path` itself, or every regular file under it sorted by path, each
// once however many links reach it.
Expected<std::vector<fs::path>> corpusFiles(const fs::path& path) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
        return std::vector<fs::path>{path};
    }
    std::vector<fs::path> files;
    std::set<fs::path> seen;
    for (auto it = fs::recursive_directory_iterator(
             path, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) {
            files.push_back(it->path());
        }
    }
    if (ec) {
        return Error::user(path.string() + ": cannot list the folder: " + ec.message());
    }
    std::sort(files.begin(), files.end());
    std::vector<fs::path> unique;
    for (const auto& f : files) {
        if (seen.insert(fs::weakly_canonical(f, ec)).second) {
            unique.push_back(f);
        }
    }
    return unique;
}

} // namespace

Expected<TrainTest> openTextCorpus(const fs::path& path, std::int64_t sequenceLength) {
    if (sequenceLength < 1 || sequenceLength > 65536) {
        return Error::user("dataset.sequence_length: " + std::to_string(sequenceLength) +
                           " is outside [1, 65536]");
    }
    auto files = corpusFiles(path);
    if (!files) {
        return files.error();
    }
    TrainTest out;
    out.name = path.filename().string();
    out.format = "text";
    std::u32string text;
    std::vector<std::string> binary;
    for (const auto& f : *files) {
        auto bytes = readWhole(f);
        if (!bytes) {
            return bytes.error();
        }
        if (bytes->find('\0') != std::string::npos) {
            binary.push_back(f.filename().string());
            continue;
        }
        text += decodeUtf8(*bytes);
    }
    if (!binary.empty()) { // one warning: a corpus folder may hold many index files
        std::string names;
        for (std::size_t i = 0; i < binary.size() && i < 4; ++i) {
            names += (i ? ", " : "") + binary[i];
        }
        if (binary.size() > 4) {
            names += " and " + std::to_string(binary.size() - 4) + " more";
        }
        out.warnings.push_back(path.string() + ": " + std::to_string(binary.size()) +
                               " file(s) hold NUL bytes, so they are not text; skipped: " + names);
    }
    if (std::ssize(text) < sequenceLength + 1) {
        return Error::user(path.string() + ": the corpus has " + std::to_string(text.size()) +
                           " characters; a sequence length of " + std::to_string(sequenceLength) +
                           " needs at least " + std::to_string(sequenceLength + 1));
    }
    auto vocabulary = std::make_shared<const CharVocabulary>(CharVocabulary::fromText(text));
    if (vocabulary->size() < 2) {
        return Error::user(path.string() + ": the corpus has a single distinct character; a "
                                           "language model needs at least 2");
    }
    std::vector<std::int32_t> ids;
    ids.reserve(text.size());
    for (char32_t c : text) {
        ids.push_back(vocabulary->id(c));
    }
    out.vocabulary = vocabulary;
    out.train = std::make_shared<TextDataset>(out.name, vocabulary, std::move(ids), sequenceLength);
    return out;
}

} // namespace nw::datasets
