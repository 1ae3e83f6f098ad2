// engine/train/metrics.h: top-k counts, the top class with its softmax confidence, and the
// confusion matrix with per-class precision / recall / F1. Expected values worked out by hand.
#include "engine/train/metrics.h"

#include <QtTest>
#include <cmath>
#include <vector>

using namespace nw::engine;

class TestMetrics : public QObject {
    Q_OBJECT
private slots:
    void topClassSoftmax() {
        // Logits (0, ln 3): softmax (1/4, 3/4) -> class 1 at 0.75.
        const std::vector<float> row{0.0f, std::log(3.0f)};
        auto top = topClass(row);
        QCOMPARE(top.index, 1);
        QVERIFY(std::abs(top.confidence - 0.75f) < 1e-6f);
        // Ties: the first; three equal logits -> 1/3.
        const std::vector<float> tie{2.0f, 2.0f, 2.0f};
        top = topClass(tie);
        QCOMPARE(top.index, 0);
        QVERIFY(std::abs(top.confidence - 1.0f / 3.0f) < 1e-6f);
        // Large logits do not overflow: (1000, 0) -> class 0 at ~1.
        const std::vector<float> big{1000.0f, 0.0f};
        top = topClass(big);
        QCOMPARE(top.index, 0);
        QVERIFY(std::abs(top.confidence - 1.0f) < 1e-6f);
    }

    void countTopKRanks() {
        // Two samples, 3 classes: row 0 (0.1, 0.7, 0.2) label 2 (rank 2), row 1 label 0 (rank 1).
        const std::vector<float> logits{0.1f, 0.7f, 0.2f, 0.9f, 0.05f, 0.05f};
        const std::vector<std::int32_t> labels{2, 0};
        QCOMPARE(countTopK(logits, labels, 3, 1), 1);
        QCOMPARE(countTopK(logits, labels, 3, 2), 2);
    }

    void confusionAndPerClass() {
        // labels      0 0 0 1 1 2 2 2 2
        // predictions 0 0 1 1 2 2 2 2 0
        // confusion (rows truth):  [2 1 0]
        //                          [0 1 1]
        //                          [1 0 3]
        // class 0: tp 2, predicted 3, actual 3 -> p 2/3, r 2/3, f1 2/3
        // class 1: tp 1, predicted 2, actual 2 -> p 1/2, r 1/2, f1 1/2
        // class 2: tp 3, predicted 4, actual 4 -> p 3/4, r 3/4, f1 3/4
        // class 3: never seen nor predicted -> all 0, support 0
        const std::vector<std::int32_t> labels{0, 0, 0, 1, 1, 2, 2, 2, 2};
        const std::vector<std::int32_t> preds{0, 0, 1, 1, 2, 2, 2, 2, 0};
        const auto r = classificationReport(labels, preds, 4);
        QCOMPARE(r.classes, 4);
        QCOMPARE(r.total, 9);
        QCOMPARE(r.correct, 6);
        const std::vector<std::int64_t> want{2, 1, 0, 0, 0, 1, 1, 0, 1, 0, 3, 0, 0, 0, 0, 0};
        QCOMPARE(r.confusion, want);
        const double p[] = {2.0 / 3, 0.5, 0.75, 0};
        const std::int64_t support[] = {3, 2, 4, 0};
        for (int c = 0; c < 4; ++c) {
            const auto& m = r.perClass[std::size_t(c)];
            QVERIFY(std::abs(m.precision - p[c]) < 1e-12);
            QVERIFY(std::abs(m.recall - p[c]) < 1e-12);
            QVERIFY(std::abs(m.f1 - p[c]) < 1e-12);
            QCOMPARE(m.support, support[c]);
        }
    }

    void asymmetricPrecisionRecall() {
        // labels 0 0 0 0 1, predictions 0 1 1 1 1:
        // class 0: tp 1, predicted 1, actual 4 -> p 1, r 1/4, f1 2*(1/4)/(5/4) = 0.4
        // class 1: tp 1, predicted 4, actual 1 -> p 1/4, r 1, f1 0.4
        const std::vector<std::int32_t> labels{0, 0, 0, 0, 1};
        const std::vector<std::int32_t> preds{0, 1, 1, 1, 1};
        const auto r = classificationReport(labels, preds, 2);
        QCOMPARE(r.at(0, 1), 3);
        QVERIFY(std::abs(r.perClass[0].precision - 1.0) < 1e-12);
        QVERIFY(std::abs(r.perClass[0].recall - 0.25) < 1e-12);
        QVERIFY(std::abs(r.perClass[0].f1 - 0.4) < 1e-12);
        QVERIFY(std::abs(r.perClass[1].precision - 0.25) < 1e-12);
        QVERIFY(std::abs(r.perClass[1].recall - 1.0) < 1e-12);
        QVERIFY(std::abs(r.perClass[1].f1 - 0.4) < 1e-12);
    }

    void outOfRangeSkipped() {
        const std::vector<std::int32_t> labels{0, 5, -1, 1};
        const std::vector<std::int32_t> preds{0, 0, 1, 7};
        const auto r = classificationReport(labels, preds, 2);
        QCOMPARE(r.total, 1);
        QCOMPARE(r.correct, 1);
    }
};

QTEST_MAIN(TestMetrics)
#include "test_metrics.moc"
