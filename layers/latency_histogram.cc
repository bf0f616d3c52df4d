#include "layers/latency_histogram.h"

#include <algorithm>

namespace synapsed::storage::layers {

void LatencyHistogram::Record(uint64_t nanos) {
  // The first bound >= nanos: `le` is inclusive.
  const size_t i = static_cast<size_t>(
      std::lower_bound(kBoundsNanos.begin(), kBoundsNanos.end(), nanos) -
      kBoundsNanos.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(nanos, std::memory_order_relaxed);
}

LatencyHistogram::Snapshot LatencyHistogram::Read() const {
  Snapshot s;
  for (size_t i = 0; i < kBuckets; ++i) {
    s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    s.count += s.buckets[i];
  }
  s.sum_nanos = sum_nanos_.load(std::memory_order_relaxed);
  return s;
}

double LatencyHistogram::Snapshot::QuantileNanos(double q) const {
  if (count == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const double rank = q * static_cast<double>(count);
  uint64_t below = 0;  // records in the buckets before i
  for (size_t i = 0; i < kBuckets; ++i) {
    const uint64_t in = buckets[i];
    if (in > 0 && static_cast<double>(below + in) >= rank) {
      if (i == kBoundsNanos.size()) {
        return static_cast<double>(kBoundsNanos.back());  // overflow bucket
      }
      const double lower =
          i == 0 ? 0.0 : static_cast<double>(kBoundsNanos[i - 1]);
      const double upper = static_cast<double>(kBoundsNanos[i]);
      const double fraction =
          (rank - static_cast<double>(below)) / static_cast<double>(in);
      return lower + (upper - lower) * std::max(0.0, fraction);
    }
    below += in;
  }
  return static_cast<double>(kBoundsNanos.back());
}

}  // namespace synapsed::storage::layers
