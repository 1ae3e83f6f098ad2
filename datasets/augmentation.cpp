#include "datasets/augmentation.h"

#include "datasets/augment_ops.h"
#include "base/rng.h"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>

namespace nw::datasets {

namespace {

using graph::AttrSpec;

// Op indices, in augmentationOps() order (augment_specs.cpp).
enum Op {
    kHFlip,
    kVFlip,
    kRotation,
    kAffine,
    kResizedCrop,
    kPadCrop,
    kColorJitter,
    kNoise,
    kBlur,
    kCutout,
    kErasing,
};

// Pairs (min, max) of parameters that must be ordered, by name.
constexpr std::pair<const char*, const char*> kOrderedPairs[] = {
    {"scale_min", "scale_max"}, {"ratio_min", "ratio_max"}, {"sigma_min", "sigma_max"}};

std::uint64_t mix64(std::uint64_t x) { // splitmix64's finaliser
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// The random draws of one sample: element j of step k is rng.uniform(16 k + j).
struct Draws {
    const CounterRng& rng;
    std::uint64_t base;
    std::uint64_t j = 1;
    double next(double lo, double hi) { return lo + (hi - lo) * double(rng.uniform(base + j++)); }
    int nextInt(int lo, int hi) { // uniform in [lo, hi]
        return std::min(hi, lo + static_cast<int>(next(0.0, double(hi - lo + 1))));
    }
};

// A crop rectangle of area fraction in [smin, smax] and log-uniform ratio in [rmin, rmax]
// that fits the image (the area shrinks until it does); its position is uniform.
cv::Rect randomRect(Draws& d, int w, int h, double smin, double smax, double rmin, double rmax) {
    const double area = d.next(smin, smax) * w * h;
    const double ratio = std::exp(d.next(std::log(rmin), std::log(rmax)));
    int rw = std::clamp(static_cast<int>(std::lround(std::sqrt(area * ratio))), 1, w);
    int rh = std::clamp(static_cast<int>(std::lround(std::sqrt(area / ratio))), 1, h);
    const int x = d.nextInt(0, w - rw);
    const int y = d.nextInt(0, h - rh);
    return {x, y, rw, rh};
}

} // namespace

Expected<AugmentationPipeline>
AugmentationPipeline::create(const std::vector<graph::AugmentationStep>& steps) {
    // OpenCV's own thread pool (TBB) off, process-wide: every call here works on one small
    // sample, where a parallel_for costs more than it saves and its threads would compete
    // with the training step's (oneDNN) for the cores. Parallelism comes from the loader's
    // workers instead.
    static const bool serialOpenCv = (cv::setNumThreads(1), true);
    (void)serialOpenCv;
    AugmentationPipeline pipeline;
    const auto& ops = augmentationOps();
    for (std::size_t k = 0; k < steps.size(); ++k) {
        const auto& step = steps[k];
        const std::string field = "augmentation[" + std::to_string(k) + "]";
        const AugmentOpSpec* spec = findAugmentationOp(step.op);
        if (!spec) {
            std::string known;
            for (const auto& op : ops) {
                known += (known.empty() ? "" : ", ") + op.name;
            }
            return Error::user(field + ".op: unknown augmentation \"" + step.op +
                               "\" (known: " + known + ")");
        }
        if (!(step.probability >= 0.0 && step.probability <= 1.0)) {
            return Error::user(field + ".probability: must be in [0, 1], got " +
                               graph::attrValueToString(step.probability));
        }
        for (const auto& [name, value] : step.params) {
            auto it = std::find_if(spec->params.begin(), spec->params.end(),
                                   [&](const AttrSpec& a) { return a.name == name; });
            if (it == spec->params.end()) {
                std::string known;
                for (const auto& a : spec->params) {
                    known += (known.empty() ? "" : ", ") + a.name;
                }
                return Error::user(field + ".params." + name + ": " + step.op +
                                   " has no parameter \"" + name + "\" (" +
                                   (known.empty() ? "it takes none" : "known: " + known) + ")");
            }
        }
        Step s;
        s.op = static_cast<int>(spec - ops.data());
        s.probability = step.probability;
        for (const AttrSpec& a : spec->params) {
            auto found = step.params.find(a.name);
            graph::AttrValue v = found == step.params.end() ? a.defaultValue : found->second;
            // Numbers take either form where the value is exact: 400 means 400.0, 2.0 means 2.
            if (a.type == graph::AttrType::Float && std::holds_alternative<std::int64_t>(v)) {
                v = static_cast<double>(std::get<std::int64_t>(v));
            } else if (a.type == graph::AttrType::Int && std::holds_alternative<double>(v)) {
                const double d = std::get<double>(v);
                if (d == std::trunc(d) && std::abs(d) < 9.0e15) {
                    v = static_cast<std::int64_t>(d);
                }
            }
            if (auto why = a.check(v)) {
                return Error::user(field + ".params." + a.name + ": " + *why);
            }
            s.p.push_back(a.type == graph::AttrType::Int
                              ? static_cast<double>(std::get<std::int64_t>(v))
                              : std::get<double>(v));
        }
        for (const auto& [lo, hi] : kOrderedPairs) {
            auto at = [&](const char* n) {
                for (std::size_t i = 0; i < spec->params.size(); ++i) {
                    if (spec->params[i].name == n) {
                        return static_cast<int>(i);
                    }
                }
                return -1;
            };
            const int i = at(lo);
            const int j = at(hi);
            if (i >= 0 && j >= 0 && s.p[std::size_t(i)] > s.p[std::size_t(j)]) {
                return Error::user(field + ".params." + lo + ": " +
                                   graph::attrValueToString(s.p[std::size_t(i)]) +
                                   " is larger than " + hi + " (" +
                                   graph::attrValueToString(s.p[std::size_t(j)]) + ")");
            }
        }
        pipeline.m_steps.push_back(std::move(s));
    }
    return pipeline;
}

Status AugmentationPipeline::checkShape(const Dims& shape, const std::string& dataset) const {
    if (m_steps.empty()) {
        return Status::success();
    }
    if (shape.size() != 3 || (shape[0] != 1 && shape[0] != 3)) {
        std::string s;
        for (auto d : shape) {
            s += (s.empty() ? "" : ", ") + std::to_string(d);
        }
        return Error::user("augmentation: the samples of " + dataset + " are [" + s +
                           "]; augmentation needs images [C, H, W] with 1 or 3 channels");
    }
    return Status::success();
}

void AugmentationPipeline::apply(std::span<float> sample, const Dims& shape, std::uint64_t seed,
                                 std::uint64_t epoch, std::int64_t index) const {
    if (m_steps.empty()) {
        return;
    }
    const int c = static_cast<int>(shape[0]);
    const int h = static_cast<int>(shape[1]);
    const int w = static_cast<int>(shape[2]);
    const std::size_t plane = std::size_t(h) * std::size_t(w);
    const std::uint64_t stream =
        mix64(streamId("augment") ^ mix64(epoch ^ mix64(std::uint64_t(index))));
    const CounterRng rng(seed, stream);

    // [C, H, W] planes -> one H x W image of C interleaved channels.
    cv::Mat img;
    {
        std::vector<cv::Mat> planes;
        for (int ch = 0; ch < c; ++ch) {
            planes.emplace_back(h, w, CV_32FC1, sample.data() + plane * std::size_t(ch));
        }
        cv::merge(planes, img);
    }
    std::vector<float> noise;
    for (std::size_t k = 0; k < m_steps.size(); ++k) {
        const Step& s = m_steps[k];
        Draws d{rng, std::uint64_t(k) * 16};
        if (!(double(rng.uniform(d.base)) < s.probability)) {
            continue;
        }
        const auto& p = s.p;
        switch (s.op) {
        case kHFlip:
            augment::flip(img, true);
            break;
        case kVFlip:
            augment::flip(img, false);
            break;
        case kRotation:
            augment::affine(img, d.next(-p[0], p[0]), 1.0, 0.0, 0.0, 0.0, float(p[1]));
            break;
        case kAffine: {
            const double deg = d.next(-p[0], p[0]);
            const double tx = d.next(-p[1], p[1]) * w;
            const double ty = d.next(-p[1], p[1]) * h;
            const double scale = d.next(p[2], p[3]);
            const double shear = d.next(-p[4], p[4]);
            augment::affine(img, deg, scale, shear, tx, ty, float(p[5]));
            break;
        }
        case kResizedCrop: {
            const cv::Rect r = randomRect(d, w, h, p[0], p[1], p[2], p[3]);
            augment::resizedCrop(img, r.x, r.y, r.width, r.height);
            break;
        }
        case kPadCrop: {
            const int pad = static_cast<int>(p[0]);
            const int dx = d.nextInt(0, 2 * pad);
            const int dy = d.nextInt(0, 2 * pad);
            augment::padCrop(img, pad, dx, dy, float(p[1]));
            break;
        }
        case kColorJitter: {
            const double b = d.next(1.0 - p[0], 1.0 + p[0]);
            const double ct = d.next(1.0 - p[1], 1.0 + p[1]);
            const double sat = d.next(1.0 - p[2], 1.0 + p[2]);
            augment::colorJitter(img, b, ct, sat);
            break;
        }
        case kNoise:
            if (p[0] > 0.0) {
                noise.resize(sample.size());
                rng.fillNormal(noise, 0.0f, float(p[0]), (std::uint64_t(k) + 1) << 40);
                augment::addNoise(img, noise.data());
            }
            break;
        case kBlur:
            augment::gaussianBlur(img, d.next(p[0], p[1]));
            break;
        case kCutout: {
            const int side = static_cast<int>(std::lround(p[0] * std::min(w, h)));
            const int cx = d.nextInt(0, w - 1);
            const int cy = d.nextInt(0, h - 1);
            augment::erase(img, cx - side / 2, cy - side / 2, side, side, float(p[1]));
            break;
        }
        case kErasing: {
            const cv::Rect r = randomRect(d, w, h, p[0], p[1], p[2], p[3]);
            augment::erase(img, r.x, r.y, r.width, r.height, float(p[4]));
            break;
        }
        default:
            break;
        }
    }
    // Back to [C, H, W].
    std::vector<cv::Mat> planes;
    for (int ch = 0; ch < c; ++ch) {
        planes.emplace_back(h, w, CV_32FC1, sample.data() + plane * std::size_t(ch));
    }
    if (c == 1) {
        img.copyTo(planes[0]);
    } else {
        cv::split(img, planes.data());
    }
}

} // namespace nw::datasets
