// Reproducible seeds for randomized tests: SYNAPSED_SEED=<n> in the
// environment overrides the default, and every test prints the seed it used.
#ifndef SYNAPSED_UTIL_TEST_SEED_H_
#define SYNAPSED_UTIL_TEST_SEED_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace synapsed::storage::testing {

inline uint64_t TestSeed() {
  static const uint64_t seed = [] {
    if (const char* s = std::getenv("SYNAPSED_SEED")) {
      return static_cast<uint64_t>(std::strtoull(s, nullptr, 10));
    }
    return static_cast<uint64_t>(std::random_device{}());
  }();
  std::fprintf(stderr, "[seed] SYNAPSED_SEED=%llu\n",
               static_cast<unsigned long long>(seed));
  return seed;
}

}  // namespace synapsed::storage::testing

#endif  // SYNAPSED_UTIL_TEST_SEED_H_
