#include "ui/datasets/sample_image.h"

#include <QStringList>
#include <algorithm>

namespace nw::ui {

namespace {

uchar toByte(float v) {
    return static_cast<uchar>(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f);
}

} // namespace

QImage sampleToImage(std::span<const float> sample, const datasets::Dims& shape) {
    int c = 1;
    int h = 1;
    int w = static_cast<int>(sample.size());
    if (shape.size() == 3) {
        c = static_cast<int>(shape[0]);
        h = static_cast<int>(shape[1]);
        w = static_cast<int>(shape[2]);
    } else if (shape.size() == 2) {
        h = static_cast<int>(shape[0]);
        w = static_cast<int>(shape[1]);
    }
    if (w <= 0 || h <= 0 || sample.size() < std::size_t(h) * std::size_t(w)) {
        return {};
    }
    const std::size_t plane = std::size_t(h) * std::size_t(w);
    if (c == 3 && sample.size() >= 3 * plane) {
        QImage img(w, h, QImage::Format_RGB888);
        for (int y = 0; y < h; ++y) {
            uchar* line = img.scanLine(y);
            for (int x = 0; x < w; ++x) {
                const std::size_t at = std::size_t(y) * std::size_t(w) + std::size_t(x);
                line[3 * x] = toByte(sample[at]);
                line[3 * x + 1] = toByte(sample[plane + at]);
                line[3 * x + 2] = toByte(sample[2 * plane + at]);
            }
        }
        return img;
    }
    QImage img(w, h, QImage::Format_Grayscale8);
    for (int y = 0; y < h; ++y) {
        uchar* line = img.scanLine(y);
        for (int x = 0; x < w; ++x) {
            line[x] = toByte(sample[std::size_t(y) * std::size_t(w) + std::size_t(x)]);
        }
    }
    return img;
}

QString shapeText(const datasets::Dims& shape) {
    QStringList parts;
    for (auto d : shape) {
        parts << QString::number(d);
    }
    return parts.join(QStringLiteral(" × "));
}

} // namespace nw::ui
