// StoreMetrics: the counters the metrics layer (layers/metrics_layer.h)
// keeps for each kind of operation on a Store.
//
// Per operation (Op): how many calls, how many ended in each non-OK status
// code, the bytes that went in and came out, and a latency histogram
// (layers/latency_histogram.h). What "bytes in" and "bytes out" count is
// said per Op below; they are user bytes (keys and values as the caller
// passed or received them), not what a backend stores.
//
// Thread safety: Record and Read may run concurrently from any thread; every
// counter is a relaxed atomic (a Read is a set of recent values, not one
// instant). Cheap: a Record is a few relaxed adds on the operation's own
// cache lines, no lock, no allocation.
#ifndef SYNAPSED_LAYERS_STORE_METRICS_H_
#define SYNAPSED_LAYERS_STORE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "layers/latency_histogram.h"

namespace synapsed::storage::layers {

// In = bytes passed to the store, out = bytes it returned.
enum class Op {
  kGet,       // in: key; out: the value found
  kExists,    // in: key
  kPut,       // in: key + value
  kDelete,    // in: key
  kWrite,     // a WriteBatch (and BatchPut/BatchDelete); in: its keys + values
  kBatchGet,  // in: the keys; out: the values found
  kIterator,  // NewIterator (Scan too), a store's or a transaction's:
              // count and latency of the creation; errors: iterators
              // whose status() was an error when destroyed
  kIteratorSeek,  // SeekToFirst/Last, Seek, SeekForPrev; out: key + value
                  // landed on
  kIteratorNext,  // Next and Prev; out: key + value landed on
  kSnapshot,      // GetSnapshot
  kFlush,
  kCompactRange,
  kTxnBegin,
  kTxnGet,     // Get and GetForUpdate; in: key; out: the value found
  kTxnPut,     // in: key + value
  kTxnDelete,  // in: key
  kTxnCommit,  // errors: aborted is a conflict
  kTxnRollback,
};
inline constexpr size_t kNumOps = static_cast<size_t>(Op::kTxnRollback) + 1;

// "get", "batch_get", "txn_commit", ...: the `op` label.
std::string_view OpName(Op op);

// absl::StatusCode's values are 0..16 (absl/status/status.h).
inline constexpr size_t kNumStatusCodes = 17;
// "not_found", "aborted", ...: the `code` label (absl's names, lowercase).
std::string_view StatusCodeLabel(size_t code);

class StoreMetrics {
 public:
  struct OpCounters {
    uint64_t count = 0;
    std::array<uint64_t, kNumStatusCodes> errors{};  // [0] (ok) stays 0
    uint64_t bytes_in = 0;
    uint64_t bytes_out = 0;
    LatencyHistogram::Snapshot latency;
  };
  using Snapshot = std::array<OpCounters, kNumOps>;

  void Record(Op op, absl::StatusCode code, uint64_t bytes_in,
              uint64_t bytes_out, uint64_t nanos);
  // Counts an error of an operation already counted (an iterator's).
  void RecordError(Op op, absl::StatusCode code);
  Snapshot Read() const;

 private:
  struct alignas(64) PerOp {
    std::atomic<uint64_t> count{0};
    std::array<std::atomic<uint64_t>, kNumStatusCodes> errors{};
    std::atomic<uint64_t> bytes_in{0};
    std::atomic<uint64_t> bytes_out{0};
    LatencyHistogram latency;
  };
  std::array<PerOp, kNumOps> ops_;
};

}  // namespace synapsed::storage::layers

#endif  // SYNAPSED_LAYERS_STORE_METRICS_H_
