#pragma once
// Comparing a tensor's values with the expected ones in tests, with a message that names
// the first difference.

#include <QString>
#include <algorithm>
#include <cmath>
#include <vector>

namespace nw::testing {

// Empty when every |got - want| <= tolerance * max(1, |want|), else the first difference.
inline QString compare(const char* what, const std::vector<float>& got,
                       const std::vector<float>& want, double tolerance) {
    if (got.size() != want.size()) {
        return QStringLiteral("%1: %2 values, expected %3")
            .arg(what)
            .arg(got.size())
            .arg(want.size());
    }
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double scale = std::max(1.0, std::abs(double(want[i])));
        if (!(std::abs(double(got[i]) - double(want[i])) <= tolerance * scale)) {
            return QStringLiteral("%1[%2]: %3, expected %4")
                .arg(what)
                .arg(i)
                .arg(double(got[i]), 0, 'g', 9)
                .arg(double(want[i]), 0, 'g', 9);
        }
    }
    return {};
}

} // namespace nw::testing
