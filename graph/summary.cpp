#include "graph/summary.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace nw::graph {

ModelSummary summarize(const Graph& graph, const GraphAnalysis& analysis) {
    ModelSummary s;
    s.totals = analysis.totals;
    for (const auto& id : analysis.order) {
        const Node* node = graph.findNode(id);
        const NodeInfo* info = analysis.info(id);
        if (!node || !info) {
            continue;
        }
        SummaryRow row{id,
                       node->op,
                       info->outputs,
                       info->cost.trainableParams,
                       !node->trainable,
                       info->cost.flops,
                       {}};
        if (row.frozen) {
            s.frozenParams = checkedAdd(s.frozenParams, row.params).value_or(INT64_MAX);
            s.totals.trainableParams -= row.params;
        }
        for (const auto& shape : info->outputs) {
            auto n = shape.perSampleElements().value_or(0);
            s.activationBytesPerSample =
                checkedAdd(s.activationBytesPerSample, checkedMul(n, 4).value_or(INT64_MAX))
                    .value_or(INT64_MAX);
        }
        s.rows.push_back(std::move(row));
    }
    auto learnable = checkedAdd(s.totals.trainableParams, s.frozenParams);
    auto params = learnable ? checkedAdd(*learnable, s.totals.nonTrainableParams) : learnable;
    s.parameterBytes = params ? checkedMul(*params, 4).value_or(INT64_MAX) : INT64_MAX;
    return s;
}

std::string formatCount(std::int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out += ',';
        }
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

namespace {

std::string scaled(double value, const char* const* units, int count, double base,
                   const char* suffix) {
    int u = 0;
    while (value >= base && u + 1 < count) {
        value /= base;
        ++u;
    }
    char buf[64];
    if (u == 0) {
        std::snprintf(buf, sizeof buf, "%.0f %s%s", value, units[u], suffix);
    } else {
        std::snprintf(buf, sizeof buf, "%.*f %s%s", value < 10 ? 2 : 1, value, units[u], suffix);
    }
    return buf;
}

} // namespace

std::string formatFlops(std::int64_t flops) {
    static const char* const units[] = {"", "K", "M", "G", "T", "P"};
    return scaled(static_cast<double>(flops), units, 6, 1000.0, "FLOPs");
}

std::string formatBytes(std::int64_t bytes) {
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    return scaled(static_cast<double>(bytes), units, 5, 1024.0, "");
}

std::string formatCompactCount(std::int64_t n) {
    static const char* const units[] = {"", "K", "M", "B", "T"};
    double value = static_cast<double>(n < 0 ? -n : n);
    int u = 0;
    while (value >= 999.95 && u + 1 < 5) {
        value /= 1000.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%s%.0f%s" : "%s%.1f%s", n < 0 ? "-" : "", value,
                  units[u]);
    return buf;
}

std::string formatParameterSplit(const ModelSummary& s) {
    std::string out = formatCompactCount(s.totals.trainableParams) + " trainable";
    if (s.frozenParams > 0) {
        out += ", " + formatCompactCount(s.frozenParams) + " frozen";
    }
    return out;
}

std::string formatSummaryTable(const ModelSummary& s) {
    // A Device column when the rows are placed (summary --device).
    const bool placed = std::any_of(s.rows.begin(), s.rows.end(),
                                    [](const SummaryRow& r) { return !r.device.empty(); });
    const std::size_t columns = placed ? 6 : 5;
    std::vector<std::array<std::string, 6>> cells;
    cells.push_back({"Node", "Op", "Output shape", "Params", "FLOPs", "Device"});
    for (const auto& r : s.rows) {
        std::string shapes;
        for (const auto& shape : r.outputs) {
            shapes += (shapes.empty() ? "" : ", ") + shape.toString();
        }
        if (r.outputs.empty()) {
            shapes = r.op == "Loss" ? "-" : "?";
        }
        cells.push_back({r.frozen ? r.node + " (frozen)" : r.node, r.op, shapes,
                         formatCount(r.params), formatCount(r.flops), r.device});
    }
    std::array<std::size_t, 6> width{};
    for (const auto& row : cells) {
        for (std::size_t c = 0; c < columns; ++c) {
            width[c] = std::max(width[c], row[c].size());
        }
    }
    std::size_t total = 0;
    for (std::size_t c = 0; c < columns; ++c) {
        total += width[c] + 2;
    }
    std::string rule(total - 2, '-');
    std::string out;
    for (std::size_t r = 0; r < cells.size(); ++r) {
        for (std::size_t c = 0; c < columns; ++c) {
            const auto& text = cells[r][c];
            std::string pad(width[c] - text.size(), ' ');
            out += c == 3 || c == 4 ? pad + text : text + pad; // numbers right-aligned
            out += c + 1 < columns ? "  " : "";
        }
        while (!out.empty() && out.back() == ' ') {
            out.pop_back();
        }
        out += "\n";
        if (r == 0) {
            out += rule + "\n";
        }
    }
    out += rule + "\n";
    out += "Trainable parameters:     " + formatCount(s.totals.trainableParams) + "\n";
    if (s.frozenParams > 0) { // fine-tuning: the frozen nodes' parameters
        out += "Frozen parameters:        " + formatCount(s.frozenParams) + "\n";
    }
    out += "Non-trainable parameters: " + formatCount(s.totals.nonTrainableParams) + "\n";
    out += "Forward FLOPs per sample: " + formatCount(s.totals.flops) + " (" +
           formatFlops(s.totals.flops) + ")\n";
    out += "Parameter memory:         " + formatBytes(s.parameterBytes) + "\n";
    out += "Activations per sample:   " + formatBytes(s.activationBytesPerSample) + "\n";
    return out;
}

} // namespace nw::graph
