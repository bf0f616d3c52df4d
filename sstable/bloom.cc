#include "sstable/bloom.h"

#include <algorithm>
#include <cmath>

#include "sstable/format.h"
#include "util/checksum.h"
#include "util/coding.h"

namespace synapsed::storage::sstable {

namespace {
constexpr size_t kLineBytes = 64;
constexpr size_t kTrailer = 5;  // num_probes + num_lines
// An odd 32-bit constant (2^32 / golden ratio): multiplying by it spreads
// the bits that the next probe takes from the top.
constexpr uint32_t kProbeMultiplier = 0x9e3779b9u;

inline uint32_t LineFor(uint64_t hash, uint32_t num_lines) {
  // Maps the high 32 bits onto [0, num_lines) without a division.
  return static_cast<uint32_t>(((hash >> 32) * uint64_t{num_lines}) >> 32);
}
}  // namespace

uint64_t FilterHash(std::string_view user_key) { return Hash64(user_key); }

int BloomProbesFor(int bits_per_key) {
  // ~0.6 * bits_per_key: below the ln2 optimum of a classic bloom because
  // probes confined to one line collide more.
  return std::clamp(static_cast<int>(std::lround(bits_per_key * 0.6)), 1, 24);
}

BloomFilterBuilder::BloomFilterBuilder(int bits_per_key)
    : bits_per_key_(std::max(1, bits_per_key)) {}

std::string BloomFilterBuilder::Finish() {
  const uint64_t bits = uint64_t{hashes_.size()} * bits_per_key_;
  const uint32_t num_lines =
      static_cast<uint32_t>((bits + kLineBytes * 8 - 1) / (kLineBytes * 8));
  const int probes = BloomProbesFor(bits_per_key_);
  std::string out(size_t{num_lines} * kLineBytes, '\0');
  if (num_lines > 0) {
    for (uint64_t h : hashes_) {
      char* line = out.data() + size_t{LineFor(h, num_lines)} * kLineBytes;
      uint32_t h2 = static_cast<uint32_t>(h);
      for (int i = 0; i < probes; ++i) {
        const uint32_t bit = h2 >> 23;  // 0..511
        line[bit >> 3] |= static_cast<char>(1 << (bit & 7));
        h2 *= kProbeMultiplier;
      }
    }
  }
  out.push_back(static_cast<char>(probes));
  PutFixed32(&out, num_lines);
  hashes_.clear();
  return out;
}

absl::StatusOr<std::unique_ptr<BloomFilter>> BloomFilter::Create(
    BlockBuffer contents, std::string_view file_name, uint64_t file_offset) {
  const size_t size = contents.size();
  if (size < kTrailer) {
    return CorruptionError(file_name, file_offset, "filter block too short");
  }
  const int probes = static_cast<uint8_t>(contents.data()[size - kTrailer]);
  const uint32_t num_lines = DecodeFixed32(contents.data() + size - 4);
  if (probes < 1 || probes > 24 ||
      uint64_t{num_lines} * kLineBytes != size - kTrailer) {
    return CorruptionError(file_name, file_offset, "bad filter block trailer");
  }
  return std::unique_ptr<BloomFilter>(
      new BloomFilter(std::move(contents), num_lines, probes));
}

void BloomFilter::Prefetch(uint64_t hash) const {
  if (num_lines_ == 0) return;
  __builtin_prefetch(contents_.data() + size_t{LineFor(hash, num_lines_)} * kLineBytes);
}

bool BloomFilter::MayMatch(uint64_t hash) const {
  if (num_lines_ == 0) return false;
  const uint8_t* line = reinterpret_cast<const uint8_t*>(contents_.data()) +
                        size_t{LineFor(hash, num_lines_)} * kLineBytes;
  uint32_t h2 = static_cast<uint32_t>(hash);
  for (int i = 0; i < num_probes_; ++i) {
    const uint32_t bit = h2 >> 23;
    if ((line[bit >> 3] & (1u << (bit & 7))) == 0) return false;
    h2 *= kProbeMultiplier;
  }
  return true;
}

}  // namespace synapsed::storage::sstable
