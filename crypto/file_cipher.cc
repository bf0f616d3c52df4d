#include "crypto/file_cipher.h"

#include <array>
#include <atomic>
#include <cstring>

#include "util/coding.h"
#include "util/mutex.h"

namespace synapsed::storage::crypto {
namespace {

std::atomic<bool> g_observed{false};
Mutex g_observer_mu;
SealObserver* g_observer ABSL_GUARDED_BY(g_observer_mu) = nullptr;

// Contexts a cipher keeps between calls; more than this many calls at once
// make and free their own.
constexpr size_t kMaxPooledContexts = 8;

// "SYNF" | version | file kind | unit kind | codec | file number | offset.
using UnitAd = std::array<char, 4 + 4 + 8 + 8>;

UnitAd MakeAd(FileKind kind, uint64_t file_number, uint64_t offset,
              UnitKind unit, uint8_t codec) {
  UnitAd ad;
  std::memcpy(ad.data(), "SYNF", 4);
  ad[4] = static_cast<char>(FileCipher::kFormatVersion);
  ad[5] = static_cast<char>(kind);
  ad[6] = static_cast<char>(unit);
  ad[7] = static_cast<char>(codec);
  EncodeFixed64(ad.data() + 8, file_number);
  EncodeFixed64(ad.data() + 16, offset);
  return ad;
}

std::string_view View(const UnitAd& ad) { return {ad.data(), ad.size()}; }

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

FileCipher::~FileCipher() = default;

std::string FileCipher::AssociatedData(uint64_t offset, UnitKind unit,
                                       uint8_t codec) const {
  return std::string(View(MakeAd(kind_, file_number_, offset, unit, codec)));
}

std::unique_ptr<AeadContext> FileCipher::TakeContext() const {
  {
    MutexLock l(&pool_mu_);
    if (!pool_.empty()) {
      std::unique_ptr<AeadContext> context = std::move(pool_.back());
      pool_.pop_back();
      return context;
    }
  }
  return std::make_unique<AeadContext>(*key_);
}

void FileCipher::ReturnContext(std::unique_ptr<AeadContext> context) const {
  MutexLock l(&pool_mu_);
  if (pool_.size() < kMaxPooledContexts) pool_.push_back(std::move(context));
}

absl::Status FileCipher::WithContext(
    uint64_t offset, UnitKind unit, uint8_t codec,
    absl::FunctionRef<absl::Status(AeadContext&, const Nonce&, std::string_view)> call)
    const {
  std::unique_ptr<AeadContext> context = TakeContext();
  const UnitAd ad = MakeAd(kind_, file_number_, offset, unit, codec);
  absl::Status s = call(*context, NonceFor(offset), View(ad));
  ReturnContext(std::move(context));
  return s;
}

absl::Status FileCipher::Seal(uint64_t offset, UnitKind unit, uint8_t codec,
                              std::string_view plaintext,
                              std::string* out) const {
  Observe(*key_, NonceFor(offset));
  return WithContext(offset, unit, codec,
                     [&](AeadContext& c, const Nonce& nonce, std::string_view ad) {
                       return c.Seal(nonce, ad, plaintext, out);
                     });
}

absl::Status FileCipher::Sealer::Seal(uint64_t offset, UnitKind unit, uint8_t codec,
                                      std::string_view plaintext, std::string* out) {
  Observe(*cipher_.key_, NonceFor(offset));
  const UnitAd ad =
      MakeAd(cipher_.kind_, cipher_.file_number_, offset, unit, codec);
  return context_.Seal(NonceFor(offset), View(ad), plaintext, out);
}

absl::Status FileCipher::Open(uint64_t offset, UnitKind unit, uint8_t codec,
                              std::string_view sealed, std::string* out) const {
  return WithContext(offset, unit, codec,
                     [&](AeadContext& c, const Nonce& nonce, std::string_view ad) {
                       return c.Open(nonce, ad, sealed, out);
                     });
}

absl::Status FileCipher::OpenInPlace(uint64_t offset, UnitKind unit, uint8_t codec,
                                     char* data, size_t size) const {
  return WithContext(offset, unit, codec,
                     [&](AeadContext& c, const Nonce& nonce, std::string_view ad) {
                       return c.OpenInPlace(nonce, ad, data, size);
                     });
}

}  // namespace synapsed::storage::crypto
