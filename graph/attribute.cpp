#include "graph/attribute.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace nw::graph {

namespace {

std::string formatNumber(double v) {
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
        return std::to_string(static_cast<std::int64_t>(v));
    }
    std::ostringstream os;
    os << v;
    return os.str();
}

} // namespace

const char* attrTypeName(AttrType type) {
    switch (type) {
    case AttrType::Int:
        return "integer";
    case AttrType::Float:
        return "number";
    case AttrType::Bool:
        return "boolean";
    case AttrType::String:
        return "string";
    case AttrType::IntList:
        return "list of integers";
    }
    return "?";
}

AttrType attrTypeOf(const AttrValue& value) {
    return static_cast<AttrType>(value.index());
}

std::string attrValueToString(const AttrValue& value) {
    struct Visitor {
        std::string operator()(std::int64_t v) const { return std::to_string(v); }
        std::string operator()(double v) const {
            std::ostringstream os;
            os << v;
            return os.str();
        }
        std::string operator()(bool v) const { return v ? "true" : "false"; }
        std::string operator()(const std::string& v) const { return "\"" + v + "\""; }
        std::string operator()(const IntList& v) const {
            std::string out = "[";
            for (std::size_t i = 0; i < v.size(); ++i) {
                out += (i ? ", " : "") + std::to_string(v[i]);
            }
            return out + "]";
        }
    };
    return std::visit(Visitor{}, value);
}

AttrSpec AttrSpec::integer(std::string name, std::int64_t def, std::int64_t lo, std::int64_t hi,
                           std::string doc) {
    AttrSpec s;
    s.name = std::move(name);
    s.type = AttrType::Int;
    s.defaultValue = def;
    s.min = static_cast<double>(lo);
    s.max = static_cast<double>(hi);
    s.doc = std::move(doc);
    return s;
}

AttrSpec AttrSpec::real(std::string name, double def, double lo, double hi, std::string doc) {
    AttrSpec s;
    s.name = std::move(name);
    s.type = AttrType::Float;
    s.defaultValue = def;
    s.min = lo;
    s.max = hi;
    s.doc = std::move(doc);
    return s;
}

AttrSpec AttrSpec::boolean(std::string name, bool def, std::string doc) {
    AttrSpec s;
    s.name = std::move(name);
    s.type = AttrType::Bool;
    s.defaultValue = def;
    s.doc = std::move(doc);
    return s;
}

AttrSpec AttrSpec::choice(std::string name, std::string def, std::vector<std::string> choices,
                          std::string doc) {
    AttrSpec s;
    s.name = std::move(name);
    s.type = AttrType::String;
    s.defaultValue = std::move(def);
    s.choices = std::move(choices);
    s.doc = std::move(doc);
    return s;
}

AttrSpec AttrSpec::ints(std::string name, IntList def, int minLen, int maxLen, std::int64_t lo,
                        std::int64_t hi, std::string doc) {
    AttrSpec s;
    s.name = std::move(name);
    s.type = AttrType::IntList;
    s.defaultValue = std::move(def);
    s.minLength = minLen;
    s.maxLength = maxLen;
    s.min = static_cast<double>(lo);
    s.max = static_cast<double>(hi);
    s.doc = std::move(doc);
    return s;
}

std::string AttrSpec::boundsText() const {
    if (!min && !max) {
        return {};
    }
    return std::string(minExclusive ? "(" : "[") + (min ? formatNumber(*min) : "-inf") + ", " +
           (max ? formatNumber(*max) : "inf") + (maxExclusive ? ")" : "]");
}

std::string AttrSpec::rangeText() const {
    std::string bounds = boundsText();
    switch (type) {
    case AttrType::Int:
    case AttrType::Float:
        return bounds;
    case AttrType::Bool:
        return "true or false";
    case AttrType::String: {
        std::string out = "one of: ";
        for (std::size_t i = 0; i < choices.size(); ++i) {
            out += (i ? ", " : "") + choices[i];
        }
        return out;
    }
    case AttrType::IntList: {
        std::string count = minLength == maxLength
                                ? std::to_string(minLength)
                                : std::to_string(minLength) + " to " + std::to_string(maxLength);
        return count + " integers" + (bounds.empty() ? "" : " in " + bounds);
    }
    }
    return {};
}

std::optional<std::string> AttrSpec::check(const AttrValue& value) const {
    if (attrTypeOf(value) != type) {
        auto withArticle = [](AttrType t) {
            std::string typeName = attrTypeName(t);
            return (typeName[0] == 'i' ? "an " : "a ") + typeName;
        };
        return "must be " + withArticle(type) + ", got " + withArticle(attrTypeOf(value)) + " (" +
               attrValueToString(value) + ")";
    }
    auto inRange = [this](double v) {
        if (std::isnan(v)) {
            return false;
        }
        if (min && (minExclusive ? v <= *min : v < *min)) {
            return false;
        }
        if (max && (maxExclusive ? v >= *max : v > *max)) {
            return false;
        }
        return true;
    };
    switch (type) {
    case AttrType::Int: {
        auto v = std::get<std::int64_t>(value);
        if (!inRange(static_cast<double>(v))) {
            return "must be in " + rangeText() + ", got " + std::to_string(v);
        }
        break;
    }
    case AttrType::Float: {
        auto v = std::get<double>(value);
        if (!std::isfinite(v) || !inRange(v)) {
            return "must be in " + rangeText() + ", got " + attrValueToString(value);
        }
        break;
    }
    case AttrType::Bool:
        break;
    case AttrType::String: {
        const auto& v = std::get<std::string>(value);
        if (!choices.empty() && std::find(choices.begin(), choices.end(), v) == choices.end()) {
            return "must be " + rangeText() + ", got \"" + v + "\"";
        }
        break;
    }
    case AttrType::IntList: {
        const auto& v = std::get<IntList>(value);
        auto n = static_cast<int>(v.size());
        if (n < minLength || n > maxLength) {
            return "must have " + rangeText() + ", got " + std::to_string(n) + " (" +
                   attrValueToString(value) + ")";
        }
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (!inRange(static_cast<double>(v[i]))) {
                return "element " + std::to_string(i) + " must be in " + boundsText() + ", got " +
                       std::to_string(v[i]);
            }
        }
        break;
    }
    }
    return std::nullopt;
}

} // namespace nw::graph
