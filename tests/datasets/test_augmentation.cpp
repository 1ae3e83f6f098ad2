// datasets/ augmentation: each op's effect on known patterns, probability, determinism,
// pipeline validation errors, and the DataLoader applying the pipeline.
#include "dataset_fixtures.h"
#include "datasets/augment_ops.h"
#include "datasets/augmentation.h"
#include "datasets/data_loader.h"

#include <QtTest>
#include <algorithm>
#include <map>

using namespace nw::datasets;
using namespace nw::datasets::testing;
using nw::graph::AttrMap;
using nw::graph::AugmentationStep;

namespace {

// [C, H, W] sample whose element k is (k % 97) / 96 (no two neighbours equal).
std::vector<float> pattern(const Dims& shape) {
    std::vector<float> v(std::size_t(numElements(shape)));
    for (std::size_t k = 0; k < v.size(); ++k) {
        v[k] = float(k % 97) / 96.0f;
    }
    return v;
}

float at(const std::vector<float>& v, const Dims& s, std::int64_t c, std::int64_t y,
         std::int64_t x) {
    return v[std::size_t((c * s[1] + y) * s[2] + x)];
}

AugmentationPipeline pipelineOf(std::vector<AugmentationStep> steps) {
    auto p = AugmentationPipeline::create(steps);
    if (!p) {
        qFatal("pipeline: %s", p.error().message.c_str());
    }
    return *p;
}

std::vector<float> augmented(const AugmentationPipeline& p, const Dims& shape,
                             std::uint64_t seed = 1, std::uint64_t epoch = 0, std::int64_t i = 0) {
    auto v = pattern(shape);
    p.apply(v, shape, seed, epoch, i);
    return v;
}

// A [C, H, W] image as the CV_32FC(C) Mat the kernels take, and back.
cv::Mat toMat(const std::vector<float>& v, const Dims& s) {
    std::vector<cv::Mat> planes;
    for (std::int64_t c = 0; c < s[0]; ++c) {
        planes.emplace_back(int(s[1]), int(s[2]), CV_32FC1,
                            const_cast<float*>(v.data()) + c * s[1] * s[2]);
    }
    cv::Mat m;
    cv::merge(planes, m);
    return m;
}

// [C, H, W] samples of a known pattern for the loader; label i % 3.
class PatternDataset : public Dataset {
public:
    std::string name() const override { return "pattern"; }
    std::int64_t size() const override { return 20; }
    Dims sampleShape() const override { return {3, 6, 5}; }
    int numClasses() const override { return 3; }
    std::vector<std::string> classNames() const override { return {"a", "b", "c"}; }
    int label(std::int64_t i) const override { return int(i % 3); }
    void readSample(std::int64_t i, std::span<float> out) const override {
        for (std::size_t k = 0; k < out.size(); ++k) {
            out[k] = float((std::size_t(i) * 5 + k) % 97) / 96.0f;
        }
    }
};

} // namespace

class TestAugmentation : public QObject {
    Q_OBJECT
private slots:
    // A new step's probability follows the convention of torchvision (and Keras's flips):
    // 0.5 for ops that are not random themselves, and for RandomErasing; 1 where the
    // randomness is in the parameters. A flip at 1 would mirror every training image.
    void defaultProbabilitiesFollowTheConventions() {
        const std::map<std::string, double> convention{
            {"horizontal_flip", 0.5},     // RandomHorizontalFlip(p=0.5), Keras RandomFlip
            {"vertical_flip", 0.5},       // RandomVerticalFlip(p=0.5)
            {"rotation", 1.0},            // RandomRotation
            {"affine", 1.0},              // RandomAffine
            {"random_resized_crop", 1.0}, // RandomResizedCrop
            {"pad_crop", 1.0},            // RandomCrop(padding=...)
            {"color_jitter", 1.0},        // ColorJitter
            {"gaussian_noise", 1.0},      // v2.GaussianNoise
            {"gaussian_blur", 1.0},       // GaussianBlur
            {"cutout", 1.0},              // Cutout (DeVries & Taylor): every image
            {"random_erasing", 0.5},      // RandomErasing(p=0.5)
        };
        QCOMPARE(augmentationOps().size(), convention.size());
        for (const auto& op : augmentationOps()) {
            QVERIFY2(convention.count(op.name), op.name.c_str());
            QCOMPARE(op.defaultProbability, convention.at(op.name));
        }
    }

    void horizontalFlipMirrorsExactly() {
        const Dims s{3, 4, 5};
        const auto in = pattern(s);
        const auto out = augmented(pipelineOf({{"horizontal_flip", 1.0, {}}}), s);
        for (std::int64_t c = 0; c < 3; ++c) {
            for (std::int64_t y = 0; y < 4; ++y) {
                for (std::int64_t x = 0; x < 5; ++x) {
                    QCOMPARE(at(out, s, c, y, x), at(in, s, c, y, 4 - x));
                }
            }
        }
    }

    void verticalFlipMirrorsExactly() {
        const Dims s{1, 4, 3};
        const auto in = pattern(s);
        const auto out = augmented(pipelineOf({{"vertical_flip", 1.0, {}}}), s);
        for (std::int64_t y = 0; y < 4; ++y) {
            for (std::int64_t x = 0; x < 3; ++x) {
                QCOMPARE(at(out, s, 0, y, x), at(in, s, 0, 3 - y, x));
            }
        }
    }

    void rotation180EqualsFlipBothWays_data() {
        QTest::addColumn<int>("channels");
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::newRow("grey square") << 1 << 6 << 6;
        QTest::newRow("colour oblong") << 3 << 5 << 8;
    }
    void rotation180EqualsFlipBothWays() {
        QFETCH(int, channels);
        QFETCH(int, rows);
        QFETCH(int, cols);
        const Dims s{channels, rows, cols};
        cv::Mat rotated = toMat(pattern(s), s);
        cv::Mat flipped = rotated.clone();
        augment::affine(rotated, 180.0, 1.0, 0.0, 0.0, 0.0, 0.0f);
        augment::flip(flipped, true);
        augment::flip(flipped, false);
        QCOMPARE(cv::norm(rotated, flipped, cv::NORM_INF), 0.0);
        // A quarter turn twice is a half turn.
        cv::Mat twice = toMat(pattern(s), s);
        if (rows == cols) {
            augment::affine(twice, 90.0, 1.0, 0.0, 0.0, 0.0, 0.0f);
            augment::affine(twice, 90.0, 1.0, 0.0, 0.0, 0.0, 0.0f);
            QCOMPARE(cv::norm(twice, flipped, cv::NORM_INF), 0.0);
        }
    }

    // Parameters that make each op the identity.
    void identityParameters_data() {
        QTest::addColumn<QString>("op");
        QTest::addColumn<QString>("param");
        QTest::addColumn<double>("value");
        QTest::newRow("pad_crop padding 0") << "pad_crop"
                                            << "padding" << 0.0;
        QTest::newRow("gaussian_noise std 0") << "gaussian_noise"
                                              << "std" << 0.0;
        QTest::newRow("rotation 0 degrees") << "rotation"
                                            << "degrees" << 0.0;
        QTest::newRow("cutout size 0") << "cutout"
                                       << "size" << 0.0;
        QTest::newRow("blur sigma 0") << "gaussian_blur"
                                      << "sigma_max" << 0.0;
    }
    void identityParameters() {
        QFETCH(QString, op);
        QFETCH(QString, param);
        QFETCH(double, value);
        AttrMap params;
        if (param == "padding") {
            params["padding"] = std::int64_t(value);
        } else {
            params[param.toStdString()] = value;
        }
        if (op == "gaussian_blur") {
            params["sigma_min"] = 0.0;
        }
        auto p = pipelineOf({{op.toStdString(), 1.0, params}});
        const Dims s{3, 7, 6};
        for (std::int64_t i = 0; i < 10; ++i) {
            QCOMPARE(augmented(p, s, 3, 0, i), pattern(s));
        }
    }

    void padCropShiftsThePattern() {
        const Dims s{1, 5, 5};
        cv::Mat img = toMat(pattern(s), s);
        const cv::Mat orig = img.clone();
        augment::padCrop(img, 2, 3, 2, 0.0f); // dx 3 = one pixel right of the identity
        for (int y = 0; y < 5; ++y) {
            for (int x = 0; x < 4; ++x) {
                QCOMPARE(img.at<float>(y, x), orig.at<float>(y, x + 1));
            }
            QCOMPARE(img.at<float>(y, 4), 0.0f);
        }
    }

    void colorJitterSaturationOnlyForColour() {
        AttrMap params{{"brightness", 0.0}, {"contrast", 0.0}, {"saturation", 0.9}};
        auto p = pipelineOf({{"color_jitter", 1.0, params}});
        QCOMPARE(augmented(p, {1, 4, 4}), pattern({1, 4, 4}));
        QVERIFY(augmented(p, {3, 4, 4}) != pattern({3, 4, 4}));
    }

    // Every op changes some sample, keeps the shape and stays in [0, 1]; with probability 0
    // it never applies.
    void everyOpApplies_data() {
        QTest::addColumn<QString>("op");
        for (const auto& op : augmentationOps()) {
            QTest::newRow(op.name.c_str()) << QString::fromStdString(op.name);
        }
    }
    void everyOpApplies() {
        QFETCH(QString, op);
        const Dims s{3, 12, 10};
        AttrMap params;
        if (op == "affine") {
            params = {{"degrees", 20.0}, {"shear", 10.0}, {"scale_min", 0.8}};
        }
        auto always = pipelineOf({{op.toStdString(), 1.0, params}});
        auto never = pipelineOf({{op.toStdString(), 0.0, params}});
        bool changed = false;
        for (std::int64_t i = 0; i < 8; ++i) {
            const auto out = augmented(always, s, 7, 0, i);
            QCOMPARE(out.size(), pattern(s).size());
            QVERIFY(std::all_of(out.begin(), out.end(), [](float v) { return v >= 0 && v <= 1; }));
            changed = changed || out != pattern(s);
            QCOMPARE(augmented(never, s, 7, 0, i), pattern(s));
        }
        QVERIFY(changed);
    }

    void sameSeedSameOutputOtherSeedDifferent() {
        auto p = pipelineOf({{"horizontal_flip", 0.5, {}},
                             {"pad_crop", 1.0, {{"padding", std::int64_t(2)}}},
                             {"color_jitter", 0.8, {}},
                             {"gaussian_noise", 1.0, {{"std", 0.1}}}});
        const Dims s{3, 8, 8};
        QCOMPARE(augmented(p, s, 5, 2, 9), augmented(p, s, 5, 2, 9));
        QVERIFY(augmented(p, s, 5, 2, 9) != augmented(p, s, 6, 2, 9));
        QVERIFY(augmented(p, s, 5, 2, 9) != augmented(p, s, 5, 3, 9));  // another epoch
        QVERIFY(augmented(p, s, 5, 2, 9) != augmented(p, s, 5, 2, 10)); // another sample
    }

    void probabilityHalfAppliesAboutHalf() {
        auto p = pipelineOf({{"horizontal_flip", 0.5, {}}});
        const Dims s{1, 2, 3};
        int flipped = 0;
        for (std::int64_t i = 0; i < 1000; ++i) {
            flipped += augmented(p, s, 11, 0, i) != pattern(s);
        }
        QVERIFY2(flipped > 430 && flipped < 570, qPrintable(QString::number(flipped)));
    }

    // ---- validation ------------------------------------------------------------------------

    void rejectsBadPipelines_data() {
        QTest::addColumn<QString>("op");
        QTest::addColumn<double>("probability");
        QTest::addColumn<QString>("param");
        QTest::addColumn<QVariant>("value");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown op") << "warp" << 1.0 << "" << QVariant()
                                    << "augmentation[2].op: unknown augmentation \"warp\" (known: "
                                       "horizontal_flip, vertical_flip, rotation";
        QTest::newRow("probability") << "rotation" << 1.5 << "" << QVariant()
                                     << "augmentation[2].probability: must be in [0, 1], got 1.5";
        QTest::newRow("degrees out of range")
            << "rotation" << 1.0 << "degrees" << QVariant(qint64(400))
            << "augmentation[2].params.degrees: must be in [0, 180], got 400";
        QTest::newRow("int param given a float")
            << "pad_crop" << 1.0 << "padding" << QVariant(2.5)
            << "augmentation[2].params.padding: must be an integer, got a number (2.5)";
        QTest::newRow("unknown param") << "gaussian_noise" << 1.0 << "sigma" << QVariant(1.0)
                                       << "augmentation[2].params.sigma: gaussian_noise has no "
                                          "parameter \"sigma\" (known: std)";
        QTest::newRow("min above max")
            << "random_resized_crop" << 1.0 << "scale_min" << QVariant(0.9)
            << "augmentation[2].params.scale_min: 0.9 is larger than scale_max (0.5)";
        QTest::newRow("negative std") << "gaussian_noise" << 1.0 << "std" << QVariant(-0.1)
                                      << "augmentation[2].params.std: must be in [0, 1], got -0.1";
    }
    void rejectsBadPipelines() {
        QFETCH(QString, op);
        QFETCH(double, probability);
        QFETCH(QString, param);
        QFETCH(QVariant, value);
        QFETCH(QString, message);
        AttrMap params;
        if (value.typeId() == QMetaType::LongLong) {
            params[param.toStdString()] = std::int64_t(value.toLongLong());
        } else if (value.isValid()) {
            params[param.toStdString()] = value.toDouble();
        }
        if (op == "random_resized_crop") {
            params["scale_max"] = 0.5;
        }
        std::vector<AugmentationStep> steps = {{"horizontal_flip", 1.0, {}},
                                               {"vertical_flip", 0.5, {}},
                                               {op.toStdString(), probability, params}};
        auto p = AugmentationPipeline::create(steps);
        QVERIFY(!p);
        QVERIFY2(QString::fromStdString(p.error().message).startsWith(message),
                 p.error().message.c_str());
        QVERIFY(p.error().kind == nw::Error::Kind::User);
    }

    // ---- the DataLoader --------------------------------------------------------------------

    void loaderAppliesPipelineDeterministically() {
        auto ds = std::make_shared<PatternDataset>();
        LoaderOptions o;
        o.batchSize = 6;
        o.seed = 17;
        o.augmentation = {{"horizontal_flip", 0.5, {}},
                          {"pad_crop", 1.0, {{"padding", std::int64_t(1)}}},
                          {"gaussian_noise", 0.5, {{"std", 0.05}}}};
        auto pipeline = pipelineOf(o.augmentation);
        std::vector<std::vector<float>> byWorkers;
        for (int workers : {1, 2}) {
            o.workers = workers;
            auto loader = makeLoader(ds, o);
            QVERIFY(loader);
            for (std::int64_t epoch : {0, 1}) {
                loader->startEpoch(epoch);
                std::vector<float> all;
                std::int64_t expected = 0;
                while (auto batch = loader->next()) {
                    QCOMPARE(batch->index, expected++);
                    all.insert(all.end(), batch->inputs.begin(), batch->inputs.end());
                }
                QCOMPARE(std::ssize(all), ds->size() * ds->sampleNumel());
                if (epoch == 1) {
                    byWorkers.push_back(all);
                }
            }
        }
        QCOMPARE(byWorkers[0], byWorkers[1]);
        // Each sample is the pipeline's output for (seed, epoch, dataset index): find sample 0
        // of the shuffled epoch 1 by its label-free content.
        const auto numel = std::size_t(ds->sampleNumel());
        int matches = 0;
        for (std::int64_t i = 0; i < ds->size(); ++i) {
            std::vector<float> expectedSample(numel);
            ds->readSample(i, expectedSample);
            pipeline.apply(expectedSample, ds->sampleShape(), 17, 1, i);
            for (std::size_t k = 0; k < byWorkers[0].size(); k += numel) {
                matches += std::equal(expectedSample.begin(), expectedSample.end(),
                                      byWorkers[0].begin() + std::ptrdiff_t(k));
            }
        }
        QCOMPARE(matches, int(ds->size()));
    }

    void loaderRejectsBadPipelineAndShape() {
        LoaderOptions o;
        o.augmentation = {{"rotation", 1.0, {{"degrees", std::int64_t(400)}}}};
        auto bad = DataLoader::create(std::make_shared<PatternDataset>(), o);
        QVERIFY(!bad);
        QCOMPARE(bad.error().message,
                 std::string("augmentation[0].params.degrees: must be in [0, 180], got 400"));
        o.augmentation = {{"horizontal_flip", 1.0, {}}};
        auto shape = DataLoader::create(std::make_shared<IndexDataset>(8), o); // [2, 2, 3]
        QVERIFY(!shape);
        QVERIFY2(QString::fromStdString(shape.error().message)
                     .contains("augmentation needs images [C, H, W] with 1 or 3 channels"),
                 shape.error().message.c_str());
        o.augmentation.clear();
        QVERIFY(DataLoader::create(std::make_shared<IndexDataset>(8), o)); // none: any shape
    }

    void twoWorkersKeepOrderAndResume() {
        auto ds = std::make_shared<IndexDataset>(100, std::chrono::microseconds(200));
        LoaderOptions o;
        o.batchSize = 7;
        o.workers = 1;
        auto one = makeLoader(ds, o);
        o.workers = 2;
        auto two = makeLoader(ds, o);
        QCOMPARE(epochOrder(*two, 3), epochOrder(*one, 3));
        QCOMPARE(epochOrder(*two, 4, 5), epochOrder(*one, 4, 5));
    }
};

QTEST_GUILESS_MAIN(TestAugmentation)
#include "test_augmentation.moc"
