#include "simsock/cli/seed_record.h"

#include <cstdlib>
#include <utility>
#include <vector>

#include "simsock/cli/json.h"

namespace simsock::cli {

namespace {

JsonValue CountsToJson(const std::map<std::string, uint64_t>& counts) {
  std::map<std::string, JsonValue> m;
  for (const auto& [k, v] : counts) m[k] = JsonValue::Uint(v);
  return JsonValue::Object(std::move(m));
}

std::map<std::string, uint64_t> CountsFromJson(const JsonValue& v) {
  std::map<std::string, uint64_t> out;
  for (const auto& [k, n] : v.AsObject()) out[k] = n.AsUint();
  return out;
}

JsonValue ViolationToJson(const experiment::Violation& v) {
  std::vector<JsonValue> lines;
  for (const std::string& l : v.last_trace)
    lines.push_back(JsonValue::String(l));
  return JsonValue::Object({
      {"invariant", JsonValue::String(v.invariant)},
      {"at_ns", JsonValue::Int(v.at.count())},
      {"message", JsonValue::String(v.message)},
      {"last_trace", JsonValue::Array(std::move(lines))},
  });
}

experiment::Violation ViolationFromJson(const JsonValue& j) {
  experiment::Violation v;
  v.invariant = j["invariant"].AsString();
  v.at = sim::Time(j["at_ns"].AsInt());
  v.message = j["message"].AsString();
  for (const JsonValue& l : j["last_trace"].AsArray()) {
    v.last_trace.push_back(l.AsString());
  }
  return v;
}

}  // namespace

std::string ToJsonLine(const SeedRecord& record) {
  const experiment::RunResult& r = record.result;
  const experiment::Summary& s = r.summary;
  std::vector<JsonValue> violations;
  for (const experiment::Violation& v : r.violations) {
    violations.push_back(ViolationToJson(v));
  }
  std::map<std::string, JsonValue> params;
  for (const auto& [k, v] : record.params) params[k] = JsonValue::String(v);
  return JsonValue::Object(
             {
                 {"scenario", JsonValue::String(r.scenario)},
                 {"seed", JsonValue::Uint(s.seed)},
                 {"ok", JsonValue::Bool(r.ok())},
                 {"faults", JsonValue::String(record.faults)},
                 {"params", JsonValue::Object(std::move(params))},
                 {"plan", JsonValue::String(r.plan)},
                 {"plan_error", JsonValue::String(r.plan_error)},
                 {"connections", JsonValue::Uint(s.connections)},
                 {"bytes", JsonValue::Uint(s.bytes)},
                 {"errors", CountsToJson(s.errors)},
                 {"faults_injected", JsonValue::Uint(s.faults_injected)},
                 {"virtual_ns", JsonValue::Int(s.virtual_time.count())},
                 {"wall_seconds", JsonValue::Double(s.wall_seconds)},
                 // A string: 64-bit hashes lose digits in tools that read
                 // JSON numbers as doubles (jq, JavaScript).
                 {"trace_hash",
                  JsonValue::String(std::to_string(s.trace_hash))},
                 {"counters", CountsToJson(s.counters)},
                 {"violations", JsonValue::Array(std::move(violations))},
             })
      .Write();
}

std::optional<SeedRecord> FromJsonLine(std::string_view line,
                                       std::string* error) {
  std::optional<JsonValue> j = ParseJson(line, error);
  if (!j) return std::nullopt;
  if (!j->is(JsonValue::Kind::kObject) ||
      !(*j)["seed"].is(JsonValue::Kind::kInt) ||
      !(*j)["scenario"].is(JsonValue::Kind::kString)) {
    if (error) *error = "not a simsock result (no scenario or seed)";
    return std::nullopt;
  }
  const JsonValue& o = *j;
  SeedRecord rec;
  experiment::RunResult& r = rec.result;
  experiment::Summary& s = r.summary;
  r.scenario = o["scenario"].AsString();
  s.seed = o["seed"].AsUint();
  rec.faults = o["faults"].AsString();
  for (const auto& [k, v] : o["params"].AsObject())
    rec.params[k] = v.AsString();
  r.plan = o["plan"].AsString();
  r.plan_error = o["plan_error"].AsString();
  s.connections = o["connections"].AsUint();
  s.bytes = o["bytes"].AsUint();
  s.errors = CountsFromJson(o["errors"]);
  s.faults_injected = o["faults_injected"].AsUint();
  s.virtual_time = sim::Duration(o["virtual_ns"].AsInt());
  s.wall_seconds = o["wall_seconds"].AsDouble();
  s.trace_hash = std::strtoull(o["trace_hash"].AsString().c_str(), nullptr, 10);
  s.counters = CountsFromJson(o["counters"]);
  for (const JsonValue& v : o["violations"].AsArray()) {
    r.violations.push_back(ViolationFromJson(v));
  }
  return rec;
}

}  // namespace simsock::cli
