// FileCipher: seals and opens the units of one encrypted engine file — a
// table block, a log or manifest record — under that file's own data key.
// Spec: docs/format/encryption.md, "Native engine file encryption".
//
//   nonce := offset (fixed64, little-endian) | 00 00 00 00
//   AD    := "SYNF" | format version (u8, 1) | file kind (u8) | unit kind (u8)
//            | codec (u8) | file number (fixed64) | offset (fixed64)
//
// `offset` is where the unit starts in its file. A file is written once,
// front to back, under a data key made for it alone (the engine never
// appends to a file it did not create in this process, and a new file gets
// a new random key), so an offset, and with it a nonce, is never used twice
// under one key. The associated data binds each unit to its place: a unit
// copied to another offset, another file, or read as another kind of unit
// fails to open.
//
// Thread-safe. Each call borrows a keyed AeadContext from the cipher's own
// pool (as many as calls have run at once), so a file's key is expanded
// once per concurrent user rather than once per unit; the expanded keys
// live as long as the cipher (see AeadContext).
#ifndef SYNAPSED_CRYPTO_FILE_CIPHER_H_
#define SYNAPSED_CRYPTO_FILE_CIPHER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "crypto/aead.h"
#include "crypto/secure_key.h"
#include "util/mutex.h"

namespace synapsed::storage::crypto {

// On disk (in the associated data and the key registry): never renumber.
enum class FileKind : uint8_t { kLog = 1, kTable = 2, kManifest = 3 };

// What a sealed unit is. On disk (in the associated data): never renumber.
enum class UnitKind : uint8_t {
  kRecord = 1,      // a log or manifest record
  kDataBlock = 2,
  kIndexBlock = 3,
  kFilterBlock = 4,
  kPropertiesBlock = 5,
  kMetaIndexBlock = 6,
  kRecordRun = 7,   // several log records sealed as one (a buffered log's)
};

class FileCipher {
 public:
  // Bytes a sealed unit adds to its plaintext (the GCM tag).
  static constexpr size_t kOverhead = kTagSize;
  static constexpr uint8_t kFormatVersion = 1;

  FileCipher(std::shared_ptr<const SecureKey> data_key, uint64_t file_number,
             FileKind kind)
      : key_(std::move(data_key)), file_number_(file_number), kind_(kind) {}
  ~FileCipher();
  FileCipher(const FileCipher&) = delete;
  FileCipher& operator=(const FileCipher&) = delete;

  uint64_t file_number() const { return file_number_; }
  FileKind kind() const { return kind_; }

  // Appends the sealed form of `plaintext` (kOverhead bytes longer) to
  // `*out`. `codec` is the unit's compression type byte (0 where there is
  // none), authenticated with it.
  [[nodiscard]] absl::Status Seal(uint64_t offset, UnitKind unit, uint8_t codec,
                                  std::string_view plaintext,
                                  std::string* out) const;
  // Appends the plaintext to `*out`. Unauthenticated (and `*out` as it was)
  // if the bytes, the place or the key differ from the sealing; callers
  // report it as DataLoss naming the file and offset.
  [[nodiscard]] absl::Status Open(uint64_t offset, UnitKind unit, uint8_t codec,
                                  std::string_view sealed,
                                  std::string* out) const;

  // Open on the `size` sealed bytes at `data`, where they are: on success
  // the first size - kOverhead bytes are the plaintext; on failure all are
  // wiped.
  [[nodiscard]] absl::Status OpenInPlace(uint64_t offset, UnitKind unit, uint8_t codec,
                                         char* data, size_t size) const;

  // Seals the units of one writer with a context of its own, so a caller
  // that seals one small unit after another (a log writer, per record) pays
  // neither the pool's lock nor a context's cold start per unit. Not
  // thread-safe; must not outlive the cipher.
  class Sealer {
   public:
    explicit Sealer(const FileCipher& cipher)
        : cipher_(cipher), context_(*cipher.key_) {}
    // As FileCipher::Seal.
    [[nodiscard]] absl::Status Seal(uint64_t offset, UnitKind unit, uint8_t codec,
                                    std::string_view plaintext, std::string* out);

   private:
    const FileCipher& cipher_;
    AeadContext context_;
  };

  // The nonce and associated data of a unit (for tests and the spec's
  // worked example).
  static Nonce NonceFor(uint64_t offset);
  std::string AssociatedData(uint64_t offset, UnitKind unit,
                             uint8_t codec) const;

 private:
  std::unique_ptr<AeadContext> TakeContext() const;
  void ReturnContext(std::unique_ptr<AeadContext> context) const;
  // Runs `call` with a pooled context and the unit's nonce and associated
  // data.
  absl::Status WithContext(
      uint64_t offset, UnitKind unit, uint8_t codec,
      absl::FunctionRef<absl::Status(AeadContext&, const Nonce&, std::string_view)> call)
      const;

  std::shared_ptr<const SecureKey> key_;
  uint64_t file_number_;
  FileKind kind_;
  mutable Mutex pool_mu_;
  mutable std::vector<std::unique_ptr<AeadContext>> pool_ ABSL_GUARDED_BY(pool_mu_);
};

// For the nonce audit in tests: `observer` sees the data key and the nonce
// of every unit FileCipher seals, in any thread, until it is replaced (null
// stops it). Costs one relaxed atomic load per seal when unset.
using SealObserver = std::function<void(const SecureKey& key, const Nonce& nonce)>;
void SetSealObserverForTesting(SealObserver observer);

}  // namespace synapsed::storage::crypto

#endif  // SYNAPSED_CRYPTO_FILE_CIPHER_H_
