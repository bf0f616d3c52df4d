// Keys and values as db_bench makes them, so runs compare with db_bench's.
//
// Keys: the decimal number, zero-padded to key_size ("0000000000001234" for
// 16 bytes), as LevelDB's db_bench prints them; order-preserving, so fillseq
// writes in key order. (RocksDB's db_bench writes the number as 8 big-endian
// bytes then pads with '0'; the same order and size.)
//
// Values: slices of a 1 MiB buffer made of 100-byte pieces, each a random
// printable string of ratio*100 bytes repeated to fill the piece, so the
// values compress to about `compression_ratio`; consecutive values are
// consecutive slices. Not thread-safe: one generator per thread.
#ifndef SYNAPSED_BENCH_DB_BENCH_DATA_GEN_H_
#define SYNAPSED_BENCH_DB_BENCH_DATA_GEN_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "util/random.h"

namespace synapsed::storage::bench {

// Writes the key for `k` into `out` (resized to key_size).
void MakeKey(uint64_t k, int key_size, std::string* out);

class ValueGenerator {
 public:
  ValueGenerator(uint64_t seed, double compression_ratio);
  // The next `len` bytes (len <= 1 MiB); valid until the next call.
  std::string_view Next(size_t len);

 private:
  std::string data_;
  size_t pos_ = 0;
};

}  // namespace synapsed::storage::bench

#endif  // SYNAPSED_BENCH_DB_BENCH_DATA_GEN_H_
