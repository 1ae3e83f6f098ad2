#pragma once
// Typed op attributes: the declaration (AttrSpec) and the value (AttrValue).
// One AttrSpec per attribute of an op, read by the palette, the inspector, the validator,
// the project file and the kernels alike.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace nw::graph {

enum class AttrType { Int, Float, Bool, String, IntList };

using IntList = std::vector<std::int64_t>;
using AttrValue = std::variant<std::int64_t, double, bool, std::string, IntList>;
// Attribute name -> value; ordered so files and diffs are stable.
using AttrMap = std::map<std::string, AttrValue, std::less<>>;

const char* attrTypeName(AttrType type);
AttrType attrTypeOf(const AttrValue& value);

// "3", "0.5", "true", "\"same\"", "[3, 3]"
std::string attrValueToString(const AttrValue& value);

struct AttrSpec {
    std::string name;
    AttrType type = AttrType::Int;
    AttrValue defaultValue;
    std::string doc;
    // Inclusive numeric bounds, for Int and Float and for every element of an IntList.
    std::optional<double> min;
    std::optional<double> max;
    // Float only: the bound itself is not allowed (e.g. dropout rate < 1).
    bool minExclusive = false;
    bool maxExclusive = false;
    // String only: the allowed values (an enum). Empty means any string.
    std::vector<std::string> choices;
    // IntList only: allowed number of elements.
    int minLength = 0;
    int maxLength = 8;
    // False: project files leave the attribute out while it holds its default (the reader
    // fills it in). For attributes an op gained after files of it were saved, so that those
    // files keep their bytes.
    bool writtenAtDefault = true;

    static AttrSpec integer(std::string name, std::int64_t def, std::int64_t lo, std::int64_t hi,
                            std::string doc);
    static AttrSpec real(std::string name, double def, double lo, double hi, std::string doc);
    static AttrSpec boolean(std::string name, bool def, std::string doc);
    static AttrSpec choice(std::string name, std::string def, std::vector<std::string> choices,
                           std::string doc);
    static AttrSpec ints(std::string name, IntList def, int minLen, int maxLen, std::int64_t lo,
                         std::int64_t hi, std::string doc);

    AttrSpec& exclusiveMin() {
        minExclusive = true;
        return *this;
    }
    AttrSpec& exclusiveMax() {
        maxExclusive = true;
        return *this;
    }
    AttrSpec& omittedAtDefault() {
        writtenAtDefault = false;
        return *this;
    }

    // Why `value` is not allowed for this attribute ("must be in [1, 65536], got 0"),
    // or nullopt when it is.
    std::optional<std::string> check(const AttrValue& value) const;

    // "[1, 65536]", "(0, 1)", "one of: explicit, same", "2 integers in [1, 255]"
    std::string rangeText() const;
    // "[1, 65536]" or "(0, 1)"; empty when unbounded.
    std::string boundsText() const;
};

} // namespace nw::graph
