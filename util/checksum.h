// XXH3 checksums for blocks and log records (docs/format/*.md).
//
// A stored checksum always covers a one-byte type tag and the payload, so a
// block whose type byte flipped fails verification too. Pure; any thread.
#ifndef SYNAPSED_UTIL_CHECKSUM_H_
#define SYNAPSED_UTIL_CHECKSUM_H_

#include <cstdint>
#include <string_view>

namespace synapsed::storage {

// XXH3-64 of `data`.
uint64_t Hash64(std::string_view data, uint64_t seed = 0);

// XXH3-64 over `payload` followed by the byte `type`, truncated to 32 bits.
// Computed incrementally; `payload` need not be followed by `type` in memory.
uint32_t TypedChecksum32(std::string_view payload, uint8_t type);
uint64_t TypedChecksum64(std::string_view payload, uint8_t type);

}  // namespace synapsed::storage

#endif  // SYNAPSED_UTIL_CHECKSUM_H_
