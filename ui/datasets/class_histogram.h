#pragma once
// A small painted bar chart: samples per class, one bar per class with its name beneath
// and its count above. Clicking a bar selects that class (clicked again: all classes).

#include <QStringList>
#include <QWidget>
#include <vector>

namespace nw::ui {

class ClassHistogram : public QWidget {
    Q_OBJECT
public:
    explicit ClassHistogram(QWidget* parent = nullptr);

    // counts[k]: samples of class k (names.size() entries).
    void setCounts(const QStringList& names, const std::vector<std::int64_t>& counts);
    // The highlighted class, -1 for none.
    void setHighlighted(int label);
    const std::vector<std::int64_t>& counts() const { return m_counts; }

    QSize sizeHint() const override { return {320, 150}; }
    QSize minimumSizeHint() const override { return {160, 110}; }

signals:
    void classClicked(int label); // -1: the highlighted bar was clicked again

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    bool event(QEvent* event) override; // tooltips: "Trouser: 7,000 samples"

private:
    QRectF barArea() const;
    int classAt(double x) const; // -1 outside the bars

    QStringList m_names;
    std::vector<std::int64_t> m_counts;
    int m_highlighted = -1;
};

} // namespace nw::ui
