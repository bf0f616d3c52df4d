#include "synapsed/storage/builder.h"

#include "absl/status/status.h"
#include "backends/backend_registry.h"
#include "crypto/keyring.h"
#include "layers/cache_layer.h"
#include "layers/compression_layer.h"
#include "layers/encryption_layer.h"
#include "layers/metrics_layer.h"
#include "security/acl_store.h"
#include "security/audit_log.h"
#include "util/status_macros.h"

namespace synapsed::storage {

absl::StatusOr<std::unique_ptr<Store>> StorageBuilder::BuildLayers() const {
  // Keys first: a store that cannot be encrypted is not opened at all.
  std::shared_ptr<crypto::Keyring> keyring;
  if (config_.encryption) {
    ASSIGN_OR_RETURN(keyring, crypto::LoadKeyring(*config_.encryption));
  }
  // The native engine encrypts its files itself; every other store gets the
  // integrity envelope layer.
  const bool native_files = keyring != nullptr && !backend_ &&
                            config_.type == BackendType::kNative;
  // Other clients write the cluster too, and nothing tells this cache of
  // their writes (the cluster serves no change subscriptions yet): only a
  // bound on how stale an entry may be makes a cache honest there.
  if (!backend_ && config_.type == BackendType::kDistributed && config_.cache &&
      !config_.cache->ttl_seconds) {
    return absl::InvalidArgumentError(
        "cache.ttl_seconds: required over the distributed backend: other clients' writes do "
        "not invalidate this cache, so an entry may be stale for up to its ttl");
  }
  std::unique_ptr<Store> store;
  if (backend_ && read_only_) {
    return absl::InvalidArgumentError(
        "ReadOnly() with a user-supplied backend: the builder cannot make that "
        "store read-only (open it read-only in the factory instead)");
  }
  if (backend_) {
    ASSIGN_OR_RETURN(store, backend_(config_));
    // A factory returning OK and no store would crash the first layer.
    if (store == nullptr) {
      return absl::InvalidArgumentError(
          "the user-supplied backend factory returned no store");
    }
  } else {
    ASSIGN_OR_RETURN(store, OpenBackend(config_,
                                        read_only_ ? OpenMode::kReadOnly
                                                   : OpenMode::kReadWrite,
                                        native_files ? keyring : nullptr));
  }
  // Innermost first: values are compressed before they are sealed, and the
  // cache above both holds plain values.
  if (keyring != nullptr && !native_files) {
    ASSIGN_OR_RETURN(store, layers::NewEncryptionLayer(std::move(store), keyring));
  }
  if (config_.compression && config_.compression->enabled &&
      config_.compression->algorithm != CompressionConfig::Algorithm::kNone) {
    ASSIGN_OR_RETURN(store, layers::NewCompressionLayer(std::move(store),
                                                        *config_.compression));
  }
  if (config_.cache) {
    ASSIGN_OR_RETURN(store, NewCacheLayer(std::move(store), *config_.cache));
  }
  // Outermost of these (just inside access control): it times the whole
  // stack, cache hits included (docs/layers.md).
  if (config_.metrics) {
    store = layers::NewMetricsLayer(std::move(store), *config_.metrics);
  }
  return store;
}

absl::StatusOr<std::unique_ptr<Store>> StorageBuilder::Build() const {
  if (config_.access_control || config_.audit) return BuildSecured();
  return BuildLayers();
}

absl::StatusOr<std::unique_ptr<SecuredStore>> StorageBuilder::BuildSecured()
    const {
  if (!config_.access_control && config_.audit) {
    return absl::InvalidArgumentError(
        "audit without access_control: the audit log records the principal "
        "of each operation; configure access control (a role over prefix "
        "\"\" for one principal, to audit without restricting)");
  }
  if (!config_.access_control) {
    return absl::FailedPreconditionError(
        "BuildSecured() without access control (WithAccessControl, or "
        "\"access_control\" in the JSON config)");
  }
  // The audit log before the store: a store that cannot be audited is not
  // opened.
  std::shared_ptr<security::AuditLog> audit;
  if (config_.audit) {
    ASSIGN_OR_RETURN(audit, security::OpenAuditLog(*config_.audit));
  }
  // Outermost: every operation is checked before a layer or backend sees it.
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, BuildLayers());
  return security::NewAclStore(std::move(store), *config_.access_control,
                               std::move(audit));
}

bool StorageBuilder::HasBackend(BackendType type) {
  return BackendAvailable(type);
}

}  // namespace synapsed::storage
