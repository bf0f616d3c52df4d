#include "util/checksum.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace synapsed::storage {

uint64_t Hash64(std::string_view data, uint64_t seed) {
  return XXH3_64bits_withSeed(data.data(), data.size(), seed);
}

uint64_t TypedChecksum64(std::string_view payload, uint8_t type) {
  XXH3_state_t state;
  XXH3_64bits_reset(&state);
  XXH3_64bits_update(&state, payload.data(), payload.size());
  XXH3_64bits_update(&state, &type, 1);
  return XXH3_64bits_digest(&state);
}

uint32_t TypedChecksum32(std::string_view payload, uint8_t type) {
  return static_cast<uint32_t>(TypedChecksum64(payload, type));
}

}  // namespace synapsed::storage
