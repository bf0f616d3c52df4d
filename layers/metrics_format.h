// Renders the metrics layer's numbers (layers/store_metrics.h) and a
// store's own statistics as JSON and as the Prometheus text exposition
// format (version 0.0.4: `# HELP` and `# TYPE` lines, then one sample per
// line, histograms as cumulative `_bucket{le=...}`, `_sum` and `_count`).
//
// Names are `synapsed_*` with the unit in the name (`_seconds`, `_bytes`)
// and counters ending in `_total`, as Prometheus's naming guide asks.
//
// The engine's numbers come from the native engine's GetProperty
// ("stats.json") (engine/db_background.cc, DBImpl::GetProperty): the fields
// it reports are renamed and typed here; fields it does not report are
// left out, never made up. Other backends report no JSON statistics, so
// their output has no synapsed_engine_* series. Likewise the value cache
// layer's counters (synapsed_value_cache_*) appear when the stack has one.
//
// Pure functions; thread-compatible.
#ifndef SYNAPSED_LAYERS_METRICS_FORMAT_H_
#define SYNAPSED_LAYERS_METRICS_FORMAT_H_

#include <optional>
#include <string>
#include <string_view>

#include "layers/store_metrics.h"

namespace synapsed::storage::layers {

struct MetricsView {
  std::string_view store_name;             // Store::Name() of the stack
  const StoreMetrics::Snapshot* ops;       // never null
  std::optional<std::string> engine_json;  // the inner stats.json, if any
  // The value cache layer's GetProperty("cache.stats") line
  // (layers/cache_layer.h), if the stack has one.
  std::optional<std::string> cache_stats;
};

// {"store": ..., "operations": {"get": {"count", "errors": {code: n},
//  "bytes_in", "bytes_out", "latency_seconds": {"count", "sum", "p50",
//  "p99", "p999", "buckets": [{"le", "count"}...]}}, ...}, "engine": {...}}
// ("engine" is the store's stats.json object as it reported it;
// "value_cache" the cache layer's counters, {"policy": "arc", "hits": n, ...}.)
std::string MetricsToJson(const MetricsView& view);

// The Prometheus text format; ends with a newline.
std::string MetricsToPrometheus(const MetricsView& view);

}  // namespace synapsed::storage::layers

#endif  // SYNAPSED_LAYERS_METRICS_FORMAT_H_
