#include "ui/datasets/dataset_browser_model.h"

#include "ui/datasets/sample_image.h"

#include <algorithm>

namespace nw::ui {

namespace {

constexpr int kCachedThumbnails = 4000; // about 12 MB at 56 x 56 grey

quint64 cacheKey(const DatasetBrowserModel::Sample& s) {
    return (quint64(s.split) << 48) | quint64(s.index);
}

} // namespace

DatasetBrowserModel::DatasetBrowserModel(QObject* parent)
    : QAbstractListModel(parent)
    , m_cache(kCachedThumbnails) {}

void DatasetBrowserModel::setSplits(std::vector<Split> splits) {
    beginResetModel();
    std::erase_if(splits, [](const Split& s) { return !s.dataset; });
    m_splits = std::move(splits);
    m_split = -1;
    m_label = -1;
    m_cache.clear();
    m_rendered = 0;
    rebuildRows();
    endResetModel();
}

QStringList DatasetBrowserModel::splitNames() const {
    QStringList names;
    for (const auto& s : m_splits) {
        names << s.name;
    }
    return names;
}

QStringList DatasetBrowserModel::classNames() const {
    QStringList names;
    if (!m_splits.empty()) {
        for (const auto& n : m_splits.front().dataset->classNames()) {
            names << QString::fromStdString(n);
        }
    }
    return names;
}

const datasets::Dataset* DatasetBrowserModel::dataset(int split) const {
    return sharedDataset(split).get();
}

std::shared_ptr<const datasets::Dataset> DatasetBrowserModel::sharedDataset(int split) const {
    if (split < 0 || std::size_t(split) >= m_splits.size()) {
        return nullptr;
    }
    return m_splits[std::size_t(split)].dataset;
}

void DatasetBrowserModel::setFilter(int split, int label) {
    if (split == m_split && label == m_label) {
        return;
    }
    beginResetModel();
    m_split = split;
    m_label = label;
    rebuildRows();
    endResetModel();
}

void DatasetBrowserModel::rebuildRows() {
    m_rows.clear();
    for (std::size_t s = 0; s < m_splits.size(); ++s) {
        if (m_split >= 0 && std::size_t(m_split) != s) {
            continue;
        }
        const auto& ds = *m_splits[s].dataset;
        const std::int64_t n = ds.size();
        for (std::int64_t i = 0; i < n; ++i) {
            if (m_label < 0 || ds.label(i) == m_label) {
                m_rows.push_back({int(s), i});
            }
        }
    }
}

std::vector<std::int64_t> DatasetBrowserModel::classCounts() const {
    std::vector<std::int64_t> counts(std::size_t(classNames().size()), 0);
    for (std::size_t s = 0; s < m_splits.size(); ++s) {
        if (m_split >= 0 && std::size_t(m_split) != s) {
            continue;
        }
        const auto c = m_splits[s].dataset->classCounts();
        for (std::size_t k = 0; k < std::min(c.size(), counts.size()); ++k) {
            counts[k] += c[k];
        }
    }
    return counts;
}

void DatasetBrowserModel::setThumbnailSize(int pixels) {
    beginResetModel();
    m_thumbSize = std::max(8, pixels);
    m_cache.clear();
    endResetModel();
}

int DatasetBrowserModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QImage DatasetBrowserModel::thumbnail(const Sample& s) const {
    if (const QImage* hit = m_cache.object(cacheKey(s))) {
        return *hit;
    }
    const auto& ds = *m_splits[std::size_t(s.split)].dataset;
    std::vector<float> values(std::size_t(ds.sampleNumel()));
    ds.readSample(s.index, values);
    QImage img = sampleToImage(values, ds.sampleShape());
    if (!img.isNull()) {
        // Small samples (28 x 28) are enlarged pixel by pixel, large images filtered down.
        const bool shrink = std::max(img.width(), img.height()) > m_thumbSize;
        img = img.scaled(m_thumbSize, m_thumbSize, Qt::KeepAspectRatio,
                         shrink ? Qt::SmoothTransformation : Qt::FastTransformation);
    }
    ++m_rendered;
    m_cache.insert(cacheKey(s), new QImage(img));
    return img;
}

QVariant DatasetBrowserModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() < 0 || std::size_t(index.row()) >= m_rows.size()) {
        return {};
    }
    const Sample& s = m_rows[std::size_t(index.row())];
    const auto& ds = *m_splits[std::size_t(s.split)].dataset;
    switch (role) {
    case Qt::DecorationRole:
        return thumbnail(s);
    case Qt::ToolTipRole: {
        const auto names = ds.classNames();
        const int label = ds.label(s.index);
        return tr("%1 #%2: %3")
            .arg(m_splits[std::size_t(s.split)].name)
            .arg(s.index)
            .arg(label >= 0 && std::size_t(label) < names.size()
                     ? QString::fromStdString(names[std::size_t(label)])
                     : QString::number(label));
    }
    case Qt::SizeHintRole:
        return QSize(m_thumbSize + 6, m_thumbSize + 6);
    case SplitRole:
        return s.split;
    case IndexRole:
        return qlonglong(s.index);
    case LabelRole:
        return ds.label(s.index);
    default:
        return {};
    }
}

} // namespace nw::ui
