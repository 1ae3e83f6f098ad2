#pragma once
// OpTable: one backend's or exporter's explicit list of what it does with each op —
// add(op, factory) for an op it handles, unsupported(op, reason) for one it does not. The
// coverage test (tests/graph/test_op_coverage.cpp) walks the op registry and fails when a
// table has neither for some op, so a new op cannot be silently missing anywhere. Plugins add
// to the same tables. Nothing registers itself: each table is filled by one function.

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace nw::graph {

class OpRegistry;

// What a table says of each op, without its factories: for the coverage test, the plan's
// placement and messages.
class OpCoverage {
public:
    virtual ~OpCoverage() = default;

    bool supports(std::string_view op) const { return m_supported.count(op) != 0; }
    // The stated reason when the table says `op` is unsupported; empty when it does not.
    std::string unsupportedReason(std::string_view op) const {
        auto it = m_unsupported.find(op);
        return it == m_unsupported.end() ? std::string() : it->second;
    }
    bool covers(std::string_view op) const { return supports(op) || m_unsupported.count(op) != 0; }
    // The registry's ops this table says nothing about.
    std::vector<std::string> missing(const OpRegistry& registry) const;
    // Every op the table names, supported or not.
    std::vector<std::string> named() const;

protected:
    void claim(const std::string& op) {
        if (covers(op)) {
            // Two lines for one op in one explicit list: a programming error every test run
            // catches, never a user's.
            throw std::logic_error("op '" + op + "' is listed twice in one op table");
        }
    }
    std::map<std::string, bool, std::less<>> m_supported; // value unused: a set with find()
    std::map<std::string, std::string, std::less<>> m_unsupported;
};

template <class Factory>
class OpTable : public OpCoverage {
public:
    OpTable& add(const std::string& op, Factory factory) {
        claim(op);
        m_supported.emplace(op, true);
        m_factories.emplace(op, std::move(factory));
        return *this;
    }
    OpTable& unsupported(const std::string& op, std::string reason) {
        claim(op);
        m_unsupported.emplace(op, std::move(reason));
        return *this;
    }
    // The factory for `op`; nullptr when it is unsupported or not listed.
    const Factory* find(std::string_view op) const {
        auto it = m_factories.find(op);
        return it == m_factories.end() ? nullptr : &it->second;
    }

private:
    std::map<std::string, Factory, std::less<>> m_factories;
};

} // namespace nw::graph
