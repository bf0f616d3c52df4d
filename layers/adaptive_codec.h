// AdaptiveCodec: the compression layer's "adaptive" algorithm. For each value
// it picks none, LZ4 or Zstandard from what recent values measured: the
// stored size over the raw size (the ratio) and the compression time per
// raw byte (the speed) of each codec, as moving averages.
//
// The rule is space first, speed to break near-ties: among the codecs whose
// ratio is within kRatioSlack of the smallest, take the fastest. So random
// bytes (every ratio ~1, none costs nothing) are stored raw without running
// a codec; text where Zstandard is clearly smaller gets Zstandard; data where
// LZ4 comes within the slack gets LZ4. `none` needs no measuring (ratio 1,
// no time); LZ4 and Zstandard are re-measured by probes: one value in
// kProbeInterval is encoded with the codec not chosen (alternating between
// the two), and its result is stored like any other, so a probe costs at
// most one worse-coded value and finds out when the data changes.
//
// The choice is recorded in each value's codec tag
// (docs/format/compression_layer.md), so every value stays readable whatever
// the layer chooses later, and whatever the configuration is next time.
//
// Thread-safe: the measurements are shared by all writers under a mutex held
// only to choose and to record, never while compressing.
#ifndef SYNAPSED_LAYERS_ADAPTIVE_CODEC_H_
#define SYNAPSED_LAYERS_ADAPTIVE_CODEC_H_

#include <array>
#include <cstdint>

#include "util/mutex.h"

namespace synapsed::storage::layers {

class AdaptiveCodec {
 public:
  // Codecs it chooses among; also the indexes of counts().
  enum Codec : int { kNone = 0, kLz4 = 1, kZstd = 2 };
  static constexpr int kNumCodecs = 3;
  // A codec whose ratio is within 3% of the best one's counts as as small:
  // 3% keeps the adaptive output within 5% of the best fixed codec with room
  // for probes, and is wide enough that LZ4 wins where Zstandard barely
  // helps.
  static constexpr double kRatioSlack = 0.03;
  static constexpr int kProbeInterval = 32;

  // The codec for the next value.
  Codec Choose();
  // What encoding one value with `codec` measured: `stored` bytes (the raw
  // size plus a tag when the codec did not shrink it) for `raw` input bytes
  // in `nanos`. REQUIRES: raw > 0.
  void Record(Codec codec, uint64_t raw, uint64_t stored, uint64_t nanos);

  // Values chosen per codec so far (probes included).
  std::array<uint64_t, kNumCodecs> counts() const;

 private:
  struct Measure {
    bool seen = false;
    double ratio = 1.0;         // stored / raw
    double nanos_per_byte = 0;  // compression time
  };
  Codec Best() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable Mutex mu_;
  std::array<Measure, kNumCodecs> measures_ ABSL_GUARDED_BY(mu_);
  std::array<uint64_t, kNumCodecs> counts_ ABSL_GUARDED_BY(mu_){};
  uint64_t values_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace synapsed::storage::layers

#endif  // SYNAPSED_LAYERS_ADAPTIVE_CODEC_H_
