#include "layers/store_metrics.h"

namespace synapsed::storage::layers {

std::string_view OpName(Op op) {
  static constexpr std::array<std::string_view, kNumOps> kNames = {
      "get",           "exists",      "put",      "delete",
      "write",         "batch_get",   "iterator", "iterator_seek",
      "iterator_next", "snapshot",    "flush",    "compact_range",
      "txn_begin",     "txn_get",     "txn_put",  "txn_delete",
      "txn_commit",    "txn_rollback"};
  return kNames[static_cast<size_t>(op)];
}

std::string_view StatusCodeLabel(size_t code) {
  static constexpr std::array<std::string_view, kNumStatusCodes> kLabels = {
      "ok",
      "cancelled",
      "unknown",
      "invalid_argument",
      "deadline_exceeded",
      "not_found",
      "already_exists",
      "permission_denied",
      "resource_exhausted",
      "failed_precondition",
      "aborted",
      "out_of_range",
      "unimplemented",
      "internal",
      "unavailable",
      "data_loss",
      "unauthenticated"};
  return code < kNumStatusCodes ? kLabels[code] : "unknown";
}

void StoreMetrics::RecordError(Op op, absl::StatusCode code) {
  if (code == absl::StatusCode::kOk) return;
  size_t c = static_cast<size_t>(code);
  if (c >= kNumStatusCodes) c = static_cast<size_t>(absl::StatusCode::kUnknown);
  ops_[static_cast<size_t>(op)].errors[c].fetch_add(1,
                                                    std::memory_order_relaxed);
}

void StoreMetrics::Record(Op op, absl::StatusCode code, uint64_t bytes_in,
                          uint64_t bytes_out, uint64_t nanos) {
  PerOp& o = ops_[static_cast<size_t>(op)];
  o.count.fetch_add(1, std::memory_order_relaxed);
  RecordError(op, code);
  if (bytes_in != 0) o.bytes_in.fetch_add(bytes_in, std::memory_order_relaxed);
  if (bytes_out != 0)
    o.bytes_out.fetch_add(bytes_out, std::memory_order_relaxed);
  o.latency.Record(nanos);
}

StoreMetrics::Snapshot StoreMetrics::Read() const {
  Snapshot s;
  for (size_t i = 0; i < kNumOps; ++i) {
    const PerOp& o = ops_[i];
    OpCounters& c = s[i];
    c.count = o.count.load(std::memory_order_relaxed);
    for (size_t e = 0; e < kNumStatusCodes; ++e) {
      c.errors[e] = o.errors[e].load(std::memory_order_relaxed);
    }
    c.bytes_in = o.bytes_in.load(std::memory_order_relaxed);
    c.bytes_out = o.bytes_out.load(std::memory_order_relaxed);
    c.latency = o.latency.Read();
  }
  return s;
}

}  // namespace synapsed::storage::layers
