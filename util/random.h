// A small, fast, seedable PRNG (SplitMix64 seeding a xoshiro256**) for tests,
// benchmarks and skiplist heights. Not thread-safe: one per thread.
#ifndef SYNAPSED_UTIL_RANDOM_H_
#define SYNAPSED_UTIL_RANDOM_H_

#include <cstdint>
#include <string>

namespace synapsed::storage {

class Random {
 public:
  explicit Random(uint64_t seed) {
    for (auto& s : s_) s = SplitMix(seed);
  }
  uint64_t Next64() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n); n > 0.
  uint64_t Uniform(uint64_t n) { return Next64() % n; }
  bool OneIn(uint64_t n) { return Uniform(n) == 0; }
  // A string of `len` random bytes (or printable characters).
  std::string Bytes(size_t len, bool printable = false) {
    std::string s(len, '\0');
    for (auto& c : s) {
      c = printable ? static_cast<char>(' ' + Uniform(95))
                    : static_cast<char>(Next64());
    }
    return s;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_UTIL_RANDOM_H_
