#include "crypto/file_cipher.h"

#include <atomic>

#include "util/coding.h"
#include "util/mutex.h"

namespace synapsed::storage::crypto {
namespace {

std::atomic<bool> g_observed{false};
Mutex g_observer_mu;
SealObserver* g_observer ABSL_GUARDED_BY(g_observer_mu) = nullptr;

void Observe(const SecureKey& key, const Nonce& nonce) {
  if (!g_observed.load(std::memory_order_relaxed)) return;
  MutexLock l(&g_observer_mu);
  if (g_observer != nullptr) (*g_observer)(key, nonce);
}

}  // namespace

void SetSealObserverForTesting(SealObserver observer) {
  MutexLock l(&g_observer_mu);
  delete g_observer;
  g_observer = observer ? new SealObserver(std::move(observer)) : nullptr;
  g_observed.store(g_observer != nullptr, std::memory_order_relaxed);
}

Nonce FileCipher::NonceFor(uint64_t offset) {
  Nonce nonce{};
  for (size_t i = 0; i < 8; ++i) {
    nonce[i] = static_cast<uint8_t>(offset >> (8 * i));
  }
  return nonce;  // bytes 8..11 stay zero
}

std::string FileCipher::AssociatedData(uint64_t offset, UnitKind unit,
                                       uint8_t codec) const {
  std::string ad = "SYNF";
  ad.push_back(static_cast<char>(kFormatVersion));
  ad.push_back(static_cast<char>(kind_));
  ad.push_back(static_cast<char>(unit));
  ad.push_back(static_cast<char>(codec));
  PutFixed64(&ad, file_number_);
  PutFixed64(&ad, offset);
  return ad;
}

absl::Status FileCipher::Seal(uint64_t offset, UnitKind unit, uint8_t codec,
                              std::string_view plaintext,
                              std::string* out) const {
  const Nonce nonce = NonceFor(offset);
  Observe(*key_, nonce);
  return AeadSeal(*key_, nonce, AssociatedData(offset, unit, codec), plaintext, out);
}

absl::Status FileCipher::Open(uint64_t offset, UnitKind unit, uint8_t codec,
                              std::string_view sealed, std::string* out) const {
  return AeadOpen(*key_, NonceFor(offset), AssociatedData(offset, unit, codec),
                  sealed, out);
}

}  // namespace synapsed::storage::crypto
