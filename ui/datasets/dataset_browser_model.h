#pragma once
// The browser's list model: one row per sample of the shown splits, filtered by split and
// class, with thumbnails rendered on demand (DecorationRole) and kept in a bounded cache, so
// a view scrolling over 60,000 samples only ever reads the samples it paints.

#include "datasets/dataset.h"

#include <QAbstractListModel>
#include <QCache>
#include <QImage>
#include <QStringList>
#include <memory>
#include <vector>

namespace nw::ui {

class DatasetBrowserModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        SplitRole = Qt::UserRole + 1, // int: index into splitNames()
        IndexRole,                    // qlonglong: the sample's index within its split
        LabelRole,                    // int: the class
    };
    struct Split {
        QString name; // "train", "validation", "test"
        std::shared_ptr<const datasets::Dataset> dataset;
    };
    struct Sample {
        int split = 0;
        std::int64_t index = 0;
    };

    explicit DatasetBrowserModel(QObject* parent = nullptr);

    // Replaces the data (the filters are reset: every split, every class). Splits share the
    // first one's classes.
    void setSplits(std::vector<Split> splits);
    QStringList splitNames() const;
    QStringList classNames() const;
    const datasets::Dataset* dataset(int split) const;
    std::shared_ptr<const datasets::Dataset> sharedDataset(int split) const;

    // -1: all. Rebuilding the rows reads labels only, never samples.
    void setFilter(int split, int label);
    int splitFilter() const { return m_split; }
    int classFilter() const { return m_label; }
    // Samples per class over the splits the split filter shows (the class filter aside).
    std::vector<std::int64_t> classCounts() const;

    Sample sampleAt(int row) const { return m_rows[std::size_t(row)]; }
    // Thumbnails are the sample scaled to `pixels` on their longer side (nearest neighbour).
    void setThumbnailSize(int pixels);
    int thumbnailSize() const { return m_thumbSize; }
    // How many thumbnails were rendered (cache misses) since the data was set.
    std::int64_t thumbnailsRendered() const { return m_rendered; }

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;

private:
    void rebuildRows();
    QImage thumbnail(const Sample& s) const;

    std::vector<Split> m_splits;
    std::vector<Sample> m_rows; // the filtered samples, split by split in index order
    int m_split = -1;
    int m_label = -1;
    int m_thumbSize = 56;
    mutable QCache<quint64, QImage> m_cache; // key: split << 48 | index
    mutable std::int64_t m_rendered = 0;
};

} // namespace nw::ui
