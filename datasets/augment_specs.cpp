// The augmentation ops' declarations: names, docs and typed parameters (graph::AttrSpec).
// The order is the op index AugmentationPipeline uses (augmentation.cpp's Op enum).
#include "datasets/augmentation.h"

namespace nw::datasets {

namespace {

using graph::AttrSpec;

AttrSpec fillSpec() {
    return AttrSpec::real("fill", 0.0, 0.0, 1.0, "Value of uncovered pixels, in [0, 1].");
}

std::vector<AugmentOpSpec> makeOps() {
    return {
        {"horizontal_flip", "Mirrors the image left-right.", {}, 0.5},
        {"vertical_flip", "Mirrors the image top-bottom.", {}, 0.5},
        {"rotation",
         "Rotates about the centre by an angle drawn uniformly in [-degrees, degrees].",
         {AttrSpec::real("degrees", 15.0, 0.0, 180.0, "Largest rotation, in degrees."),
          fillSpec()}},
        {"affine",
         "Rotation, scale, x-shear and translation, each drawn uniformly from its range.",
         {AttrSpec::real("degrees", 0.0, 0.0, 180.0, "Largest rotation, in degrees."),
          AttrSpec::real("translate", 0.1, 0.0, 0.5,
                         "Largest shift as a fraction of the width (x) and height (y)."),
          AttrSpec::real("scale_min", 1.0, 0.1, 4.0, "Smallest scale factor."),
          AttrSpec::real("scale_max", 1.0, 0.1, 4.0, "Largest scale factor."),
          AttrSpec::real("shear", 0.0, 0.0, 60.0, "Largest x-shear, in degrees."), fillSpec()}},
        {"random_resized_crop",
         "Crops a random area fraction and aspect ratio, resized back to the sample size.",
         {AttrSpec::real("scale_min", 0.08, 0.01, 1.0, "Smallest area fraction."),
          AttrSpec::real("scale_max", 1.0, 0.01, 1.0, "Largest area fraction."),
          AttrSpec::real("ratio_min", 0.75, 0.1, 10.0, "Smallest width / height ratio."),
          AttrSpec::real("ratio_max", 4.0 / 3.0, 0.1, 10.0, "Largest width / height ratio.")}},
        {"pad_crop",
         "Pads every side, then crops the sample size back at a random offset.",
         {AttrSpec::integer("padding", 4, 0, 256, "Pixels added on every side."), fillSpec()}},
        {"color_jitter",
         "Brightness, contrast and saturation factors drawn in [1 - x, 1 + x] (saturation "
         "only changes 3-channel images).",
         {AttrSpec::real("brightness", 0.2, 0.0, 1.0, "Brightness spread."),
          AttrSpec::real("contrast", 0.2, 0.0, 1.0, "Contrast spread."),
          AttrSpec::real("saturation", 0.2, 0.0, 1.0, "Saturation spread.")}},
        {"gaussian_noise",
         "Adds normal noise of standard deviation std to every value, then clamps to [0, 1].",
         {AttrSpec::real("std", 0.05, 0.0, 1.0, "Noise standard deviation.")}},
        {"gaussian_blur",
         "Gaussian blur with sigma drawn uniformly in [sigma_min, sigma_max] pixels.",
         {AttrSpec::real("sigma_min", 0.1, 0.0, 10.0, "Smallest sigma, pixels."),
          AttrSpec::real("sigma_max", 2.0, 0.0, 10.0, "Largest sigma, pixels.")}},
        {"cutout",
         "Sets a square of side size * min(H, W) at a random centre (clipped) to value.",
         {AttrSpec::real("size", 0.25, 0.0, 1.0, "Side as a fraction of the shorter side."),
          AttrSpec::real("value", 0.0, 0.0, 1.0, "The value written.")}},
        {"random_erasing",
         "Sets a rectangle of random area fraction and aspect ratio, inside the image, to "
         "value.",
         {AttrSpec::real("scale_min", 0.02, 0.0, 1.0, "Smallest area fraction."),
          AttrSpec::real("scale_max", 0.33, 0.0, 1.0, "Largest area fraction."),
          AttrSpec::real("ratio_min", 0.3, 0.1, 10.0, "Smallest width / height ratio."),
          AttrSpec::real("ratio_max", 3.3, 0.1, 10.0, "Largest width / height ratio."),
          AttrSpec::real("value", 0.0, 0.0, 1.0, "The value written.")},
         0.5},
    };
}

} // namespace

const std::vector<AugmentOpSpec>& augmentationOps() {
    static const std::vector<AugmentOpSpec> ops = makeOps();
    return ops;
}

const AugmentOpSpec* findAugmentationOp(std::string_view name) {
    for (const auto& op : augmentationOps()) {
        if (op.name == name) {
            return &op;
        }
    }
    return nullptr;
}

} // namespace nw::datasets
