// SecureKey: 256 bits of key material in memory that is locked (never
// swapped out), excluded from core dumps, and wiped when the key is
// destroyed.
//
// Where the bytes live (memory()):
//   kSecureHeap     OpenSSL's secure heap (OPENSSL_secure_malloc): locked,
//                   MADV_DONTDUMP, guard pages around it. The first key
//                   initialises the heap (CRYPTO_secure_malloc_init) unless
//                   the program already did. Keys take at most half of it
//                   (OpenSSL's random generators need the rest); if it
//                   cannot be set up and protected, or that half is full,
//                   a key falls back to
//   kLockedPage     a page of its own, mlock()ed and madvise(MADV_DONTDUMP),
//   kUnlockedPage   or, where mlock() is refused (RLIMIT_MEMLOCK), the same
//                   page excluded from core dumps but swappable. Reported,
//                   not refused: a store that cannot lock memory still
//                   works, and says so (layers/encryption_layer.h).
//
// A key is never printed: there is no operator<< and no formatter, and
// GoogleTest's printer shows "SecureKey(redacted)". It is move-only, so
// the bytes are never duplicated by accident.
//
// Thread safety: distinct keys may be used from any threads; one key may be
// read (bytes()) from many threads at once once filled.
#ifndef SYNAPSED_CRYPTO_SECURE_KEY_H_
#define SYNAPSED_CRYPTO_SECURE_KEY_H_

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <string_view>

#include "absl/status/statusor.h"

namespace synapsed::storage::crypto {

class SecureKey {
 public:
  static constexpr size_t kSize = 32;

  enum class Memory { kSecureHeap, kLockedPage, kUnlockedPage };

  // A key of zero bytes, to be filled through mutable_bytes().
  [[nodiscard]] static absl::StatusOr<SecureKey> Allocate();
  // A fresh key from OpenSSL's CSPRNG (RAND_bytes).
  [[nodiscard]] static absl::StatusOr<SecureKey> Random();
  // A key from 64 hex digits (either case). The error never repeats the
  // digits.
  [[nodiscard]] static absl::StatusOr<SecureKey> FromHex(std::string_view hex);

  SecureKey(SecureKey&& other) noexcept;
  SecureKey& operator=(SecureKey&& other) noexcept;
  SecureKey(const SecureKey&) = delete;
  SecureKey& operator=(const SecureKey&) = delete;
  ~SecureKey();

  std::span<const uint8_t, kSize> bytes() const {
    return std::span<const uint8_t, kSize>(data_, kSize);
  }
  std::span<uint8_t, kSize> mutable_bytes() {
    return std::span<uint8_t, kSize>(data_, kSize);
  }
  Memory memory() const { return memory_; }

  // Constant-time comparison of the key bytes.
  bool SameBytes(const SecureKey& other) const;

  // What GoogleTest prints for a key: never its bytes.
  friend void PrintTo(const SecureKey&, std::ostream* os) {
    *os << "SecureKey(redacted)";
  }

 private:
  SecureKey(uint8_t* data, Memory memory) : data_(data), memory_(memory) {}
  void Release();

  uint8_t* data_;  // kSize bytes; null only after a move
  Memory memory_;
};

std::string_view MemoryName(SecureKey::Memory memory);

// Overwrites `n` bytes at `p` with zeros in a way the compiler cannot drop
// (OPENSSL_cleanse): for key bytes that passed through ordinary memory.
void Wipe(void* p, size_t n);

}  // namespace synapsed::storage::crypto

#endif  // SYNAPSED_CRYPTO_SECURE_KEY_H_
