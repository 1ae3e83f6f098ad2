// netwright-cli ops: the built-in ops, as a short list or as the Markdown op reference.
#include "app/cli/commands.h"
#include "graph/op_reference.h"
#include "graph/op_registry.h"

#include <algorithm>
#include <iostream>
#include <string>

namespace nw::cli {

namespace {

// The doc's first sentence: up to the first ". " (kept with its full stop), else all of it.
std::string firstSentence(const std::string& doc) {
    auto end = doc.find(". ");
    return end == std::string::npos ? doc : doc.substr(0, end + 1);
}

} // namespace

int runOps(bool markdown, const graph::OpRegistry& registry) {
    if (markdown) {
        std::cout << graph::opReferenceMarkdown(registry);
        return kExitOk;
    }
    std::size_t nameWidth = 0, categoryWidth = 0;
    for (const auto* s : registry.all()) {
        nameWidth = std::max(nameWidth, s->name.size());
        categoryWidth = std::max(categoryWidth, s->category.size());
    }
    for (const auto* s : registry.all()) {
        std::cout << s->name << std::string(nameWidth - s->name.size() + 2, ' ') << s->category
                  << std::string(categoryWidth - s->category.size() + 2, ' ')
                  << firstSentence(s->doc) << "\n";
    }
    return kExitOk;
}

} // namespace nw::cli
