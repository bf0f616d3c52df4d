// A latency histogram with nanosecond input and ~1.6% relative bucket width
// (log-linear: 64 sub-buckets per power of two), for per-op latencies.
// Percentiles interpolate within a bucket. Not thread-safe: one per thread,
// merged at the end.
#ifndef SYNAPSED_BENCH_DB_BENCH_HISTOGRAM_H_
#define SYNAPSED_BENCH_DB_BENCH_HISTOGRAM_H_

#include <array>
#include <cstdint>
#include <string>

namespace synapsed::storage::bench {

class Histogram {
 public:
  void Add(uint64_t nanos);
  void Merge(const Histogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double Mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0; }
  // The p-th percentile (0 < p <= 100) in nanoseconds.
  double Percentile(double p) const;
  // db_bench-style text: count, mean, percentiles and the non-empty buckets.
  std::string ToString() const;

 private:
  static constexpr int kSubBits = 6;  // 64 sub-buckets per power of two
  static constexpr int kBuckets = (64 - kSubBits + 1) << kSubBits;
  static int BucketOf(uint64_t v);
  static uint64_t BucketLow(int b);

  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0, sum_ = 0, min_ = UINT64_MAX, max_ = 0;
};

}  // namespace synapsed::storage::bench

#endif  // SYNAPSED_BENCH_DB_BENCH_HISTOGRAM_H_
