#pragma once
// Test helpers for the file readers: small CIFAR batches, image folders and CSV tables that
// the tests write themselves, with contents the tests can predict.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QString>
#include <cstdint>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <vector>

namespace nw::datasets::testing {

// Writes `bytes` to `path`, creating its folder.
inline bool writeBytes(const QString& path, const QByteArray& bytes) {
    QDir().mkpath(QFileInfo(path).path());
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

// The pixel byte of CIFAR record `r` at element k of [3, 32, 32].
inline std::uint8_t cifarPixel(int r, int k) {
    return std::uint8_t((r * 7 + k) % 251);
}

// `n` CIFAR records with labels label(r); `coarse` prefixes a coarse label byte (CIFAR-100).
template <class LabelFn>
QByteArray cifarRecords(int n, LabelFn label, bool coarse = false, int first = 0) {
    QByteArray b;
    for (int r = first; r < first + n; ++r) {
        if (coarse) {
            b.append(char(r % 20));
        }
        b.append(char(label(r)));
        for (int k = 0; k < 3 * 32 * 32; ++k) {
            b.append(char(cifarPixel(r, k)));
        }
    }
    return b;
}

// A CIFAR-10 folder: data_batch_1..5 with `perBatch` records each (record r of the whole
// train set has label r % 10 and pixels cifarPixel(r, k)), test_batch with `nTest`, and
// batches.meta.txt naming the classes c0 ... c9 when `meta`.
inline bool writeCifar10(const QString& dir, int perBatch, int nTest, bool meta) {
    QDir().mkpath(dir);
    auto label = [](int r) { return r % 10; };
    for (int b = 0; b < 5; ++b) {
        if (!writeBytes(dir + QString("/data_batch_%1.bin").arg(b + 1),
                        cifarRecords(perBatch, label, false, b * perBatch))) {
            return false;
        }
    }
    if (meta) {
        QByteArray names;
        for (int c = 0; c < 10; ++c) {
            names += "c" + QByteArray::number(c) + "\n";
        }
        names += "\n";
        if (!writeBytes(dir + "/batches.meta.txt", names)) {
            return false;
        }
    }
    return writeBytes(dir + "/test_batch.bin", cifarRecords(nTest, label));
}

// A CIFAR-100 folder: train.bin (fine label r % 100) and test.bin.
inline bool writeCifar100(const QString& dir, int nTrain, int nTest) {
    QDir().mkpath(dir);
    auto label = [](int r) { return (r * 3) % 100; };
    return writeBytes(dir + "/train.bin", cifarRecords(nTrain, label, true)) &&
           writeBytes(dir + "/test.bin", cifarRecords(nTest, label, true));
}

// An 8-bit image of `rows` x `cols` with `channels` (1 or 3, BGR as OpenCV writes) whose
// pixel (y, x, c) is (seed + 16 y + 3 x + 40 c) % 256.
inline cv::Mat patternImage(int rows, int cols, int channels, int seed) {
    cv::Mat m(rows, cols, channels == 1 ? CV_8UC1 : CV_8UC3);
    for (int y = 0; y < rows; ++y) {
        for (int x = 0; x < cols; ++x) {
            for (int c = 0; c < channels; ++c) {
                m.ptr<std::uint8_t>(y)[x * channels + c] =
                    std::uint8_t((seed + 16 * y + 3 * x + 40 * c) % 256);
            }
        }
    }
    return m;
}

inline bool writeImage(const QString& path, const cv::Mat& img) {
    QDir().mkpath(QFileInfo(path).path());
    return cv::imwrite(path.toStdString(), img);
}

} // namespace nw::datasets::testing
