#pragma once
// The augmentation kernels: deterministic image transforms with every random choice made by
// the caller (AugmentationPipeline draws them from the counter RNG). Each works in place on
// an image of CV_32FC1 or CV_32FC3 (H x W, interleaved channels, values in [0, 1]) and keeps
// its size and type. Pixels that a geometric transform uncovers take the value `fill`.

#include <opencv2/core.hpp>

namespace nw::datasets::augment {

// Mirrors left-right (horizontal) or top-bottom (vertical).
void flip(cv::Mat& img, bool horizontal);

// An affine map about the image centre ((W - 1) / 2, (H - 1) / 2): rotation by `degrees`
// (counter-clockwise), scale, shear by `shearDegrees` along x, then a shift of (tx, ty)
// pixels. Bilinear; exact for multiples of 90 degrees with scale 1 and no shear on square
// images.
void affine(cv::Mat& img, double degrees, double scale, double shearDegrees, double tx, double ty,
            float fill);

// Crops the rectangle (x, y, w, h) (inside the image) and resizes it back to the image size
// (bilinear).
void resizedCrop(cv::Mat& img, int x, int y, int w, int h);

// Pads every side by `padding` pixels of `fill`, then crops the original size back at offset
// (dx, dy) in the padded image, each in [0, 2 * padding]. dx = dy = padding is the identity.
void padCrop(cv::Mat& img, int padding, int dx, int dy, float fill);

// Multiplies by `brightness`, blends with the mean grey by `contrast` (x' = m + c (x - m))
// and, for 3 channels, with each pixel's grey by `saturation`; factor 1 leaves the image
// unchanged. Channels are R, G, B. Clamps to [0, 1].
void colorJitter(cv::Mat& img, double brightness, double contrast, double saturation);

// Adds noise[i] to element i (noise has img.total() * img.channels() values) and clamps to
// [0, 1].
void addNoise(cv::Mat& img, const float* noise);

// Gaussian blur with standard deviation `sigma` pixels (kernel 2 * ceil(3 sigma) + 1,
// reflected borders); sigma <= 0 is the identity.
void gaussianBlur(cv::Mat& img, double sigma);

// Sets the rectangle (x, y, w, h), clipped to the image, to `value` in every channel.
void erase(cv::Mat& img, int x, int y, int w, int h, float value);

} // namespace nw::datasets::augment
