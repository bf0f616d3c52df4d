// LatencyHistogram: a fixed-bucket histogram of operation latencies, cheap
// enough to record on every call of a Store, and shaped for Prometheus.
//
// The bucket bounds are fixed for every histogram (kBoundsNanos): 1, 2, 5
// steps per decade from 1 microsecond to 10 seconds, plus an overflow bucket
// (Prometheus's le="+Inf"). Fixed bounds mean every histogram of every
// process has the same `le` labels, so Prometheus can aggregate them, and a
// record is one binary search and two relaxed atomic adds: no lock, no
// allocation.
//
// Quantiles are estimated from the buckets, as Prometheus's
// histogram_quantile() does: the bucket holding the rank, linearly
// interpolated between its bounds (the first bucket starts at 0; a rank in
// the overflow bucket answers the largest finite bound). The error is at
// most the width of that bucket.
//
// Thread safety: Record and the readers may run concurrently from any
// thread. A Snapshot taken while others record is not one instant (each
// counter is read once, relaxed), so its count may differ from the sum of
// its buckets by records in flight; Snapshot() makes `count` the sum of the
// buckets it read, so a snapshot is always self-consistent.
#ifndef SYNAPSED_LAYERS_LATENCY_HISTOGRAM_H_
#define SYNAPSED_LAYERS_LATENCY_HISTOGRAM_H_

#include <array>
#include <atomic>
#include <cstdint>

namespace synapsed::storage::layers {

class LatencyHistogram {
 public:
  // Upper bounds (inclusive, as Prometheus's `le`) of the finite buckets.
  static constexpr std::array<uint64_t, 22> kBoundsNanos = {
      1'000,         2'000,         5'000,       10'000,        20'000,
      50'000,        100'000,       200'000,     500'000,       1'000'000,
      2'000'000,     5'000'000,     10'000'000,  20'000'000,    50'000'000,
      100'000'000,   200'000'000,   500'000'000, 1'000'000'000, 2'000'000'000,
      5'000'000'000, 10'000'000'000};
  // The finite buckets and the overflow one.
  static constexpr size_t kBuckets = kBoundsNanos.size() + 1;

  struct Snapshot {
    std::array<uint64_t, kBuckets> buckets{};  // per bucket, not cumulative
    uint64_t count = 0;                        // the sum of `buckets`
    uint64_t sum_nanos = 0;
    // The latency at quantile q in [0, 1], in nanoseconds (0 if empty).
    double QuantileNanos(double q) const;
  };

  void Record(uint64_t nanos);
  Snapshot Read() const;

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> sum_nanos_{0};
};

}  // namespace synapsed::storage::layers

#endif  // SYNAPSED_LAYERS_LATENCY_HISTOGRAM_H_
