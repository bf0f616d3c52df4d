// The metrics layer (the seed's metrics collector): a Store decorator that
// counts and times every operation that goes through it, on any backend.
//
// Per kind of operation (layers/store_metrics.h lists them and what their
// bytes count): calls, non-OK results by status code, user bytes in and
// out, and a latency histogram (layers/latency_histogram.h; p50, p99 and
// p99.9 estimated from fixed buckets). Transactions and iterators handed
// out by the layer are wrapped, so their operations are counted too.
// Everything else (properties it does not answer) is forwarded unchanged:
// the layer changes no result.
//
// Properties:
//   "metrics"             JSON (layers/metrics_format.h, MetricsToJson)
//   "metrics.prometheus"  the Prometheus text exposition format
// Both include the inner store's own numbers when it reports them as JSON
// through GetProperty("stats.json") (the native engine does: levels,
// flushes, compactions, stalls by cause, block cache hits and misses,
// memtable bytes, write amplification) and MetricsConfig::engine_stats is
// on. Reading them takes the engine's statistics lock once per call. The
// value cache layer's counters ("cache.stats", layers/cache_layer.h) are
// included when the stack below has one.
//
// Where it sits (docs/layers.md): outermost below access control, so it
// times the whole stack (a cache hit is a fast get) and sees every allowed
// operation of every principal.
//
// Thread safety: as every Store, fully thread-safe. Recording costs two
// steady_clock reads and a few relaxed atomic adds per operation.
#ifndef SYNAPSED_LAYERS_METRICS_LAYER_H_
#define SYNAPSED_LAYERS_METRICS_LAYER_H_

#include <memory>

#include "synapsed/storage/config.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::layers {

// Wraps `base` in the metrics layer.
std::unique_ptr<Store> NewMetricsLayer(std::unique_ptr<Store> base,
                                       const MetricsConfig& config);

}  // namespace synapsed::storage::layers

#endif  // SYNAPSED_LAYERS_METRICS_LAYER_H_
