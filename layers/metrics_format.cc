#include "layers/metrics_format.h"

#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"

namespace synapsed::storage::layers {
namespace {

using json = nlohmann::json;

constexpr double kNanosPerSecond = 1e9;

// One series of an engine family: its label (empty: none), where its value
// is in stats.json, and the factor to the metric's unit.
struct EngineSeries {
  const char* label;
  const char* pointer;
  double scale;
};
struct EngineFamily {
  const char* name;
  const char* type;
  const char* help;
  std::vector<EngineSeries> series;
};

// The engine's stats.json fields (engine/db_background.cc) as metrics.
const std::vector<EngineFamily>& EngineFamilies() {
  static const auto* families = new std::vector<EngineFamily>{
      {"synapsed_engine_memtables",
       "gauge",
       "Memtables in memory: the mutable one and immutable ones not yet "
       "flushed.",
       {{"", "/memtables", 1}}},
      {"synapsed_engine_memtable_bytes",
       "gauge",
       "Approximate memory of the memtables.",
       {{"", "/memtable_bytes", 1}}},
      {"synapsed_engine_memtable_entries",
       "gauge",
       "Entries in the memtables.",
       {{"", "/memtable_entries", 1}}},
      {"synapsed_engine_snapshots",
       "gauge",
       "Live snapshots.",
       {{"", "/snapshots", 1}}},
      {"synapsed_engine_last_sequence",
       "gauge",
       "The last sequence number written.",
       {{"", "/last_sequence", 1}}},
      {"synapsed_engine_flushes_total",
       "counter",
       "Memtable flushes.",
       {{"", "/flushes", 1}}},
      {"synapsed_engine_compactions_total",
       "counter",
       "Compactions run.",
       {{"", "/compactions", 1}}},
      {"synapsed_engine_trivial_moves_total",
       "counter",
       "Compactions that moved a file down a level without rewriting it.",
       {{"", "/trivial_moves", 1}}},
      {"synapsed_engine_user_written_bytes_total",
       "counter",
       "Bytes of write batches the engine accepted, as encoded (write "
       "amplification's "
       "denominator).",
       {{"", "/user_bytes_written", 1}}},
      {"synapsed_engine_table_written_bytes_total",
       "counter",
       "Bytes of tables written by flushes and compactions.",
       {{"", "/table_bytes_written", 1}}},
      {"synapsed_engine_write_amplification",
       "gauge",
       "Table bytes written per user byte written.",
       {{"", "/write_amplification", 1}}},
      {"synapsed_engine_live_table_bytes",
       "gauge",
       "Bytes of the live tables.",
       {{"", "/live_table_bytes", 1}}},
      {"synapsed_engine_live_tables",
       "gauge",
       "Live table files.",
       {{"", "/live_tables", 1}}},
      {"synapsed_engine_base_level",
       "gauge",
       "The level L0 compacts into.",
       {{"", "/base_level", 1}}},
      {"synapsed_engine_pending_compaction_bytes",
       "gauge",
       "Estimated bytes compaction must still rewrite to bring every level "
       "within its target.",
       {{"", "/pending_compaction_bytes", 1}}},
      {"synapsed_engine_stalls_total",
       "counter",
       "Write stalls, by cause.",
       {{"cause=\"slowdown\"", "/stalls/slowdowns", 1},
        {"cause=\"stop\"", "/stalls/stops", 1},
        {"cause=\"memtable\"", "/stalls/memtable_waits", 1}}},
      {"synapsed_engine_stall_seconds_total",
       "counter",
       "Time writes spent stalled, by cause.",
       {{"cause=\"slowdown\"", "/stalls/slowdown_micros", 1e-6},
        {"cause=\"stop\"", "/stalls/stop_micros", 1e-6},
        {"cause=\"memtable\"", "/stalls/memtable_wait_micros", 1e-6}}},
      {"synapsed_engine_block_cache_capacity_bytes",
       "gauge",
       "Block cache capacity.",
       {{"", "/block_cache/capacity", 1}}},
      {"synapsed_engine_block_cache_usage_bytes",
       "gauge",
       "Block cache usage.",
       {{"", "/block_cache/usage", 1}}},
      {"synapsed_engine_block_cache_hits_total",
       "counter",
       "Block cache hits.",
       {{"", "/block_cache/hits", 1}}},
      {"synapsed_engine_block_cache_misses_total",
       "counter",
       "Block cache misses.",
       {{"", "/block_cache/misses", 1}}},
  };
  return *families;
}

// The per-level fields of stats.json's "levels" entries.
struct LevelFamily {
  const char* name;
  const char* type;
  const char* help;
  const char* field;
  double scale;
};
constexpr LevelFamily kLevelFamilies[] = {
    {"synapsed_engine_level_files", "gauge", "Table files per level.", "files",
     1},
    {"synapsed_engine_level_bytes", "gauge", "Bytes of tables per level.",
     "bytes", 1},
    {"synapsed_engine_level_score", "gauge",
     "Compaction score per level (>= 1: needs compaction).", "score", 1},
    {"synapsed_engine_level_compactions_total", "counter",
     "Compactions into each level.", "compactions", 1},
    {"synapsed_engine_level_read_bytes_total", "counter",
     "Bytes read by compactions, per level.", "bytes_read", 1},
    {"synapsed_engine_level_written_bytes_total", "counter",
     "Bytes written by flushes and compactions, per level.", "bytes_written",
     1},
    {"synapsed_engine_level_compaction_seconds_total", "counter",
     "Time spent compacting, per level.", "seconds", 1},
};

// A JSON number in the metric's unit: integers stay exact.
std::optional<std::string> NumberText(const json& v, double scale) {
  if (!v.is_number()) return std::nullopt;
  if (scale == 1 && v.is_number_unsigned())
    return fmt::format("{}", v.get<uint64_t>());
  if (scale == 1 && v.is_number_integer())
    return fmt::format("{}", v.get<int64_t>());
  return fmt::format("{}", v.get<double>() * scale);
}

// Prometheus label values escape backslash, quote and newline.
std::string EscapeLabel(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

template <typename... Args>
void Append(std::string* out, fmt::format_string<Args...> format,
            Args&&... args) {
  fmt::format_to(std::back_inserter(*out), format, std::forward<Args>(args)...);
}

void Header(std::string* out, std::string_view name, std::string_view type,
            std::string_view help) {
  fmt::format_to(std::back_inserter(*out), "# HELP {} {}\n# TYPE {} {}\n", name,
                 help, name, type);
}

std::string LeText(size_t bucket) {
  if (bucket == LatencyHistogram::kBoundsNanos.size()) return "+Inf";
  return fmt::format(
      "{}", static_cast<double>(LatencyHistogram::kBoundsNanos[bucket]) /
                kNanosPerSecond);
}

void EngineToPrometheus(const json& engine, std::string* out) {
  for (const EngineFamily& f : EngineFamilies()) {
    std::vector<std::pair<const char*, std::string>> samples;
    for (const EngineSeries& s : f.series) {
      const json::json_pointer p(s.pointer);
      if (!engine.contains(p)) continue;
      if (auto text = NumberText(engine.at(p), s.scale))
        samples.emplace_back(s.label, *text);
    }
    if (samples.empty()) continue;
    Header(out, f.name, f.type, f.help);
    for (const auto& [label, text] : samples) {
      if (*label == '\0') {
        fmt::format_to(std::back_inserter(*out), "{} {}\n", f.name, text);
      } else {
        fmt::format_to(std::back_inserter(*out), "{}{{{}}} {}\n", f.name, label,
                       text);
      }
    }
  }
  if (engine.contains("background_error") &&
      engine["background_error"].is_string()) {
    Header(out, "synapsed_engine_background_error", "gauge",
           "1 if a background flush or compaction failed (writes then fail).");
    fmt::format_to(std::back_inserter(*out),
                   "synapsed_engine_background_error {}\n",
                   engine["background_error"] == "none" ? 0 : 1);
  }
  if (!engine.contains("levels") || !engine["levels"].is_array()) return;
  for (const LevelFamily& f : kLevelFamilies) {
    std::string lines;
    for (const json& level : engine["levels"]) {
      if (!level.is_object() || !level.contains("level") ||
          !level.contains(f.field))
        continue;
      auto id = NumberText(level["level"], 1);
      auto text = NumberText(level[f.field], f.scale);
      if (!id || !text) continue;
      fmt::format_to(std::back_inserter(lines), "{}{{level=\"{}\"}} {}\n",
                     f.name, *id, *text);
    }
    if (lines.empty()) continue;
    Header(out, f.name, f.type, f.help);
    *out += lines;
  }
}

// The engine's statistics, if the text is a JSON object.
std::optional<json> ParseEngine(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

// The cache layer's "policy=arc max_entries=N entries=N hits=N ..." as a
// JSON object (numbers where the value is one).
std::optional<json> ParseCacheStats(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  json j = json::object();
  for (absl::string_view field :
       absl::StrSplit(*text, ' ', absl::SkipEmpty())) {
    const size_t eq = field.find('=');
    if (eq == absl::string_view::npos) return std::nullopt;
    const std::string name(field.substr(0, eq));
    const std::string value(field.substr(eq + 1));
    uint64_t n;
    if (absl::SimpleAtoi(value, &n)) {
      j[name] = n;
    } else {
      j[name] = value;
    }
  }
  return j;
}

// The value cache layer's counters (layers/cache_layer.h, "cache.stats").
void CacheToPrometheus(const json& cache, std::string* out) {
  static constexpr struct {
    const char* field;
    const char* name;
    const char* type;
    const char* help;
  } kCacheMetrics[] = {
      {"max_entries", "synapsed_value_cache_max_entries", "gauge",
       "Values the value cache layer may hold."},
      {"entries", "synapsed_value_cache_entries", "gauge",
       "Values the value cache holds."},
      {"hits", "synapsed_value_cache_hits_total", "counter",
       "Gets served by the value cache."},
      {"misses", "synapsed_value_cache_misses_total", "counter",
       "Cacheable gets the value cache missed (expired ones included)."},
      {"expired", "synapsed_value_cache_expired_total", "counter",
       "Value cache hits past their TTL (counted as misses)."},
      {"fills", "synapsed_value_cache_fills_total", "counter",
       "Values put in the value cache."},
      {"invalidations", "synapsed_value_cache_invalidations_total", "counter",
       "Keys erased from the value cache by writes."},
  };
  for (const auto& m : kCacheMetrics) {
    if (!cache.contains(m.field) || !cache[m.field].is_number_unsigned())
      continue;
    Header(out, m.name, m.type, m.help);
    Append(out, "{} {}\n", m.name, cache[m.field].get<uint64_t>());
  }
}

}  // namespace

std::string MetricsToJson(const MetricsView& view) {
  json ops = json::object();
  for (size_t i = 0; i < kNumOps; ++i) {
    const StoreMetrics::OpCounters& c = (*view.ops)[i];
    json errors = json::object();
    for (size_t code = 1; code < kNumStatusCodes; ++code) {
      if (c.errors[code] != 0)
        errors[std::string(StatusCodeLabel(code))] = c.errors[code];
    }
    json buckets = json::array();
    uint64_t cumulative = 0;
    for (size_t b = 0; b < LatencyHistogram::kBuckets; ++b) {
      cumulative += c.latency.buckets[b];
      buckets.push_back({{"le", LeText(b)}, {"count", cumulative}});
    }
    ops[std::string(OpName(static_cast<Op>(i)))] = {
        {"count", c.count},
        {"errors", errors},
        {"bytes_in", c.bytes_in},
        {"bytes_out", c.bytes_out},
        {"latency_seconds",
         {{"count", c.latency.count},
          {"sum", static_cast<double>(c.latency.sum_nanos) / kNanosPerSecond},
          {"p50", c.latency.QuantileNanos(0.5) / kNanosPerSecond},
          {"p99", c.latency.QuantileNanos(0.99) / kNanosPerSecond},
          {"p999", c.latency.QuantileNanos(0.999) / kNanosPerSecond},
          {"buckets", buckets}}}};
  }
  json j = {{"store", std::string(view.store_name)}, {"operations", ops}};
  if (auto engine = ParseEngine(view.engine_json)) j["engine"] = *engine;
  if (auto cache = ParseCacheStats(view.cache_stats)) j["value_cache"] = *cache;
  return j.dump();
}

std::string MetricsToPrometheus(const MetricsView& view) {
  std::string out;
  Header(&out, "synapsed_store_info", "gauge",
         "The layer stack and backend, as a label.");
  Append(&out, "synapsed_store_info{{store=\"{}\"}} 1\n",
         EscapeLabel(view.store_name));

  Header(&out, "synapsed_operations_total", "counter",
         "Operations on the store, by kind (op), failed ones included.");
  for (size_t i = 0; i < kNumOps; ++i) {
    Append(&out, "synapsed_operations_total{{op=\"{}\"}} {}\n",
           OpName(static_cast<Op>(i)), (*view.ops)[i].count);
  }
  Header(&out, "synapsed_operation_errors_total", "counter",
         "Operations that returned a non-OK status, by kind and status code "
         "(not_found on a get is a miss).");
  for (size_t i = 0; i < kNumOps; ++i) {
    const auto& errors = (*view.ops)[i].errors;
    for (size_t code = 1; code < kNumStatusCodes; ++code) {
      if (errors[code] == 0) continue;
      Append(&out,
             "synapsed_operation_errors_total{{op=\"{}\",code=\"{}\"}} {}\n",
             OpName(static_cast<Op>(i)), StatusCodeLabel(code), errors[code]);
    }
  }
  Header(&out, "synapsed_operation_input_bytes_total", "counter",
         "User bytes passed to the store (keys, and values written).");
  for (size_t i = 0; i < kNumOps; ++i) {
    Append(&out, "synapsed_operation_input_bytes_total{{op=\"{}\"}} {}\n",
           OpName(static_cast<Op>(i)), (*view.ops)[i].bytes_in);
  }
  Header(
      &out, "synapsed_operation_output_bytes_total", "counter",
      "User bytes the store returned (values read; keys and values iterated).");
  for (size_t i = 0; i < kNumOps; ++i) {
    Append(&out, "synapsed_operation_output_bytes_total{{op=\"{}\"}} {}\n",
           OpName(static_cast<Op>(i)), (*view.ops)[i].bytes_out);
  }
  Header(&out, "synapsed_operation_duration_seconds", "histogram",
         "Latency of operations through the metrics layer, by kind.");
  for (size_t i = 0; i < kNumOps; ++i) {
    const std::string_view op = OpName(static_cast<Op>(i));
    const LatencyHistogram::Snapshot& h = (*view.ops)[i].latency;
    uint64_t cumulative = 0;
    for (size_t b = 0; b < LatencyHistogram::kBuckets; ++b) {
      cumulative += h.buckets[b];
      Append(&out,
             "synapsed_operation_duration_seconds_bucket{{op=\"{}\",le=\"{}\"}}"
             " {}\n",
             op, LeText(b), cumulative);
    }
    Append(&out, "synapsed_operation_duration_seconds_sum{{op=\"{}\"}} {}\n",
           op, static_cast<double>(h.sum_nanos) / kNanosPerSecond);
    Append(&out, "synapsed_operation_duration_seconds_count{{op=\"{}\"}} {}\n",
           op, h.count);
  }
  if (auto cache = ParseCacheStats(view.cache_stats)) {
    CacheToPrometheus(*cache, &out);
  }
  if (auto engine = ParseEngine(view.engine_json)) {
    EngineToPrometheus(*engine, &out);
  }
  return out;
}

}  // namespace synapsed::storage::layers
