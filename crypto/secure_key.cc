#include "crypto/secure_key.h"

#include <openssl/crypto.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "crypto/random_bytes.h"
#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage::crypto {
namespace {

// Room for 1024 keys of 32 bytes; the arena is locked as a whole, so it is
// kept far below the usual 8 MiB RLIMIT_MEMLOCK.
constexpr size_t kSecureHeapBytes = 32 << 10;
constexpr size_t kSecureHeapMinAllocation = SecureKey::kSize;
// OpenSSL's random generators take their seed pools from the same heap, and
// once it is initialised a secure allocation that does not fit fails rather
// than falling back to malloc: RAND_bytes then fails ("malloc failure") in
// any thread whose generator is new or reseeding. Keys therefore use at most
// half of the heap and go to pages of their own past that.
constexpr size_t kKeysSecureHeapShare = kSecureHeapBytes / 2;

// Whether OpenSSL's secure heap is there and protected: set up once, by the
// program before us or here. CRYPTO_secure_malloc_init answers 2 when the
// heap works but could not be locked or excluded from dumps; we then drop
// it (nothing is allocated from it yet) and use pages of our own, whose
// protection we know exactly.
bool SecureHeapReady() {
  static const bool ready = [] {
    if (CRYPTO_secure_malloc_initialized()) return true;
    const int r =
        CRYPTO_secure_malloc_init(kSecureHeapBytes, kSecureHeapMinAllocation);
    if (r == 1) return true;
    if (r == 2) CRYPTO_secure_malloc_done();
    return false;
  }();
  return ready;
}

size_t PageSize() {
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

}  // namespace

absl::StatusOr<SecureKey> SecureKey::Allocate() {
  if (SecureHeapReady() && CRYPTO_secure_used() + kSize <= kKeysSecureHeapShare) {
    // Null when the heap is full: fall through to a page of our own.
    if (void* p = OPENSSL_secure_zalloc(kSize)) {
      return SecureKey(static_cast<uint8_t*>(p), Memory::kSecureHeap);
    }
  }
  void* page = ::mmap(nullptr, PageSize(), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) {
    return absl::ResourceExhaustedError(
        fmt::format("cannot map a page for a key: {}", std::strerror(errno)));
  }
  if (::madvise(page, PageSize(), MADV_DONTDUMP) != 0) {
    const int err = errno;
    ::munmap(page, PageSize());
    return absl::InternalError(
        fmt::format("cannot exclude a key's page from core dumps (madvise): {}",
                    std::strerror(err)));
  }
  const Memory memory = ::mlock(page, PageSize()) == 0 ? Memory::kLockedPage
                                                       : Memory::kUnlockedPage;
  return SecureKey(static_cast<uint8_t*>(page), memory);  // mmap zero-fills
}

absl::StatusOr<SecureKey> SecureKey::Random() {
  ASSIGN_OR_RETURN(SecureKey key, Allocate());
  RETURN_IF_ERROR(RandomBytes(key.mutable_bytes()));
  return key;
}

absl::StatusOr<SecureKey> SecureKey::FromHex(std::string_view hex) {
  if (hex.size() != 2 * kSize) {
    return absl::InvalidArgumentError(fmt::format(
        "a key is {} hex digits, not {} characters", 2 * kSize, hex.size()));
  }
  ASSIGN_OR_RETURN(SecureKey key, Allocate());
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < kSize; ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      // The position only: the text around it is key material.
      return absl::InvalidArgumentError(
          fmt::format("a key is {} hex digits; character {} is not one",
                      2 * kSize, hi < 0 ? 2 * i + 1 : 2 * i + 2));
    }
    key.data_[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return key;
}

SecureKey::SecureKey(SecureKey&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), memory_(other.memory_) {}

SecureKey& SecureKey::operator=(SecureKey&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = std::exchange(other.data_, nullptr);
    memory_ = other.memory_;
  }
  return *this;
}

SecureKey::~SecureKey() { Release(); }

void SecureKey::Release() {
  if (data_ == nullptr) return;
  if (memory_ == Memory::kSecureHeap) {
    OPENSSL_secure_clear_free(data_, kSize);  // wipes, then frees
  } else {
    OPENSSL_cleanse(data_, kSize);
    if (memory_ == Memory::kLockedPage) ::munlock(data_, PageSize());
    ::munmap(data_, PageSize());
  }
  data_ = nullptr;
}

bool SecureKey::SameBytes(const SecureKey& other) const {
  return CRYPTO_memcmp(data_, other.data_, kSize) == 0;
}

std::string_view MemoryName(SecureKey::Memory memory) {
  switch (memory) {
    case SecureKey::Memory::kSecureHeap:
      return "secure_heap";
    case SecureKey::Memory::kLockedPage:
      return "locked_page";
    case SecureKey::Memory::kUnlockedPage:
      break;
  }
  return "unlocked_page";
}

void Wipe(void* p, size_t n) { OPENSSL_cleanse(p, n); }

}  // namespace synapsed::storage::crypto
