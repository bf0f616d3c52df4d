// The whole-table bloom filter over user keys, with cache-line-local probing:
// every key maps to one 64-byte line and sets/tests all its probe bits there,
// so a negative lookup touches a single cache line (Putze, Sanders, Singler,
// "Cache-, Hash- and Space-Efficient Bloom Filters"). Format in
// docs/format/sstable.md, "Filter block":
//
//   filter := line[num_lines] (64 bytes each) | num_probes (u8)
//             | num_lines (fixed32)
//
// A key is hashed once with XXH3-64 (FilterHash); the high 32 bits pick the
// line, the low 32 bits drive the probes (each probe takes the top 9 bits,
// then multiplies by an odd constant). The engine can hash a user key once
// and probe every table's filter with the same hash.
//
// BloomFilterBuilder: one thread. BloomFilter: immutable, any thread.
#ifndef SYNAPSED_SSTABLE_BLOOM_H_
#define SYNAPSED_SSTABLE_BLOOM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "cache/cache.h"
#include "sstable/block_io.h"

namespace synapsed::storage::sstable {

// The filter hash of a user key.
uint64_t FilterHash(std::string_view user_key);

// Probes per key for a given budget (6 at 10 bits per key).
int BloomProbesFor(int bits_per_key);

class BloomFilterBuilder {
 public:
  // REQUIRES: bits_per_key >= 1.
  explicit BloomFilterBuilder(int bits_per_key);

  // Adds a user key; consecutive duplicates (versions of one key) are
  // added once.
  void AddKey(std::string_view user_key) { AddHash(FilterHash(user_key)); }
  void AddHash(uint64_t hash) {
    if (hashes_.empty() || hashes_.back() != hash) hashes_.push_back(hash);
  }
  size_t num_keys() const { return hashes_.size(); }
  // The filter block contents.
  std::string Finish();

 private:
  int bits_per_key_;
  std::vector<uint64_t> hashes_;
};

class BloomFilter final : public cache::CacheValue {
 public:
  // Validates the trailer and size; DataLoss naming the file and offset.
  static absl::StatusOr<std::unique_ptr<BloomFilter>> Create(
      BlockBuffer contents, std::string_view file_name, uint64_t file_offset);

  // False only if no key with this hash was added.
  bool MayMatch(uint64_t hash) const;
  // Starts loading the cache line MayMatch(hash) reads, so that a batch of
  // lookups waits for its filter misses together rather than in turn.
  void Prefetch(uint64_t hash) const;
  size_t size() const { return contents_.size(); }
  uint32_t num_lines() const { return num_lines_; }
  int num_probes() const { return num_probes_; }

 private:
  BloomFilter(BlockBuffer contents, uint32_t num_lines, int num_probes)
      : contents_(std::move(contents)),
        num_lines_(num_lines),
        num_probes_(num_probes) {}

  BlockBuffer contents_;
  uint32_t num_lines_;
  int num_probes_;
};

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_BLOOM_H_
