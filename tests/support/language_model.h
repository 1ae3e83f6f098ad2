#pragma once
// Tiny language models on generated corpora, for the engine's and the IDE's tests: a text
// file of one unit repeated, and a project Input [T] -> Embedding -> <body> -> Dense(V) ->
// Loss on it.

#include "graph/project.h"

#include <fstream>
#include <string>

namespace nw::testing {

// `unit` repeated to at least `chars` characters, written to `path`.
inline void writeRepeatedCorpus(const std::string& path, const std::string& unit,
                                std::size_t chars) {
    std::string text;
    while (text.size() < chars) {
        text += unit;
    }
    std::ofstream(path) << text;
}

// Builds the project node by node: add() chains each node after the last, finish() adds the
// head and the loss.
struct LanguageModelBuilder {
    graph::Project p;
    std::string last;
    std::int64_t vocabulary = 0;

    LanguageModelBuilder(const std::string& corpus, std::int64_t window, std::int64_t vocab,
                         std::int64_t dim)
        : vocabulary(vocab) {
        p.name = "lm";
        p.dataset.kind = "text";
        p.dataset.path = corpus;
        p.dataset.sequenceLength = window;
        p.dataset.validationSplit = 0.2;
        p.training.optimizer.learningRate = 0.01;
        p.training.batchSize = 8;
        p.training.seed = 3;
        add("input", "Input", {{"shape", graph::IntList{window}}});
        add("embed", "Embedding", {{"vocabulary", vocab}, {"dimension", dim}});
    }
    LanguageModelBuilder& add(const std::string& id, const std::string& op,
                              graph::AttrMap attrs = {}) {
        p.graph.addNode({id, op, std::move(attrs), {}});
        if (!last.empty()) {
            p.graph.addEdge({{last, 0}, {id, 0}});
        }
        last = id;
        return *this;
    }
    graph::Project finish() {
        add("head", "Dense", {{"units", vocabulary}});
        add("loss", "Loss");
        return p;
    }
};

} // namespace nw::testing
