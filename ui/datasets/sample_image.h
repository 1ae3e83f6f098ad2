#pragma once
// Samples as pictures: the browser's thumbnails and the augmentation preview draw the same
// way (the CLI's `dataset preview` does the same with OpenCV for its PNG grid).

#include "datasets/dataset.h"

#include <QImage>
#include <span>

namespace nw::ui {

// sample: [C, H, W] floats in [0, 1] (clamped), C 1 (grey) or 3 (RGB); any other shape ([F]
// feature rows, [C, H, W] with other C) is drawn as grey rows of its first channel, a [F]
// sample as one row of F pixels. Returns a Grayscale8 or RGB888 image of W x H pixels.
QImage sampleToImage(std::span<const float> sample, const datasets::Dims& shape);

// "1 × 28 × 28"
QString shapeText(const datasets::Dims& shape);

} // namespace nw::ui
