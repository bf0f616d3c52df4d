// KeyRegistry: the data keys of an encrypted native database, one per file,
// each wrapped (AES-256-GCM) under the master key, in the file KEYS of the
// database directory. Format: docs/format/encryption.md, "Key registry".
//
// Why a registry: every log, table and manifest is sealed under a data key
// of its own (crypto/file_cipher.h), made when the file is created. The
// files never change after they are written, so a master-key change
// re-wraps the data keys here and rewrites only this file.
//
// Durability: every change rewrites KEYS whole and atomically (KEYS.tmp,
// sync, rename, sync the directory) before it returns, so NewFile's key is
// durable before the caller writes a byte under it, and a crash at any step
// leaves either the old or the new registry (RotateMasterKey: one that the
// old or the new master key opens).
//
// A wrong master key is found in the header before any entry is unwrapped:
// the header names the master key's id and carries a GCM tag over itself
// that only that key produces. Keys never appear in an error or a log.
//
// Thread-safe: every method may be called from any thread (the engine's
// writer, flush and compaction threads all create files).
#ifndef SYNAPSED_ENGINE_KEY_REGISTRY_H_
#define SYNAPSED_ENGINE_KEY_REGISTRY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "crypto/aead.h"
#include "crypto/file_cipher.h"
#include "crypto/keyring.h"
#include "env/env.h"
#include "util/mutex.h"

namespace synapsed::storage::engine {

inline constexpr std::string_view kKeysName = "KEYS";
inline constexpr std::string_view kKeysTempName = "KEYS.tmp";

// What KEYS holds, as EncodeKeys writes it and DecodeKeys reads it:
// KeyRegistry keeps these behind its lock and does the file handling.
struct KeysEntry {
  crypto::FileKind kind;
  // The id of the master key current when the data key was made.
  std::string generation;
  std::shared_ptr<const crypto::SecureKey> key;
};
struct KeysContents {
  std::string master_id;  // the master key every data key is wrapped under
  std::map<uint64_t, KeysEntry> entries;  // by file number
};

// The bytes of KEYS for `entries` under `master`. Every nonce comes from
// `next_nonce`, called once for the check and then once per entry in
// ascending file number. KeyRegistry passes random ones (a fresh nonce for
// every seal is what keeps GCM sound); a test passes fixed ones to make a
// file it can compare byte for byte (tests/fuzz/seed_corpus_test.cc).
// Internal if a seal fails or `next_nonce`'s error.
[[nodiscard]] absl::StatusOr<std::string> EncodeKeys(
    const crypto::MasterKey& master,
    const std::map<uint64_t, KeysEntry>& entries,
    absl::FunctionRef<absl::StatusOr<crypto::Nonce>()> next_nonce);

// Reads the bytes of KEYS (`path` names it in errors), with the errors of
// KeyRegistry::Open below: the checksum first, then the master key
// (FailedPrecondition unless `keyring` holds the id the header names, and
// the key held under it produces the check tag), then each entry, whose
// data key must authenticate under that master key with its own file
// number, kind and generation (DataLoss otherwise). All or nothing: on any
// error no key is returned. Reads no file: what the fuzz target
// tests/fuzz/key_registry_fuzzer.cc calls.
[[nodiscard]] absl::StatusOr<KeysContents> DecodeKeys(
    std::string_view bytes, const crypto::Keyring& keyring,
    std::string_view path);

class KeyRegistry {
 public:
  // Makes the registry of a new database: empty, under the keyring's current
  // master key. AlreadyExists if `dir` has one.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<KeyRegistry>> Create(
      env::FileSystem* fs, std::string dir,
      std::shared_ptr<const crypto::Keyring> keyring);
  // Opens `dir`'s registry, checking the master key first:
  // FailedPrecondition naming the id the registry needs when the keyring
  // does not hold it, or when the key held under that id is not the one
  // that wrote it. DataLoss naming KEYS and an offset for a damaged file.
  // NotFound if there is none. Reads only.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<KeyRegistry>> Open(
      env::FileSystem* fs, std::string dir,
      std::shared_ptr<const crypto::Keyring> keyring);
  // Whether `dir` has a registry (is encrypted).
  [[nodiscard]] static absl::StatusOr<bool> Exists(env::FileSystem* fs,
                                                   const std::string& dir);

  // A new random data key for the file `number` of `kind`, recorded durably
  // before this returns. A number already recorded (a file number reused
  // after a crash) gets a new key: nothing is ever written twice under one.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const crypto::FileCipher>>
  NewFile(uint64_t number, crypto::FileKind kind);
  // The cipher of an existing file. DataLoss naming the file if the
  // registry holds no key for it, or holds one for another kind of file.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const crypto::FileCipher>>
  CipherFor(uint64_t number, crypto::FileKind kind) const;
  // Drops the keys of files that no longer exist; written with the next
  // change (a stale key is harmless meanwhile).
  void Forget(uint64_t number);

  // Re-wraps every data key under the keyring's current master key and
  // replaces KEYS. The data keys, and so the files, do not change.
  [[nodiscard]] absl::Status RotateMasterKey();
  // Rewrites KEYS under its master key if keys were forgotten since the
  // last write (so it lists only live files).
  [[nodiscard]] absl::Status Persist();

  // The id of the master key KEYS is wrapped under.
  std::string master_key_id() const;
  // Per generation (the id of the master key current when a data key was
  // made): the numbers of its files, ascending. For `synapsed keys status`.
  std::map<std::string, std::vector<uint64_t>> Generations() const;

 private:
  KeyRegistry(env::FileSystem* fs, std::string dir,
              std::shared_ptr<const crypto::Keyring> keyring)
      : fs_(fs), dir_(std::move(dir)), keyring_(std::move(keyring)) {}

  // Encodes the registry under `master` and replaces KEYS with it.
  absl::Status WriteLocked(const crypto::MasterKey& master)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  env::FileSystem* const fs_;
  const std::string dir_;
  const std::shared_ptr<const crypto::Keyring> keyring_;
  mutable Mutex mu_;
  std::string master_id_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, KeysEntry> entries_ ABSL_GUARDED_BY(mu_);
  bool forgotten_ ABSL_GUARDED_BY(mu_) = false;  // entries dropped, not yet written
};

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_KEY_REGISTRY_H_
