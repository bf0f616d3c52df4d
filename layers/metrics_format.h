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
// their output has no synapsed_engine_* series.
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
};

// {"store": ..., "operations": {"get": {"count", "errors": {code: n},
//  "bytes_in", "bytes_out", "latency_seconds": {"count", "sum", "p50",
//  "p99", "p999", "buckets": [{"le", "count"}...]}}, ...}, "engine": {...}}
// ("engine" is the store's stats.json object as it reported it.)
std::string MetricsToJson(const MetricsView& view);

// The Prometheus text format; ends with a newline.
std::string MetricsToPrometheus(const MetricsView& view);

}  // namespace synapsed::storage::layers

#endif  // SYNAPSED_LAYERS_METRICS_FORMAT_H_
