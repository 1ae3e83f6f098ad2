#pragma once
// The augmentation preview: the selected sample beside N augmented variants, made by the
// project's pipeline through datasets::AugmentationPipeline, the code path training's
// DataLoader uses. Variant v is what epoch v of a run with the preview's seed makes of the
// sample, so a seed always gives the same variants. Redrawn whenever the project changes
// (parameters edited live). The seed is the project's training seed until "Reseed" draws a
// new one.

#include "datasets/dataset.h"
#include "graph/project.h"

#include <QImage>
#include <QList>
#include <QWidget>
#include <cstdint>
#include <memory>
#include <vector>

class QGridLayout;
class QLabel;
class QPushButton;

namespace nw::app {
class ProjectDocument;
}

namespace nw::ui {

class AugmentationPreview : public QWidget {
    Q_OBJECT
public:
    // `document` must outlive the preview. The seed starts as the project's training seed.
    explicit AugmentationPreview(app::ProjectDocument& document, QWidget* parent = nullptr);

    // The sample to show (null dataset: none). The dataset is shared, not copied.
    void setSample(std::shared_ptr<const datasets::Dataset> dataset, std::int64_t index);
    // Several selected samples, one row each (the first kMaxSamples of them): the original,
    // then the variants. images() holds them row by row.
    using SampleRef = std::pair<std::shared_ptr<const datasets::Dataset>, std::int64_t>;
    static constexpr int kMaxSamples = 4;
    void setSamples(std::vector<SampleRef> samples);
    void setVariantCount(int count);
    int variantCount() const { return m_variants; }
    std::uint64_t seed() const { return m_seed; }
    // From then on the preview keeps this seed instead of following the project's.
    void setSeed(std::uint64_t seed);
    // A new random seed.
    void reseed();

    // The original, then the variants (empty without a sample or when the pipeline is
    // refused), at the sample's own size.
    const QList<QImage>& images() const { return m_images; }
    // Why there is no preview ("" when there is one).
    QString messageText() const;

private:
    void render();

    app::ProjectDocument& m_document;
    std::vector<SampleRef> m_samples;
    int m_variants = 8;
    std::uint64_t m_seed = 0;
    bool m_followProject = true;                          // m_seed is the project's training seed
    std::vector<graph::AugmentationStep> m_renderedSteps; // the pipeline m_images show
    QList<QImage> m_images;
    QLabel* m_seedLabel;
    QPushButton* m_reseed;
    QLabel* m_message;
    QWidget* m_tiles;
    QGridLayout* m_grid;
};

} // namespace nw::ui
