#include "graph/op_reference.h"

#include <string_view>

namespace nw::graph {

namespace {

constexpr std::string_view kHeader =
    "# Op reference\n"
    "\n"
    "Generated from the op schemas (`graph/ops/`) by `netwright-cli ops --markdown`; do not "
    "edit by hand. After changing a schema, run `build/bin/netwright-cli ops --markdown > "
    "docs/ops.md` (`tests/graph/test_op_reference.cpp` fails until this file matches).\n"
    "\n"
    "Shapes include the symbolic batch dimension `N`. Parameters are per node, trainable and "
    "non-trainable (e.g. batch-norm running statistics) counted apart. **FLOPs are per sample, "
    "forward only, and a multiply-add counts as 2.** `E` is the input's elements per sample "
    "(the product of every dimension but `N`). Ranges use the validator's notation. The "
    "project file names ops and attributes as written here "
    "([project-format.md](project-format.md)).\n";

// One table cell: `|` escaped, line breaks folded into spaces.
std::string cell(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '|') {
            out += "\\|";
        } else if (c == '\n') {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

// "- `input` (port 0): [N, C, H, W] images." or, variadic,
// "- `in` (ports 0, 1, …; variadic, at least 2): Tensors of one shape."
void appendPorts(std::string& out, const char* title, const std::vector<PortSpec>& ports) {
    if (ports.empty()) {
        out += title;
        out += ": none.\n\n";
        return;
    }
    out += title;
    out += ":\n\n";
    for (std::size_t i = 0; i < ports.size(); ++i) {
        const PortSpec& p = ports[i];
        std::string index = std::to_string(i);
        out += "- `" + p.name + "` (";
        if (p.variadic) {
            out += "ports " + index + ", " + std::to_string(i + 1) + ", …; variadic, at least " +
                   std::to_string(p.minCount);
        } else {
            out += "port " + index;
        }
        out += ")";
        if (!p.doc.empty()) {
            out += ": " + p.doc;
        }
        out += "\n";
    }
    out += "\n";
}

// An attribute's default as the reference writes it: `128`, `true`, `"explicit"`, `[3, 3]`;
// numbers always with a decimal point or an exponent (`1.0`, `0.5`, `1e-05`).
std::string attrDefaultText(const AttrValue& value) {
    std::string text = attrValueToString(value);
    if (std::holds_alternative<double>(value) &&
        text.find_first_of(".eEn") == std::string::npos) { // not 1.5, 1e-05, inf, nan
        text += ".0";
    }
    return text;
}

void appendAttributes(std::string& out, const std::vector<AttrSpec>& attrs) {
    if (attrs.empty()) {
        out += "No attributes.\n";
        return;
    }
    out += "| Attribute | Type | Default | Range | Doc |\n";
    out += "|---|---|---|---|---|\n";
    for (const AttrSpec& a : attrs) {
        out += "| `" + a.name + "` | " + attrTypeName(a.type) + " | `" +
               cell(attrDefaultText(a.defaultValue)) + "` | " + cell(a.rangeText()) + " | " +
               cell(a.doc) + " |\n";
    }
}

} // namespace

std::string opReferenceMarkdown(const OpRegistry& registry) {
    std::string out(kHeader);
    for (const OpSchema* s : registry.all()) {
        out += "\n### " + s->name + " (" + s->category + ")\n\n";
        if (!s->doc.empty()) {
            out += s->doc + "\n\n";
        }
        appendPorts(out, "Inputs", s->inputs);
        appendPorts(out, "Outputs", s->outputs);
        if (!s->notes.empty()) {
            out += s->notes + "\n\n";
        }
        appendAttributes(out, s->attrs);
    }
    return out;
}

} // namespace nw::graph
