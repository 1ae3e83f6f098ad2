#pragma once
// The C++ side of libnetwright_rt: a loaded bundle and its prepared oneDNN executors, one
// per batch size, created on first use. No training engine, no Qt: oneDNN only.

#include "base/expected.h"
#include "engine/bundle/format.h"

#include <map>
#include <memory>
#include <string>

namespace nw::rt {

class Executor;

class Model {
public:
    // Reads and validates a bundle file; errors name the file and the layer.
    static Expected<std::unique_ptr<Model>> load(const std::string& path);
    static Expected<std::unique_ptr<Model>> fromBundle(bundle::Bundle b, const std::string& name);
    ~Model();

    const bundle::Dims& inputShape() const { return m_bundle.header.inputShape; }
    bundle::Dims outputShape() const { return m_bundle.header.outputShape(); }
    const bundle::BundleHeader& header() const { return m_bundle.header; }

    // input: batch x inputShape floats; output: batch x outputShape floats.
    Status run(const float* input, std::int64_t batch, float* output);

private:
    Model() = default;
    bundle::Bundle m_bundle;
    std::string m_name;
    std::map<std::int64_t, std::unique_ptr<Executor>> m_executors;
};

} // namespace nw::rt
