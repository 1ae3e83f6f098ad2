#pragma once
// Test helpers: writing IDX files (plain or gzip) and MNIST-style folders, a small synthetic
// Dataset whose samples say which index they are, and reading a DataLoader epoch back.

#include "datasets/data_loader.h"
#include "datasets/dataset.h"

#include <QByteArray>
#include <QDir>
#include <QString>
#include <QtGlobal>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>
#include <zlib.h>

namespace nw::datasets::testing {

// An IDX file's bytes: magic {0, 0, type, ndim}, big-endian dims, then `data`.
inline QByteArray idxBytes(const std::vector<std::uint32_t>& dims,
                           const std::vector<std::uint8_t>& data, std::uint8_t type = 0x08) {
    QByteArray b;
    b.append(char(0)).append(char(0)).append(char(type)).append(char(dims.size()));
    for (std::uint32_t d : dims) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            b.append(char((d >> shift) & 0xff));
        }
    }
    b.append(reinterpret_cast<const char*>(data.data()), qsizetype(data.size()));
    return b;
}

// Writes `bytes` to `path`, gzip-compressed (zlib's gzwrite) when `gzip`.
inline bool writeFile(const QString& path, const QByteArray& bytes, bool gzip) {
    const QByteArray name = path.toLocal8Bit();
    if (gzip) {
        gzFile f = gzopen(name.constData(), "wb");
        if (!f) {
            return false;
        }
        int n = bytes.isEmpty() ? 0 : gzwrite(f, bytes.constData(), unsigned(bytes.size()));
        return gzclose(f) == Z_OK && n == bytes.size();
    }
    std::ofstream out(name.constData(), std::ios::binary);
    out.write(bytes.constData(), bytes.size());
    return bool(out);
}

// Bytes 0, 1, 2, ... (mod 256).
inline std::vector<std::uint8_t> ramp(std::size_t n, std::uint8_t start = 0) {
    std::vector<std::uint8_t> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        v[i] = std::uint8_t(start + i);
    }
    return v;
}

// size() samples of shape [2, 2, 3]; label(i) = i % 5. Element 0 of sample i is i / 1024
// (exact in float; identifies the sample for i < 1024), element k > 0 is k / 16.
// `delay` slows readSample() down to exercise the loader's threads.
class IndexDataset : public Dataset {
public:
    explicit IndexDataset(std::int64_t n, std::chrono::microseconds delay = {})
        : m_n(n)
        , m_delay(delay) {}
    std::string name() const override { return "index"; }
    std::int64_t size() const override { return m_n; }
    Dims sampleShape() const override { return {2, 2, 3}; }
    int numClasses() const override { return 5; }
    std::vector<std::string> classNames() const override { return {"a", "b", "c", "d", "e"}; }
    int label(std::int64_t i) const override { return int(i % 5); }
    void readSample(std::int64_t i, std::span<float> out) const override {
        if (m_delay.count() > 0) {
            std::this_thread::sleep_for(m_delay);
        }
        out[0] = float(i) / 1024.0f;
        for (std::size_t k = 1; k < out.size(); ++k) {
            out[k] = float(k) / 16.0f;
        }
    }
    // The sample index stored in a sample's first element.
    static std::int64_t indexOf(float first) { return std::int64_t(first * 1024.0f + 0.5f); }

private:
    std::int64_t m_n;
    std::chrono::microseconds m_delay;
};

// All sample indices of one epoch, in order, checking batch numbering on the way.
inline std::vector<std::int64_t> epochOrder(DataLoader& loader, std::int64_t epoch,
                                            std::int64_t firstBatch = 0) {
    loader.startEpoch(epoch, firstBatch);
    std::vector<std::int64_t> order;
    std::int64_t expectedIndex = firstBatch;
    while (auto batch = loader.next()) {
        if (batch->index != expectedIndex++) {
            return {-1};
        }
        const auto numel = batch->inputs.size() / std::size_t(batch->size);
        for (std::int64_t k = 0; k < batch->size; ++k) {
            order.push_back(IndexDataset::indexOf(batch->inputs[std::size_t(k) * numel]));
        }
    }
    return order;
}

inline std::unique_ptr<DataLoader> makeLoader(std::shared_ptr<const Dataset> ds, LoaderOptions o) {
    auto loader = DataLoader::create(std::move(ds), std::move(o));
    return loader ? std::move(*loader) : nullptr;
}

// Writes the four files of an MNIST-style folder: `nTrain`/`nTest` images of 1 x 4 x 4 bytes
// with labels i % 10.
inline bool writeMnistFolder(const QString& dir, std::uint32_t nTrain, std::uint32_t nTest,
                             bool gzip) {
    QDir().mkpath(dir);
    const QString gz = gzip ? ".gz" : "";
    auto labels = [](std::uint32_t n) {
        std::vector<std::uint8_t> l(n);
        for (std::uint32_t i = 0; i < n; ++i) {
            l[i] = std::uint8_t(i % 10);
        }
        return l;
    };
    return writeFile(dir + "/train-images-idx3-ubyte" + gz,
                     idxBytes({nTrain, 4, 4}, ramp(nTrain * 16)), gzip) &&
           writeFile(dir + "/train-labels-idx1-ubyte" + gz, idxBytes({nTrain}, labels(nTrain)),
                     gzip) &&
           writeFile(dir + "/t10k-images-idx3-ubyte" + gz,
                     idxBytes({nTest, 4, 4}, ramp(nTest * 16, 7)), gzip) &&
           writeFile(dir + "/t10k-labels-idx1-ubyte" + gz, idxBytes({nTest}, labels(nTest)), gzip);
}

// Sets NETWRIGHT_DATASETS_DIR for one scope.
class DatasetsDirOverride {
public:
    explicit DatasetsDirOverride(const QString& dir)
        : m_had(qEnvironmentVariableIsSet("NETWRIGHT_DATASETS_DIR"))
        , m_old(qgetenv("NETWRIGHT_DATASETS_DIR")) {
        if (dir.isNull()) {
            qunsetenv("NETWRIGHT_DATASETS_DIR");
        } else {
            qputenv("NETWRIGHT_DATASETS_DIR", dir.toLocal8Bit());
        }
    }
    ~DatasetsDirOverride() {
        if (m_had) {
            qputenv("NETWRIGHT_DATASETS_DIR", m_old);
        } else {
            qunsetenv("NETWRIGHT_DATASETS_DIR");
        }
    }

private:
    bool m_had;
    QByteArray m_old;
};

} // namespace nw::datasets::testing
