// Parsing .nwproj files. Internally a ReadFailure exception carries the first problem out of
// the nested readers; parseProject() turns it into an Error value at the boundary.
#include "graph/project_file.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace nw::graph {

namespace {

using nlohmann::json;

// Deeper nesting than this cannot be a project file; refusing it bounds memory and time.
constexpr int kMaxJsonDepth = 32;

struct ReadFailure {
    std::string path; // JSON path, e.g. "graph.nodes[2].op"
    std::string message;
};

[[noreturn]] void failAt(const std::string& path, std::string message) {
    throw ReadFailure{path, std::move(message)};
}

std::string child(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
}

std::string typeName(const json& j) {
    if (j.is_number_integer()) {
        return "an integer";
    }
    if (j.is_number()) {
        return "a number";
    }
    std::string t = j.type_name();
    return (t == "array" || t == "object" ? "an " : "a ") + t;
}

void requireKeys(const json& obj, const std::string& path, std::set<std::string> allowed) {
    for (const auto& [key, value] : obj.items()) {
        if (!allowed.count(key)) {
            failAt(child(path, key), "unknown field");
        }
    }
}

const json& requireObject(const json& j, const std::string& path) {
    if (!j.is_object()) {
        failAt(path, "must be an object, got " + typeName(j));
    }
    return j;
}

const json* optional(const json& obj, const char* key) {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
}

const json& required(const json& obj, const char* key, const std::string& path) {
    const json* j = optional(obj, key);
    if (!j) {
        failAt(child(path, key), "missing");
    }
    return *j;
}

std::string asString(const json& j, const std::string& path) {
    if (!j.is_string()) {
        failAt(path, "must be a string, got " + typeName(j));
    }
    return j.get<std::string>();
}

std::int64_t asInt(const json& j, const std::string& path, std::int64_t lo, std::int64_t hi) {
    if (!j.is_number_integer()) {
        failAt(path, "must be an integer, got " + typeName(j));
    }
    // An unsigned value beyond int64 is out of every range, not of another type.
    bool beyondInt64 =
        j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX);
    auto v = beyondInt64 ? INT64_MAX : j.get<std::int64_t>();
    if (beyondInt64 || v < lo || v > hi) {
        failAt(path, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                         j.dump());
    }
    return v;
}

double asNumber(const json& j, const std::string& path, double lo, double hi) {
    if (!j.is_number()) {
        failAt(path, "must be a number, got " + typeName(j));
    }
    auto v = j.get<double>();
    if (!std::isfinite(v) || v < lo || v > hi) {
        std::ostringstream os;
        os << "must be in [" << lo << ", " << hi << "], got " << v;
        failAt(path, os.str());
    }
    return v;
}

bool asBool(const json& j, const std::string& path) {
    if (!j.is_boolean()) {
        failAt(path, "must be true or false, got " + typeName(j));
    }
    return j.get<bool>();
}

std::string asChoice(const json& j, const std::string& path,
                     std::initializer_list<const char*> choices) {
    std::string v = asString(j, path);
    std::string list;
    for (const char* c : choices) {
        if (v == c) {
            return v;
        }
        list += (list.empty() ? "" : ", ") + std::string(c);
    }
    failAt(path, "must be one of: " + list + "; got \"" + v + "\"");
}

// An attribute value; `spec` (when the op is known) decides between integer and number.
AttrValue readAttr(const json& j, const std::string& path, const AttrSpec* spec) {
    if (j.is_boolean()) {
        return j.get<bool>();
    }
    if (j.is_string()) {
        return j.get<std::string>();
    }
    if (j.is_number()) {
        bool wantFloat = spec && spec->type == AttrType::Float;
        if (j.is_number_integer() && !wantFloat) {
            return asInt(j, path, INT64_MIN, INT64_MAX);
        }
        double v = j.get<double>();
        if (!std::isfinite(v)) {
            failAt(path, "must be a finite number");
        }
        return v;
    }
    if (j.is_array()) {
        IntList out;
        for (std::size_t i = 0; i < j.size(); ++i) {
            out.push_back(asInt(j[i], path + "[" + std::to_string(i) + "]", INT64_MIN, INT64_MAX));
        }
        return out;
    }
    failAt(path, "must be a number, a string, a boolean or a list of integers, got " + typeName(j));
}

AttrMap readAttrMap(const json& j, const std::string& path, const OpSchema* schema) {
    requireObject(j, path);
    AttrMap out;
    for (const auto& [key, value] : j.items()) {
        const AttrSpec* spec = schema ? schema->findAttr(key) : nullptr;
        out.emplace(key, readAttr(value, child(path, key), spec));
    }
    return out;
}

std::vector<double> readNumbers(const json& j, const std::string& path) {
    if (!j.is_array()) {
        failAt(path, "must be a list of numbers, got " + typeName(j));
    }
    std::vector<double> out;
    for (std::size_t i = 0; i < j.size(); ++i) {
        out.push_back(asNumber(j[i], path + "[" + std::to_string(i) + "]", -1e9, 1e9));
    }
    return out;
}

Node readNode(const json& j, const std::string& path, const OpRegistry& registry) {
    requireObject(j, path);
    requireKeys(j, path, {"id", "op", "plugin", "trainable", "attributes", "position"});
    Node n;
    n.id = asString(required(j, "id", path), child(path, "id"));
    if (n.id.empty()) {
        failAt(child(path, "id"), "must not be empty");
    }
    n.op = asString(required(j, "op", path), child(path, "op"));
    const OpSchema* schema = registry.find(n.op);
    if (const json* plugin = optional(j, "plugin")) {
        n.plugin = asString(*plugin, child(path, "plugin"));
        if (n.plugin.empty()) {
            failAt(child(path, "plugin"), "must not be empty");
        }
    }
    if (schema) { // the loaded op says where it comes from, whatever the file said
        n.plugin = schema->plugin;
    }
    if (const json* trainable = optional(j, "trainable")) {
        if (!trainable->is_boolean()) {
            failAt(child(path, "trainable"),
                   "node '" + n.id + "': must be true or false, got " + typeName(*trainable));
        }
        n.trainable = trainable->get<bool>();
    }
    if (const json* attrs = optional(j, "attributes")) {
        n.attrs = readAttrMap(*attrs, child(path, "attributes"), schema);
    }
    if (schema) { // fill in defaults so the file states every value explicitly on save
        for (const auto& spec : schema->attrs) {
            n.attrs.emplace(spec.name, spec.defaultValue);
        }
    }
    if (const json* pos = optional(j, "position")) {
        std::string p = child(path, "position");
        if (!pos->is_array() || pos->size() != 2) {
            failAt(p, "must be [x, y]");
        }
        n.position = {asNumber((*pos)[0], p + "[0]", -1e7, 1e7),
                      asNumber((*pos)[1], p + "[1]", -1e7, 1e7)};
    }
    return n;
}

Edge readEdge(const json& j, const std::string& path) {
    requireObject(j, path);
    requireKeys(j, path, {"from", "from_port", "to", "to_port"});
    Edge e;
    e.from.node = asString(required(j, "from", path), child(path, "from"));
    e.to.node = asString(required(j, "to", path), child(path, "to"));
    if (const json* p = optional(j, "from_port")) {
        e.from.port = static_cast<int>(asInt(*p, child(path, "from_port"), 0, 1023));
    }
    if (const json* p = optional(j, "to_port")) {
        e.to.port = static_cast<int>(asInt(*p, child(path, "to_port"), 0, 1023));
    }
    return e;
}

NodeGroup readGroup(const json& j, const std::string& path, const Graph& g,
                    std::set<std::string>& grouped) {
    requireObject(j, path);
    requireKeys(j, path, {"id", "name", "nodes", "collapsed"});
    NodeGroup group;
    group.id = asString(required(j, "id", path), child(path, "id"));
    if (group.id.empty()) {
        failAt(child(path, "id"), "must not be empty");
    }
    group.name = asString(required(j, "name", path), child(path, "name"));
    if (group.name.empty()) {
        failAt(child(path, "name"), "must not be empty");
    }
    const std::string np = child(path, "nodes");
    const json& nodes = required(j, "nodes", path);
    if (!nodes.is_array() || nodes.empty()) {
        failAt(np, "must be a non-empty list of node ids");
    }
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const std::string p = np + "[" + std::to_string(i) + "]";
        std::string id = asString(nodes[i], p);
        if (!g.findNode(id)) {
            failAt(p, "no node '" + id + "' in the graph");
        }
        if (!grouped.insert(id).second) {
            failAt(p, "node '" + id + "' is already in a block");
        }
        group.nodes.push_back(std::move(id));
    }
    if (const json* c = optional(j, "collapsed")) {
        group.collapsed = asBool(*c, child(path, "collapsed"));
    }
    return group;
}

Graph readGraph(const json& j, const std::string& path, const OpRegistry& registry) {
    requireObject(j, path);
    requireKeys(j, path, {"nodes", "edges", "groups"});
    Graph g;
    const json& nodes = required(j, "nodes", path);
    if (!nodes.is_array()) {
        failAt(child(path, "nodes"), "must be a list, got " + typeName(nodes));
    }
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        std::string p = child(path, "nodes") + "[" + std::to_string(i) + "]";
        Node n = readNode(nodes[i], p, registry);
        std::string id = n.id;
        if (!g.addNode(std::move(n))) {
            failAt(p + ".id", "duplicate node id '" + id + "'");
        }
    }
    if (const json* edges = optional(j, "edges")) {
        if (!edges->is_array()) {
            failAt(child(path, "edges"), "must be a list, got " + typeName(*edges));
        }
        for (std::size_t i = 0; i < edges->size(); ++i) {
            g.addEdge(readEdge((*edges)[i], child(path, "edges") + "[" + std::to_string(i) + "]"));
        }
    }
    if (const json* groups = optional(j, "groups")) { // optional: files before blocks lack it
        const std::string gp = child(path, "groups");
        if (!groups->is_array()) {
            failAt(gp, "must be a list, got " + typeName(*groups));
        }
        std::vector<NodeGroup> out;
        std::set<std::string> grouped;
        for (std::size_t i = 0; i < groups->size(); ++i) {
            const std::string p = gp + "[" + std::to_string(i) + "]";
            NodeGroup group = readGroup((*groups)[i], p, g, grouped);
            if (std::any_of(out.begin(), out.end(),
                            [&group](const NodeGroup& o) { return o.id == group.id; })) {
                failAt(p + ".id", "duplicate block id '" + group.id + "'");
            }
            out.push_back(std::move(group));
        }
        g.setGroups(std::move(out));
    }
    return g;
}

DatasetRef readDataset(const json& j, const std::string& path) {
    requireObject(j, path);
    requireKeys(j, path,
                {"kind", "name", "path", "validation_split", "sequence_length", "normalization"});
    DatasetRef d;
    d.kind = asChoice(required(j, "kind", path), child(path, "kind"),
                      {"builtin", "idx", "cifar", "image_folder", "csv", "text"});
    if (d.kind == "builtin") {
        d.name = asString(required(j, "name", path), child(path, "name"));
        d.path.clear();
    } else {
        d.name.clear();
        d.path = asString(required(j, "path", path), child(path, "path"));
        if (d.path.empty()) {
            failAt(child(path, "path"), "must not be empty");
        }
    }
    if (const json* v = optional(j, "validation_split")) {
        d.validationSplit = asNumber(*v, child(path, "validation_split"), 0.0, 0.9);
    }
    if (const json* v = optional(j, "sequence_length")) {
        d.sequenceLength = asInt(*v, child(path, "sequence_length"), 1, 65536);
    }
    if (const json* norm = optional(j, "normalization")) {
        std::string p = child(path, "normalization");
        requireObject(*norm, p);
        requireKeys(*norm, p, {"mean", "std"});
        d.mean = readNumbers(required(*norm, "mean", p), child(p, "mean"));
        d.std = readNumbers(required(*norm, "std", p), child(p, "std"));
        if (d.mean.size() != d.std.size()) {
            failAt(p, "mean and std must have one value per channel each (got " +
                          std::to_string(d.mean.size()) + " and " + std::to_string(d.std.size()) +
                          ")");
        }
        for (std::size_t i = 0; i < d.std.size(); ++i) {
            if (d.std[i] <= 0) {
                failAt(child(p, "std") + "[" + std::to_string(i) + "]", "must be positive");
            }
        }
    }
    return d;
}

std::vector<AugmentationStep> readAugmentation(const json& j, const std::string& path) {
    if (!j.is_array()) {
        failAt(path, "must be a list, got " + typeName(j));
    }
    std::vector<AugmentationStep> out;
    for (std::size_t i = 0; i < j.size(); ++i) {
        std::string p = path + "[" + std::to_string(i) + "]";
        requireObject(j[i], p);
        requireKeys(j[i], p, {"op", "probability", "params"});
        AugmentationStep s;
        s.op = asString(required(j[i], "op", p), child(p, "op"));
        if (const json* prob = optional(j[i], "probability")) {
            s.probability = asNumber(*prob, child(p, "probability"), 0.0, 1.0);
        }
        if (const json* params = optional(j[i], "params")) {
            s.params = readAttrMap(*params, child(p, "params"), nullptr);
        }
        out.push_back(std::move(s));
    }
    return out;
}

OptimizerConfig readOptimizer(const json& j, const std::string& path) {
    requireObject(j, path);
    requireKeys(j, path,
                {"type", "learning_rate", "momentum", "nesterov", "beta1", "beta2", "epsilon",
                 "weight_decay"});
    OptimizerConfig o;
    o.type = asChoice(required(j, "type", path), child(path, "type"),
                      {"sgd", "adam", "adamw", "rmsprop"});
    auto num = [&](const char* key, double& field, double lo, double hi) {
        if (const json* v = optional(j, key)) {
            field = asNumber(*v, child(path, key), lo, hi);
        }
    };
    num("learning_rate", o.learningRate, 0.0, 10.0);
    if (o.learningRate <= 0.0) {
        failAt(child(path, "learning_rate"), "must be positive");
    }
    num("momentum", o.momentum, 0.0, 0.999999);
    num("beta1", o.beta1, 0.0, 0.999999);
    num("beta2", o.beta2, 0.0, 0.999999);
    num("epsilon", o.epsilon, 1e-12, 1.0);
    num("weight_decay", o.weightDecay, 0.0, 1.0);
    if (const json* v = optional(j, "nesterov")) {
        o.nesterov = asBool(*v, child(path, "nesterov"));
    }
    return o;
}

ScheduleConfig readSchedule(const json& j, const std::string& path) {
    requireObject(j, path);
    requireKeys(j, path, {"type", "warmup_steps", "step_size", "gamma", "min_learning_rate"});
    ScheduleConfig s;
    s.type =
        asChoice(required(j, "type", path), child(path, "type"), {"constant", "step", "cosine"});
    if (const json* v = optional(j, "warmup_steps")) {
        s.warmupSteps = asInt(*v, child(path, "warmup_steps"), 0, 1'000'000'000);
    }
    if (const json* v = optional(j, "step_size")) {
        s.stepSize = asInt(*v, child(path, "step_size"), 1, 1'000'000);
    }
    if (const json* v = optional(j, "gamma")) {
        s.gamma = asNumber(*v, child(path, "gamma"), 0.0, 1.0);
    }
    if (const json* v = optional(j, "min_learning_rate")) {
        s.minLearningRate = asNumber(*v, child(path, "min_learning_rate"), 0.0, 10.0);
    }
    return s;
}

std::string readDevice(const json& j, const std::string& path) {
    std::string d = asString(j, path);
    auto indexed = [&d](const std::string& prefix) {
        return d.size() > prefix.size() && d.compare(0, prefix.size(), prefix) == 0 &&
               d.find_first_not_of("0123456789", prefix.size()) == std::string::npos &&
               d.size() - prefix.size() <= 3;
    };
    if (d != "cpu" && !indexed("cuda:") && !indexed("vulkan:")) {
        failAt(path, "must be cpu, cuda:N or vulkan:N; got \"" + d + "\"");
    }
    return d;
}

TrainingConfig readTraining(const json& j, const std::string& path) {
    requireObject(j, path);
    requireKeys(j, path,
                {"optimizer", "schedule", "batch_size", "epochs", "seed", "device", "precision",
                 "grad_clip_norm", "early_stopping_patience", "checkpoint_every_steps",
                 "checkpoint_every_minutes", "initial_weights"});
    TrainingConfig t;
    if (const json* v = optional(j, "optimizer")) {
        t.optimizer = readOptimizer(*v, child(path, "optimizer"));
    }
    if (const json* v = optional(j, "schedule")) {
        t.schedule = readSchedule(*v, child(path, "schedule"));
    }
    if (const json* v = optional(j, "batch_size")) {
        t.batchSize = asInt(*v, child(path, "batch_size"), 1, 1 << 20);
    }
    if (const json* v = optional(j, "epochs")) {
        t.epochs = asInt(*v, child(path, "epochs"), 1, 100'000);
    }
    if (const json* v = optional(j, "seed")) {
        t.seed = static_cast<std::uint64_t>(asInt(*v, child(path, "seed"), 0, INT64_MAX));
    }
    if (const json* v = optional(j, "device")) {
        t.device = readDevice(*v, child(path, "device"));
    }
    if (const json* v = optional(j, "precision")) {
        t.precision = asChoice(*v, child(path, "precision"), {"fp32", "tf32", "bf16"});
    }
    if (const json* v = optional(j, "grad_clip_norm")) {
        t.gradClipNorm = asNumber(*v, child(path, "grad_clip_norm"), 0.0, 1e6);
    }
    if (const json* v = optional(j, "early_stopping_patience")) {
        t.earlyStoppingPatience = asInt(*v, child(path, "early_stopping_patience"), 0, 100'000);
    }
    if (const json* v = optional(j, "checkpoint_every_steps")) {
        t.checkpointEverySteps = asInt(*v, child(path, "checkpoint_every_steps"), 0, 1'000'000'000);
    }
    if (const json* v = optional(j, "checkpoint_every_minutes")) {
        t.checkpointEveryMinutes =
            asNumber(*v, child(path, "checkpoint_every_minutes"), 0.0, 10080.0);
    }
    if (const json* v = optional(j, "initial_weights")) {
        t.initialWeights = asString(*v, child(path, "initial_weights"));
        if (t.initialWeights.empty()) {
            failAt(child(path, "initial_weights"),
                   "must not be empty (leave the field out to start from the initialisers)");
        }
    }
    return t;
}

// Upgrades a document of an older format version in place, one version at a time. Each
// future format change adds a step here and a test file of the old version.
void migrate(json& /*doc*/, int fromVersion) {
    for (int v = fromVersion; v < kProjectFormatVersion; ++v) {
        switch (v) {
        default:
            failAt("format_version", "no migration from version " + std::to_string(v));
        }
    }
}

Project readProjectJson(json& doc, const OpRegistry& registry) {
    requireObject(doc, "(top level)");
    int version = static_cast<int>(
        asInt(required(doc, "format_version", ""), "format_version", 1, INT32_MAX));
    if (version > kProjectFormatVersion) {
        failAt("format_version", "the file has format version " + std::to_string(version) +
                                     ", written by a newer Netwright; this build reads up to " +
                                     std::to_string(kProjectFormatVersion));
    }
    migrate(doc, version);
    requireKeys(
        doc, "",
        {"format_version", "name", "description", "graph", "dataset", "augmentation", "training"});
    Project p;
    if (const json* v = optional(doc, "name")) {
        p.name = asString(*v, "name");
    }
    if (const json* v = optional(doc, "description")) {
        p.description = asString(*v, "description");
    }
    p.graph = readGraph(required(doc, "graph", ""), "graph", registry);
    if (const json* v = optional(doc, "dataset")) {
        p.dataset = readDataset(*v, "dataset");
    }
    if (const json* v = optional(doc, "augmentation")) {
        p.augmentation = readAugmentation(*v, "augmentation");
    }
    if (const json* v = optional(doc, "training")) {
        p.training = readTraining(*v, "training");
    }
    return p;
}

// "line 3, column 7" for a byte offset into `text`.
std::string lineColumn(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

} // namespace

Expected<Project> parseProject(std::string_view text, const std::string& sourceName,
                               const OpRegistry& registry) {
    if (text.size() > kMaxProjectFileBytes) {
        return Error::user(sourceName + ": the file is larger than " +
                           std::to_string(kMaxProjectFileBytes >> 20) + " MiB");
    }
    struct TooDeep {};
    json doc;
    try {
        doc = json::parse(text.begin(), text.end(), [](int depth, json::parse_event_t, json&) {
            if (depth > kMaxJsonDepth) {
                throw TooDeep{};
            }
            return true;
        });
    } catch (const json::parse_error& e) {
        std::string what = e.what();
        auto pos = what.find("syntax error");
        std::string detail = pos == std::string::npos ? what : what.substr(pos);
        return Error::user(sourceName + ": not valid JSON at " + lineColumn(text, e.byte - 1) +
                           ": " + detail);
    } catch (const TooDeep&) {
        return Error::user(sourceName + ": JSON nested more than " + std::to_string(kMaxJsonDepth) +
                           " levels deep");
    } catch (const json::exception& e) {
        return Error::user(sourceName + ": not valid JSON: " + e.what());
    }
    try {
        return readProjectJson(doc, registry);
    } catch (const ReadFailure& f) {
        return Error::user(sourceName + ": " + (f.path.empty() ? "" : f.path + ": ") + f.message);
    } catch (const json::exception& e) {
        return Error::user(sourceName + ": " + e.what());
    }
}

Expected<Project> readProject(const std::filesystem::path& path, const OpRegistry& registry) {
    std::error_code ec;
    auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) {
        return Error::user(path.string() + ": no such file");
    }
    if (!std::filesystem::is_regular_file(status)) {
        return Error::user(path.string() + ": not a regular file");
    }
    auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > kMaxProjectFileBytes) {
        return Error::user(path.string() + ": the file is larger than " +
                           std::to_string(kMaxProjectFileBytes >> 20) + " MiB");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return Error::user(path.string() + ": cannot be opened for reading");
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) {
        return Error::user(path.string() + ": read error");
    }
    return parseProject(text, path.string(), registry);
}

} // namespace nw::graph
