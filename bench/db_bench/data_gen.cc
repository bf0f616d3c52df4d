#include "bench/db_bench/data_gen.h"

#include <algorithm>

namespace synapsed::storage::bench {

void MakeKey(uint64_t k, int key_size, std::string* out) {
  out->assign(static_cast<size_t>(key_size), '0');
  for (int i = key_size - 1; i >= 0 && k > 0; --i) {
    (*out)[i] = static_cast<char>('0' + k % 10);
    k /= 10;
  }
}

ValueGenerator::ValueGenerator(uint64_t seed, double compression_ratio) {
  Random rnd(seed);
  constexpr size_t kSize = 1 << 20;
  constexpr size_t kPiece = 100;
  const size_t raw = std::max<size_t>(1, static_cast<size_t>(kPiece * compression_ratio));
  data_.reserve(kSize + kPiece);
  while (data_.size() < kSize) {
    std::string unique = rnd.Bytes(raw, /*printable=*/true);
    std::string piece;
    while (piece.size() < kPiece) piece += unique;
    data_.append(piece, 0, kPiece);
  }
}

std::string_view ValueGenerator::Next(size_t len) {
  if (pos_ + len > data_.size()) pos_ = 0;
  std::string_view v(data_.data() + pos_, len);
  pos_ += len;
  return v;
}

}  // namespace synapsed::storage::bench
