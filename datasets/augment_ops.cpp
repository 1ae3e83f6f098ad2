#include "datasets/augment_ops.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <opencv2/imgproc.hpp>

namespace nw::datasets::augment {

namespace {

cv::Scalar fillScalar(float fill) {
    return cv::Scalar::all(fill);
}

void clamp01(cv::Mat& img) {
    cv::max(img, 0.0, img);
    cv::min(img, 1.0, img);
}

// An exact quarter turn count for angles that are multiples of 90 degrees, else -1.
int quarterTurns(double degrees) {
    const double q = degrees / 90.0;
    const double r = std::round(q);
    if (std::abs(q - r) > 1e-12) {
        return -1;
    }
    return static_cast<int>(((static_cast<long long>(r) % 4) + 4) % 4);
}

} // namespace

void flip(cv::Mat& img, bool horizontal) {
    cv::flip(img, img, horizontal ? 1 : 0);
}

void affine(cv::Mat& img, double degrees, double scale, double shearDegrees, double tx, double ty,
            float fill) {
    const int turns = quarterTurns(degrees);
    if (turns >= 0 && scale == 1.0 && shearDegrees == 0.0 && tx == 0.0 && ty == 0.0 &&
        (turns % 2 == 0 || img.rows == img.cols)) {
        // Exact: cv::rotate moves whole pixels. Counter-clockwise quarter turns.
        static const int codes[] = {-1, cv::ROTATE_90_COUNTERCLOCKWISE, cv::ROTATE_180,
                                    cv::ROTATE_90_CLOCKWISE};
        if (turns != 0) {
            cv::rotate(img, img, codes[turns]);
        }
        return;
    }
    const cv::Point2d centre((img.cols - 1) / 2.0, (img.rows - 1) / 2.0);
    cv::Mat m = cv::getRotationMatrix2D(centre, degrees, scale); // 2 x 3, CV_64F
    if (shearDegrees != 0.0) {
        // Shear along x about the centre: x' = x + k (y - cy).
        const double k = std::tan(shearDegrees * std::numbers::pi / 180.0);
        cv::Mat shear = (cv::Mat_<double>(3, 3) << 1, k, -k * centre.y, 0, 1, 0, 0, 0, 1);
        cv::Mat m3 = cv::Mat::eye(3, 3, CV_64F);
        m.copyTo(m3.rowRange(0, 2));
        const cv::Mat product = m3 * shear;
        m = product.rowRange(0, 2).clone();
    }
    m.at<double>(0, 2) += tx;
    m.at<double>(1, 2) += ty;
    cv::Mat out;
    cv::warpAffine(img, out, m, img.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                   fillScalar(fill));
    img = out;
}

void resizedCrop(cv::Mat& img, int x, int y, int w, int h) {
    const cv::Rect r = cv::Rect(x, y, w, h) & cv::Rect(0, 0, img.cols, img.rows);
    if (r.width <= 0 || r.height <= 0 || r == cv::Rect(0, 0, img.cols, img.rows)) {
        return;
    }
    cv::Mat out;
    cv::resize(img(r), out, img.size(), 0, 0, cv::INTER_LINEAR);
    img = out;
}

void padCrop(cv::Mat& img, int padding, int dx, int dy, float fill) {
    if (padding <= 0) {
        return;
    }
    cv::Mat padded;
    cv::copyMakeBorder(img, padded, padding, padding, padding, padding, cv::BORDER_CONSTANT,
                       fillScalar(fill));
    dx = std::clamp(dx, 0, 2 * padding);
    dy = std::clamp(dy, 0, 2 * padding);
    img = padded(cv::Rect(dx, dy, img.cols, img.rows)).clone();
}

void colorJitter(cv::Mat& img, double brightness, double contrast, double saturation) {
    if (brightness != 1.0) {
        img *= brightness;
    }
    if (contrast != 1.0) {
        cv::Mat grey;
        if (img.channels() == 3) {
            cv::cvtColor(img, grey, cv::COLOR_RGB2GRAY);
        } else {
            grey = img;
        }
        const double mean = cv::mean(grey)[0];
        img = img * contrast + cv::Scalar::all(mean * (1.0 - contrast));
    }
    if (saturation != 1.0 && img.channels() == 3) {
        cv::Mat grey;
        cv::Mat grey3;
        cv::cvtColor(img, grey, cv::COLOR_RGB2GRAY);
        cv::cvtColor(grey, grey3, cv::COLOR_GRAY2RGB);
        cv::addWeighted(img, saturation, grey3, 1.0 - saturation, 0.0, img);
    }
    clamp01(img);
}

void addNoise(cv::Mat& img, const float* noise) {
    CV_Assert(img.isContinuous());
    auto* p = img.ptr<float>();
    const std::size_t n = img.total() * static_cast<std::size_t>(img.channels());
    for (std::size_t i = 0; i < n; ++i) {
        p[i] = std::clamp(p[i] + noise[i], 0.0f, 1.0f);
    }
}

void gaussianBlur(cv::Mat& img, double sigma) {
    if (!(sigma > 0.0)) {
        return;
    }
    const int k = 2 * static_cast<int>(std::ceil(3.0 * sigma)) + 1;
    cv::GaussianBlur(img, img, cv::Size(k, k), sigma, sigma, cv::BORDER_REFLECT_101);
}

void erase(cv::Mat& img, int x, int y, int w, int h, float value) {
    const cv::Rect r = cv::Rect(x, y, w, h) & cv::Rect(0, 0, img.cols, img.rows);
    if (r.width > 0 && r.height > 0) {
        img(r).setTo(cv::Scalar::all(value));
    }
}

} // namespace nw::datasets::augment
