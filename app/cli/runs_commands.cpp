// netwright-cli runs: list, show, compare, export, tag and delete recorded training runs.
#include "app/cli/commands.h"
#include "engine/tracking/store.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace nw::cli {

namespace {

using nlohmann::ordered_json;
using tracking::ExperimentStore;

int fail(const Error& e) {
    std::cerr << "error: " << e.message << "\n";
    return e.kind == Error::Kind::User ? kExitUser : kExitInternal;
}

// Opens an existing database only: a mistyped --db must not create an empty one.
Expected<std::unique_ptr<ExperimentStore>> openExisting(const std::string& db) {
    auto path = tracking::defaultDatabasePath(db);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        return Error::user(path.string() + ": no experiment database here (train a project "
                                           "first, or pass --db)");
    }
    auto store = ExperimentStore::open(path);
    if (store) { // files an upgrade could not move keep their old, still recorded, paths
        for (const auto& line : (*store)->migrationReport()) {
            std::cerr << "note: " << path.string() << ": " << line << "\n";
        }
    }
    return store;
}

std::string timeText(double unixSeconds) {
    if (unixSeconds <= 0) {
        return "-";
    }
    std::time_t t = static_cast<std::time_t>(unixSeconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
    return buf;
}

std::string tagsText(const std::vector<std::string>& tags) {
    std::string out;
    for (const auto& t : tags) {
        out += (out.empty() ? "" : ",") + t;
    }
    return out;
}

// Per metric name: the last value (by step) and the best (lowest loss, highest otherwise).
struct Summary {
    double final = 0, best = 0;
    std::int64_t bestStep = 0, count = 0;
};

bool lowerIsBetter(const std::string& name) {
    return name.find("loss") != std::string::npos;
}

Expected<std::map<std::string, Summary>> summarize(ExperimentStore& store, std::int64_t id) {
    auto points = store.metrics(id);
    if (!points) {
        return points.error();
    }
    std::map<std::string, Summary> out;
    for (const auto& p : *points) {
        Summary& s = out[p.name];
        bool lower = lowerIsBetter(p.name);
        if (s.count == 0 || (lower ? p.value < s.best : p.value > s.best)) {
            s.best = p.value;
            s.bestStep = p.step;
        }
        s.final = p.value;
        ++s.count;
    }
    return out;
}

ordered_json runJson(const tracking::RunRecord& r) {
    return {{"id", r.id},
            {"name", r.name},
            {"status", r.status},
            {"started_at", timeText(r.startedAt)},
            {"ended_at", r.endedAt > 0 ? ordered_json(timeText(r.endedAt)) : ordered_json()},
            {"seed", r.seed},
            {"dataset", r.dataset},
            {"device", r.device},
            {"host", r.host},
            {"graph_hash", r.graphHash},
            {"tags", r.tags},
            {"notes", r.notes}};
}

Expected<std::int64_t> lastStep(ExperimentStore& store, std::int64_t id) {
    auto loss = store.metrics(id, "train/loss");
    if (!loss) {
        return loss.error();
    }
    return loss->empty() ? 0 : loss->back().step;
}

} // namespace

int runRunsList(const RunsOptions& o) {
    auto store = openExisting(o.db);
    if (!store) {
        return fail(store.error());
    }
    auto runs = (*store)->runs();
    if (!runs) {
        return fail(runs.error());
    }
    if (o.json) {
        ordered_json all = ordered_json::array();
        for (const auto& r : *runs) {
            auto j = runJson(r);
            auto steps = lastStep(**store, r.id);
            j["steps"] = steps ? *steps : 0;
            all.push_back(j);
        }
        std::cout << all.dump() << std::endl;
        return kExitOk;
    }
    std::printf("%-5s %-24s %-10s %-21s %8s  %s\n", "ID", "NAME", "STATUS", "STARTED", "STEPS",
                "TAGS");
    for (const auto& r : *runs) {
        auto steps = lastStep(**store, r.id);
        std::printf("%-5lld %-24.24s %-10s %-21s %8lld  %s\n", (long long)r.id, r.name.c_str(),
                    r.status.c_str(), timeText(r.startedAt).c_str(),
                    (long long)(steps ? *steps : 0), tagsText(r.tags).c_str());
    }
    return kExitOk;
}

int runRunsShow(const RunsOptions& o) {
    auto store = openExisting(o.db);
    if (!store) {
        return fail(store.error());
    }
    const std::int64_t id = o.ids.front();
    auto r = (*store)->run(id);
    if (!r) {
        return fail(r.error());
    }
    auto params = (*store)->params(id);
    auto metrics = summarize(**store, id);
    auto artifacts = (*store)->artifacts(id);
    if (!params || !metrics || !artifacts) {
        return fail(!params ? params.error() : !metrics ? metrics.error() : artifacts.error());
    }
    if (o.json) {
        auto j = runJson(*r);
        ordered_json p = ordered_json::object(), m = ordered_json::object();
        for (const auto& [k, v] : *params) {
            p[k] = v;
        }
        for (const auto& [k, s] : *metrics) {
            m[k] = {{"final", s.final},
                    {"best", s.best},
                    {"best_step", s.bestStep},
                    {"count", s.count}};
        }
        ordered_json a = ordered_json::array();
        for (const auto& x : *artifacts) {
            a.push_back(
                {{"kind", x.kind}, {"path", x.path}, {"bytes", x.bytes}, {"sha256", x.sha256}});
        }
        j["params"] = p;
        j["metrics"] = m;
        j["artifacts"] = a;
        std::cout << j.dump() << std::endl;
        return kExitOk;
    }
    std::printf("run %lld: %s\n  status   %s\n  started  %s\n  ended    %s\n  seed     %llu\n"
                "  dataset  %s\n  device   %s on %s\n  graph    %s\n  tags     %s\n",
                (long long)r->id, r->name.c_str(), r->status.c_str(),
                timeText(r->startedAt).c_str(), timeText(r->endedAt).c_str(),
                (unsigned long long)r->seed, r->dataset.c_str(), r->device.c_str(), r->host.c_str(),
                r->graphHash.substr(0, 16).c_str(), tagsText(r->tags).c_str());
    std::printf("parameters:\n");
    for (const auto& [k, v] : *params) {
        std::printf("  %-40s %s\n", k.c_str(), v.c_str());
    }
    std::printf("metrics:%*s%14s %14s %10s\n", 33, "", "final", "best", "at step");
    for (const auto& [k, s] : *metrics) {
        std::printf("  %-39s %14.6g %14.6g %10lld\n", k.c_str(), s.final, s.best,
                    (long long)s.bestStep);
    }
    std::printf("artifacts:\n");
    for (const auto& x : *artifacts) {
        std::printf("  %-10s %s (%lld bytes, sha256 %s)\n", x.kind.c_str(), x.path.c_str(),
                    (long long)x.bytes, x.sha256.c_str());
    }
    return kExitOk;
}

int runRunsCompare(const RunsOptions& o) {
    auto store = openExisting(o.db);
    if (!store) {
        return fail(store.error());
    }
    std::vector<std::map<std::string, std::string>> params;
    std::vector<std::map<std::string, Summary>> metrics;
    std::set<std::string> keys, names;
    std::printf("%-36s", "");
    for (auto id : o.ids) {
        auto r = (*store)->run(id);
        if (!r) {
            return fail(r.error());
        }
        auto p = (*store)->params(id);
        auto m = summarize(**store, id);
        if (!p || !m) {
            return fail(!p ? p.error() : m.error());
        }
        params.emplace_back(p->begin(), p->end());
        metrics.push_back(*m);
        for (const auto& [k, v] : *p) {
            keys.insert(k);
        }
        for (const auto& [k, v] : *m) {
            names.insert(k);
        }
        std::printf(" %18s", ("run " + std::to_string(id)).c_str());
    }
    std::printf("\nhyper-parameters that differ:\n");
    int same = 0;
    for (const auto& k : keys) {
        std::set<std::string> values;
        for (const auto& p : params) {
            values.insert(p.count(k) ? p.at(k) : "-");
        }
        if (values.size() == 1) {
            ++same;
            continue;
        }
        std::printf("  %-34.34s", k.c_str());
        for (const auto& p : params) {
            std::printf(" %18.18s", p.count(k) ? p.at(k).c_str() : "-");
        }
        std::printf("\n");
    }
    std::printf("  (%d identical)\nmetrics (final / best):\n", same);
    for (const auto& n : names) {
        std::printf("  %-34.34s", n.c_str());
        for (const auto& m : metrics) {
            if (auto it = m.find(n); it != m.end()) {
                std::printf(" %8.4g / %-7.4g", it->second.final, it->second.best);
            } else {
                std::printf(" %18s", "-");
            }
        }
        std::printf("\n");
    }
    return kExitOk;
}

int runRunsExportCsv(const RunsOptions& o) {
    auto store = openExisting(o.db);
    if (!store) {
        return fail(store.error());
    }
    const std::int64_t id = o.ids.front();
    if (auto r = (*store)->run(id); !r) {
        return fail(r.error());
    }
    auto points = (*store)->metrics(id);
    if (!points) {
        return fail(points.error());
    }
    std::printf("run_id,name,step,epoch,value,wall_time\n");
    for (const auto& p : *points) {
        std::printf("%lld,%s,%lld,%lld,%.17g,%.6f\n", (long long)id, p.name.c_str(),
                    (long long)p.step, (long long)p.epoch, p.value, p.wallTime);
    }
    return kExitOk;
}

int runRunsTag(const RunsOptions& o) {
    auto store = openExisting(o.db);
    if (!store) {
        return fail(store.error());
    }
    if (o.tag.empty() || o.tag.find(',') != std::string::npos) {
        return fail(Error::user("tag '" + o.tag + "': a tag is non-empty and has no comma"));
    }
    if (auto s = (*store)->addTag(o.ids.front(), o.tag); !s) {
        return fail(s.error());
    }
    return kExitOk;
}

int runRunsDelete(const RunsOptions& o) {
    auto store = openExisting(o.db);
    if (!store) {
        return fail(store.error());
    }
    const std::int64_t id = o.ids.front();
    if (auto s = (*store)->deleteRun(id); !s) {
        return fail(s.error());
    }
    std::error_code ec;
    std::filesystem::remove_all(tracking::runDirectory((*store)->path(), id), ec);
    std::printf("deleted run %lld\n", (long long)id);
    return kExitOk;
}

} // namespace nw::cli
