// Writing .nwproj files: a fixed key order (ordered_json, insertion order) so that saving an
// unchanged project gives the same bytes, and an atomic replace of the file on disk.
#include "graph/project_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

namespace nw::graph {

namespace {

using ojson = nlohmann::ordered_json;

ojson attrToJson(const AttrValue& v) {
    return std::visit([](const auto& x) { return ojson(x); }, v);
}

// A built-in op's schema, for the attributes it leaves out at their defaults; null for any
// other op (a plugin's writes every attribute).
const OpSchema* builtInSchema(const Node& n) {
    static const OpRegistry builtIn = makeCoreRegistry();
    return n.plugin.empty() ? builtIn.find(n.op) : nullptr;
}

ojson attrMapToJson(const AttrMap& attrs, const OpSchema* schema = nullptr) {
    ojson out = ojson::object();
    for (const auto& [name, value] : attrs) {
        const AttrSpec* spec = schema ? schema->findAttr(name) : nullptr;
        if (spec && !spec->writtenAtDefault && value == spec->defaultValue) {
            continue; // files from before the attribute existed keep their bytes
        }
        out[name] = attrToJson(value);
    }
    return out;
}

ojson graphToJson(const Graph& g) {
    ojson nodes = ojson::array();
    for (const Node& n : g.nodes()) {
        ojson node;
        node["id"] = n.id;
        node["op"] = n.op;
        if (!n.plugin.empty()) { // built-in ops write no key, so their files keep their bytes
            node["plugin"] = n.plugin;
        }
        if (!n.trainable) { // frozen only: files of trainable nodes keep their bytes
            node["trainable"] = false;
        }
        node["attributes"] = attrMapToJson(n.attrs, builtInSchema(n));
        node["position"] = {n.position.x, n.position.y};
        nodes.push_back(std::move(node));
    }
    ojson edges = ojson::array();
    for (const Edge& e : g.edges()) {
        edges.push_back(ojson{{"from", e.from.node},
                              {"from_port", e.from.port},
                              {"to", e.to.node},
                              {"to_port", e.to.port}});
    }
    ojson out{{"nodes", std::move(nodes)}, {"edges", std::move(edges)}};
    if (!g.groups().empty()) { // written only when used, so older files keep their bytes
        ojson groups = ojson::array();
        for (const NodeGroup& group : g.groups()) {
            groups.push_back(ojson{{"id", group.id},
                                   {"name", group.name},
                                   {"nodes", group.nodes},
                                   {"collapsed", group.collapsed}});
        }
        out["groups"] = std::move(groups);
    }
    return out;
}

ojson datasetToJson(const DatasetRef& d) {
    ojson out;
    out["kind"] = d.kind;
    if (d.kind == "builtin") {
        out["name"] = d.name;
    } else {
        out["path"] = d.path;
    }
    out["validation_split"] = d.validationSplit;
    if (d.sequenceLength != DatasetRef{}.sequenceLength) {
        out["sequence_length"] = d.sequenceLength;
    }
    if (!d.mean.empty()) {
        out["normalization"] = ojson{{"mean", d.mean}, {"std", d.std}};
    }
    return out;
}

ojson trainingToJson(const TrainingConfig& t) {
    const auto& o = t.optimizer;
    const auto& s = t.schedule;
    ojson out{
        {"optimizer", ojson{{"type", o.type},
                            {"learning_rate", o.learningRate},
                            {"momentum", o.momentum},
                            {"nesterov", o.nesterov},
                            {"beta1", o.beta1},
                            {"beta2", o.beta2},
                            {"epsilon", o.epsilon},
                            {"weight_decay", o.weightDecay}}},
        {"schedule", ojson{{"type", s.type},
                           {"warmup_steps", s.warmupSteps},
                           {"step_size", s.stepSize},
                           {"gamma", s.gamma},
                           {"min_learning_rate", s.minLearningRate}}},
        {"batch_size", t.batchSize},
        {"epochs", t.epochs},
        {"seed", t.seed},
        {"device", t.device},
        {"grad_clip_norm", t.gradClipNorm},
        {"early_stopping_patience", t.earlyStoppingPatience},
        {"checkpoint_every_steps", t.checkpointEverySteps},
    };
    if (t.precision != TrainingConfig{}.precision) {
        out["precision"] = t.precision; // files stay as they were
    }
    if (t.checkpointEveryMinutes != TrainingConfig::kDefaultCheckpointMinutes) {
        out["checkpoint_every_minutes"] = t.checkpointEveryMinutes; // files stay as they were
    }
    if (!t.initialWeights.empty()) {
        out["initial_weights"] = t.initialWeights; // files stay as they were
    }
    return out;
}

std::string errnoText() {
    return std::strerror(errno);
}

} // namespace

std::string serializeProject(const Project& p) {
    ojson doc;
    doc["format_version"] = kProjectFormatVersion;
    doc["name"] = p.name;
    doc["description"] = p.description;
    doc["dataset"] = datasetToJson(p.dataset);
    ojson aug = ojson::array();
    for (const auto& step : p.augmentation) {
        aug.push_back(ojson{{"op", step.op},
                            {"probability", step.probability},
                            {"params", attrMapToJson(step.params)}});
    }
    doc["augmentation"] = std::move(aug);
    doc["training"] = trainingToJson(p.training);
    doc["graph"] = graphToJson(p.graph);
    return doc.dump(2) + "\n";
}

Status writeProject(const Project& project, const std::filesystem::path& path) {
    return writeFileAtomically(path, serializeProject(project));
}

Status writeFileAtomically(const std::filesystem::path& path, std::string_view contents) {
    std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
    std::string tmpl = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) {
        return Error::user(path.string() + ": cannot create a temporary file in " + dir.string() +
                           ": " + errnoText());
    }
    auto failed = [&](const std::string& what) {
        std::string message = path.string() + ": " + what + ": " + errnoText();
        ::close(fd);
        ::unlink(tmpl.c_str());
        return Error::user(message);
    };
    const char* data = contents.data();
    std::size_t left = contents.size();
    while (left > 0) {
        ssize_t n = ::write(fd, data, left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return failed("write failed");
        }
        data += n;
        left -= static_cast<std::size_t>(n);
    }
    // Keep the permissions of the file we replace; new files get the usual 0644.
    struct stat st {};
    mode_t mode = ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
    if (::fchmod(fd, mode) != 0) {
        return failed("cannot set permissions");
    }
    if (::fsync(fd) != 0) {
        return failed("fsync failed");
    }
    if (::close(fd) != 0) {
        fd = -1;
        ::unlink(tmpl.c_str());
        return Error::user(path.string() + ": close failed: " + errnoText());
    }
    if (::rename(tmpl.c_str(), path.c_str()) != 0) {
        std::string message = path.string() + ": cannot replace the file: " + errnoText();
        ::unlink(tmpl.c_str());
        return Error::user(message);
    }
    int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dirFd >= 0) { // make the rename itself durable
        ::fsync(dirFd);
        ::close(dirFd);
    }
    return Status::success();
}

} // namespace nw::graph
