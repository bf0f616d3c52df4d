#include "layers/adaptive_codec.h"

#include <algorithm>
#include <limits>

namespace synapsed::storage::layers {

namespace {
// Weight of the newest value in the moving averages: 1/8 follows a change
// of data within a few probes but is not thrown by one odd value.
constexpr double kAlpha = 1.0 / 8;
}  // namespace

AdaptiveCodec::Codec AdaptiveCodec::Best() const {
  // `none` stores the raw value (ratio 1, ignoring the tag byte both pay
  // alike) and spends no time, so it wins whenever it is within the slack.
  double best_ratio = 1.0;
  for (int c = kLz4; c < kNumCodecs; ++c) {
    best_ratio = std::min(best_ratio, measures_[c].ratio);
  }
  const double limit = best_ratio * (1 + kRatioSlack);
  if (1.0 <= limit) return kNone;
  Codec pick = kNone;
  double pick_speed = std::numeric_limits<double>::infinity();
  for (int c = kLz4; c < kNumCodecs; ++c) {
    const Measure& m = measures_[c];
    if (m.ratio <= limit && m.nanos_per_byte < pick_speed) {
      pick = static_cast<Codec>(c);
      pick_speed = m.nanos_per_byte;
    }
  }
  return pick;
}

AdaptiveCodec::Codec AdaptiveCodec::Choose() {
  MutexLock l(&mu_);
  const uint64_t n = values_++;
  Codec c;
  if (!measures_[kZstd].seen) {
    c = kZstd;  // measure both codecs before choosing
  } else if (!measures_[kLz4].seen) {
    c = kLz4;
  } else {
    c = Best();
    if (n % kProbeInterval == 0) {
      // Probe the codec not chosen, alternating when none is chosen.
      const bool lz4_turn = (n / kProbeInterval) % 2 == 0;
      c = c == kLz4 ? kZstd : c == kZstd ? kLz4 : lz4_turn ? kLz4 : kZstd;
    }
  }
  ++counts_[c];
  return c;
}

void AdaptiveCodec::Record(Codec codec, uint64_t raw, uint64_t stored,
                           uint64_t nanos) {
  if (codec == kNone || raw == 0) return;
  const double ratio = static_cast<double>(stored) / static_cast<double>(raw);
  const double speed = static_cast<double>(nanos) / static_cast<double>(raw);
  MutexLock l(&mu_);
  Measure& m = measures_[codec];
  if (!m.seen) {
    m = Measure{true, ratio, speed};
    return;
  }
  m.ratio += (ratio - m.ratio) * kAlpha;
  m.nanos_per_byte += (speed - m.nanos_per_byte) * kAlpha;
}

std::array<uint64_t, AdaptiveCodec::kNumCodecs> AdaptiveCodec::counts() const {
  MutexLock l(&mu_);
  return counts_;
}

}  // namespace synapsed::storage::layers
