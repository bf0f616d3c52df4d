// The hash slot of a key, as Redis Cluster computes it, so that cluster
// clients (`redis-cli -c`, `redis-benchmark --cluster`, client libraries)
// route to the node that serves it by themselves:
//
//   slot = CRC16(key) mod 16384
//
// where CRC16 is CRC-16/XMODEM (polynomial 0x1021, initial value 0, no
// reflection, no final xor; its check value, of "123456789", is 0x31C3).
// If the key holds a hash tag — a '{' followed, later, by a '}' with at
// least one byte between them — only the bytes between the first '{' and
// the first '}' after it are hashed, so "{user1000}.following" and
// "{user1000}.followers" share a slot. An empty tag ("{}") does not count:
// the whole key is hashed.
#ifndef SYNAPSED_BACKENDS_HASH_SLOT_H_
#define SYNAPSED_BACKENDS_HASH_SLOT_H_

#include <cstdint>
#include <string_view>

namespace synapsed::storage {

inline constexpr uint16_t kHashSlots = 16384;

// CRC-16/XMODEM of `bytes`.
uint16_t Crc16Xmodem(std::string_view bytes);

// The part of `key` that is hashed: its hash tag, or the whole key.
std::string_view HashTag(std::string_view key);

// The key's slot, 0..kHashSlots-1.
uint16_t KeyHashSlot(std::string_view key);

}  // namespace synapsed::storage

#endif  // SYNAPSED_BACKENDS_HASH_SLOT_H_
