#include "bench/db_bench/histogram.h"

#include <algorithm>
#include <bit>

#include "fmt/format.h"

namespace synapsed::storage::bench {

// Values below 2^kSubBits get a bucket each; above, bucket = (exponent,
// top kSubBits bits after the leading one).
int Histogram::BucketOf(uint64_t v) {
  if (v < (1u << kSubBits)) return static_cast<int>(v);
  const int msb = 63 - std::countl_zero(v);
  const int shift = msb - kSubBits;
  const uint64_t sub = (v >> shift) & ((1u << kSubBits) - 1);
  return ((shift + 1) << kSubBits) + static_cast<int>(sub);
}

uint64_t Histogram::BucketLow(int b) {
  if (b < (1 << kSubBits)) return static_cast<uint64_t>(b);
  const int shift = (b >> kSubBits) - 1;
  const uint64_t sub = static_cast<uint64_t>(b & ((1 << kSubBits) - 1));
  return ((uint64_t{1} << kSubBits) | sub) << shift;
}

void Histogram::Add(uint64_t nanos) {
  ++buckets_[BucketOf(nanos)];
  ++count_;
  sum_ += nanos;
  min_ = std::min(min_, nanos);
  max_ = std::max(max_, nanos);
}

void Histogram::Merge(const Histogram& other) {
  for (int i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

double Histogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  const double threshold = count_ * (p / 100.0);
  double cumulative = 0;
  for (int b = 0; b < kBuckets; ++b) {
    if (buckets_[b] == 0) continue;
    const double next = cumulative + buckets_[b];
    if (next >= threshold) {
      const double low = static_cast<double>(BucketLow(b));
      const double high = b + 1 < kBuckets ? static_cast<double>(BucketLow(b + 1)) : low;
      const double pos = (threshold - cumulative) / buckets_[b];
      const double v = low + (high - low) * pos;
      return std::clamp(v, static_cast<double>(min()), static_cast<double>(max_));
    }
    cumulative = next;
  }
  return static_cast<double>(max_);
}

std::string Histogram::ToString() const {
  std::string out = fmt::format(
      "Count: {}  Average: {:.1f} ns  Min: {} ns  Max: {} ns\n"
      "Percentiles (us): P50: {:.2f} P75: {:.2f} P99: {:.2f} P99.9: {:.2f} P99.99: {:.2f}\n",
      count_, Mean(), min(), max_, Percentile(50) / 1e3, Percentile(75) / 1e3,
      Percentile(99) / 1e3, Percentile(99.9) / 1e3, Percentile(99.99) / 1e3);
  out += "------------------------------------------------------\n";
  double cumulative = 0;
  for (int b = 0; b < kBuckets; ++b) {
    if (buckets_[b] == 0) continue;
    cumulative += buckets_[b];
    out += fmt::format("[ {:>10} ns, {:>10} ns ) {:>10} {:>7.3f}% {:>8.3f}%\n", BucketLow(b),
                       b + 1 < kBuckets ? BucketLow(b + 1) : BucketLow(b), buckets_[b],
                       100.0 * buckets_[b] / count_, 100.0 * cumulative / count_);
  }
  return out;
}

}  // namespace synapsed::storage::bench
