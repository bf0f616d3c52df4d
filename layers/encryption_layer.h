// The encryption layer: a Store decorator that seals every value in an
// integrity envelope (layers/value_envelope.h, docs/format/encryption.md)
// over a backend that does not encrypt its files (memory, rocksdb, sqlite,
// leveldb, or the embedder's own), forwarding all four capabilities.
//
// What it protects: the values. Each is encrypted and authenticated with
// AES-256-GCM under the current master key, with a fresh random 96-bit
// nonce, and bound to its key; a value that was altered, cut, or moved to
// another key is DataLoss("integrity check failed for key ...") on every
// read path (Get, BatchGet, iterators, transactions) and is never returned.
// An iterator that meets one stops there with that status.
//
// What it does not protect, by design:
// - Keys are stored in clear, so that the backend can order them: ranges,
//   prefixes and seeks work unchanged. Do not put secrets in keys.
// - Value lengths show (a value grows by EnvelopeOverhead).
// - Which keys exist, and their deletion: Exists is answered by the
//   backend without opening the value, and a key removed from the backend
//   is simply absent.
// - Replay: an older value of the same key, sealed under a key the store
//   still holds (from this store or another with the same master key),
//   opens as if current.
// - Writes made to the backend directly, not through the layer.
//
// A store must always be opened with the layer: values written without it
// (before encryption was turned on, say) do not open through it (DataLoss),
// so encrypting an existing store means copying its pairs through the layer
// into a new one.
//
// Nonces are random, so one master key should seal at most 2^32 values
// (NIST SP 800-38D, 8.3) before the next rotation.
//
// Rotation: the layer reads values sealed under any key of its keyring and
// seals new ones under the current key. Adding a newer key to the keyring
// (keyring().Add, or a key file with a new last line at the next open)
// switches writes to it at once. Reseal() then rewrites every value sealed
// under another key, durably, after which the older keys are no longer
// needed to read the store. (Their old ciphertexts may linger in the
// backend's files until it compacts them: CompactRange after Reseal.)
//
// Values are limited to kMaxValueSize minus the envelope (InvalidArgument
// beyond), so that the sealed value fits the backend's limit.
//
// Thread-safe, as the inner store is. Reseal may run concurrently with any
// other call: it rewrites in chunks while writes through the layer wait
// (each chunk is a few hundred values). A transaction that wrote a key a
// chunk rewrote after the transaction began fails to commit with Aborted,
// as with any concurrent writer.
#ifndef SYNAPSED_LAYERS_ENCRYPTION_LAYER_H_
#define SYNAPSED_LAYERS_ENCRYPTION_LAYER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "crypto/keyring.h"
#include "synapsed/storage/encryption.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::layers {

// What Reseal did.
struct ResealStats {
  uint64_t values_scanned = 0;
  // Values rewritten under the current key, in all and by the id of the key
  // they were sealed under.
  uint64_t values_resealed = 0;
  std::map<std::string, uint64_t> resealed_by_key_id;
  // The current key's id when Reseal returned.
  std::string current_key_id;
};

class EncryptionLayer : public Store {
 public:
  // Rewrites every value sealed under a key other than the current one
  // under the current one, then flushes the inner store so that the
  // rewrites are durable. A value that fails to open stops it with that
  // error (DataLoss naming the key, or FailedPrecondition naming a key id
  // the keyring lacks), with what was rewritten so far kept; running it
  // again resumes the work.
  [[nodiscard]] virtual absl::StatusOr<ResealStats> Reseal() = 0;

  // The keys the layer holds; Add a key to rotate.
  virtual crypto::Keyring& keyring() = 0;
};

// Wraps `inner`, with the keys `config` names (crypto::LoadKeyring: one
// source among key_file, key_env and provider). GetProperty
// ("encryption.keys") answers "current=ID keys=ID,ID,... memory=KIND", KIND
// being where the weakest-held key lives (crypto/secure_key.h:
// secure_heap, locked_page, unlocked_page); other properties go to `inner`.
[[nodiscard]] absl::StatusOr<std::unique_ptr<EncryptionLayer>>
NewEncryptionLayer(std::unique_ptr<Store> inner,
                   const EncryptionConfig& config);

// Wraps `inner` with `keyring`, which must hold a key.
[[nodiscard]] absl::StatusOr<std::unique_ptr<EncryptionLayer>>
NewEncryptionLayer(std::unique_ptr<Store> inner,
                   std::shared_ptr<crypto::Keyring> keyring);

}  // namespace synapsed::storage::layers

#endif  // SYNAPSED_LAYERS_ENCRYPTION_LAYER_H_
