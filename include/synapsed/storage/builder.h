// StorageBuilder: opens the configured backend and stacks layers on it.
//
//   SYNAPSED_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
//                             StorageBuilder(StorageConfig::Native("/tmp/db"))
//                                 .WithCache(CacheConfig{})
//                                 .Build());
//
// Layers are applied innermost first: encryption, then compression, then
// cache (values are compressed before they are sealed, and the cache holds
// plain values), then access control outermost (WithAccessControl: every
// operation is checked before any layer sees it, and the ACL's own keys are
// sealed, compressed and cached like any other). The metrics layer
// (WithMetrics) sits just inside access control, above the cache: it times
// what the caller sees and counts every operation access control allowed
// (docs/layers.md). Whatever is stacked, the result offers all four
// capabilities.
//
// With access control, Build() returns the SecuredStore
// (synapsed/storage/access_control.h) acting as "anonymous"; BuildSecured()
// returns it as a SecuredStore, for AsPrincipal and the admin calls.
//
// Encryption (WithEncryption, or "encryption" in the JSON config) stacks the
// integrity envelope layer on the memory, rocksdb, sqlite and leveldb
// backends and on a backend of the embedder's: values are sealed with
// AES-256-GCM, keys stay in clear (docs/format/encryption.md). The keys are
// loaded before the backend is opened, so a missing or unsafe key file
// fails the build with nothing opened or created. The native backend
// encrypts its files instead, which is not built yet: Build() answers
// Unimplemented for a native store with encryption, and never opens it
// unencrypted.
//
// A program can bring its own backend: WithBackend(factory) makes Build()
// call `factory(config)` instead of opening config.type, and stacks the
// configured layers on what it returns. The factory's Store must keep the
// contracts of storage.h (the layers rely on them).
//
// ReadOnly() opens an existing store without writing it, for inspection:
// native, rocksdb and sqlite stores open in their read-only modes (no lock is
// taken, nothing in the directory is created or changed; SQLite may add its
// -wal and -shm companion files) and every write, transaction commit, Flush
// and CompactRange fails with FailedPrecondition. LevelDB has no read-only open
// and a memory store has nothing to reopen: Build() refuses both with the
// reason, and refuses ReadOnly() with WithBackend (the builder cannot make a
// user's store read-only). NotFound when there is no store to open. Layers
// stack as usual (the compression layer still decodes what it reads).
//
// Thread safety: a builder is a value; use one from one thread at a time.
// Build() may be called more than once (each call opens a new store).
#ifndef SYNAPSED_STORAGE_BUILDER_H_
#define SYNAPSED_STORAGE_BUILDER_H_

#include <functional>
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "synapsed/storage/access_control.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage {

class StorageBuilder {
 public:
  // Opens a user-supplied backend for the builder's config.
  using BackendFactory = std::function<absl::StatusOr<std::unique_ptr<Store>>(
      const StorageConfig&)>;

  explicit StorageBuilder(StorageConfig config) : config_(std::move(config)) {}

  StorageBuilder& WithCache(CacheConfig cache) {
    config_.cache = cache;
    return *this;
  }
  // The layer compresses only if compression.enabled (off by default).
  StorageBuilder& WithCompression(CompressionConfig compression) {
    config_.compression = compression;
    return *this;
  }
  // Encrypts at rest with the keys `encryption` names (see above).
  StorageBuilder& WithEncryption(EncryptionConfig encryption) {
    config_.encryption = std::move(encryption);
    return *this;
  }
  // Checks every operation against the principals' rules (see above).
  StorageBuilder& WithAccessControl(AclConfig acl) {
    config_.access_control = std::move(acl);
    return *this;
  }
  // Records every operation through access control in a tamper-evident
  // audit log (AuditConfig in config.h); needs WithAccessControl.
  StorageBuilder& WithAudit(AuditConfig audit) {
    config_.audit = std::move(audit);
    return *this;
  }
  // Counts and times every operation: GetProperty("metrics") (JSON) and
  // ("metrics.prometheus") (see above for where it sits).
  StorageBuilder& WithMetrics(MetricsConfig metrics = {}) {
    config_.metrics = metrics;
    return *this;
  }
  // Replaces the backend config.type names with `factory`'s store.
  StorageBuilder& WithBackend(BackendFactory factory) {
    backend_ = std::move(factory);
    return *this;
  }

  // Opens an existing store for reading only (see above).
  StorageBuilder& ReadOnly() {
    read_only_ = true;
    return *this;
  }

  [[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> Build() const;
  // As Build(); FailedPrecondition unless access control is configured.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<SecuredStore>> BuildSecured()
      const;

  // Whether this build of the library has the backend `type` names (the
  // peers rocksdb, leveldb and sqlite are build options). Build() on a
  // missing one answers Unimplemented.
  [[nodiscard]] static bool HasBackend(BackendType type);

 private:
  // The backend and every layer below access control.
  absl::StatusOr<std::unique_ptr<Store>> BuildLayers() const;

  StorageConfig config_;
  BackendFactory backend_;  // empty: open config_.type
  bool read_only_ = false;
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_BUILDER_H_
