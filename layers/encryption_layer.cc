#include "layers/encryption_layer.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "api/mapped_change_stream.h"
#include "fmt/format.h"
#include "layers/decoding_iterator.h"
#include "layers/value_envelope.h"
#include "util/mutex.h"
#include "util/status_macros.h"

namespace synapsed::storage::layers {
namespace {

// Reseal rewrites at most this many values, or about this many bytes of
// them, per chunk: the time writes wait for it.
constexpr size_t kResealChunkValues = 256;
constexpr size_t kResealChunkBytes = 4 << 20;

// The user's limits, and the backend's once the envelope is added.
absl::Status CheckSizes(std::string_view key, std::string_view value,
                        const crypto::MasterKey& sealing) {
  RETURN_IF_ERROR(ValidateKeyValue(key, value));
  const size_t overhead = EnvelopeOverhead(sealing.id);
  if (value.size() > kMaxValueSize - overhead) {
    return absl::InvalidArgumentError(fmt::format(
        "value of {} bytes exceeds the maximum value size under the encryption "
        "layer, {} bytes (the backend's {} less the {}-byte envelope)",
        value.size(), kMaxValueSize - overhead, kMaxValueSize, overhead));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CheckAndSeal(const crypto::MasterKey& key,
                                         std::string_view user_key,
                                         std::string_view value) {
  RETURN_IF_ERROR(CheckSizes(user_key, value, key));
  return SealValue(key, user_key, value);
}

// Iteration opens every value; one that does not open ends it (never
// returned as data).
std::unique_ptr<Iterator> NewOpeningIterator(
    std::unique_ptr<Iterator> inner,
    std::shared_ptr<const crypto::Keyring> keys) {
  return NewDecodingIterator(
      std::move(inner),
      [keys = std::move(keys)](std::string_view key, std::string_view stored) {
        return OpenValue(*keys, key, stored);
      });
}

class EnvelopeStore;

// A transaction of the inner store whose reads open and whose writes seal.
// Values are sealed when written (Put), under the key current then; if the
// current key has changed by Commit, the transaction's values are re-sealed
// under the new one first, so that a Reseal that ran meanwhile leaves no
// value under an older key behind it.
class SealingTransaction final : public Transaction {
 public:
  SealingTransaction(EnvelopeStore* store, std::unique_ptr<Transaction> inner)
      : store_(store), inner_(std::move(inner)) {}

  absl::Status Get(std::string_view key, std::string* value) override;
  absl::Status GetForUpdate(std::string_view key, std::string* value) override;
  absl::Status Put(std::string_view key, std::string_view value) override;
  absl::Status Delete(std::string_view key) override {
    return inner_->Delete(key);
  }
  std::unique_ptr<Iterator> NewIterator(const KeyRange& range) override;
  absl::Status Commit(const WriteOptions& options) override;
  absl::Status Rollback() override { return inner_->Rollback(); }
  using Transaction::Commit;
  using Transaction::Get;

 private:
  // Re-seals the values this transaction put that are sealed under another
  // key than `current`.
  absl::Status ResealWrites(const crypto::MasterKey& current);

  EnvelopeStore* const store_;
  const std::unique_ptr<Transaction> inner_;
  std::set<std::string, std::less<>> put_keys_;
  // The ids of the master keys the puts were sealed under.
  std::set<std::string, std::less<>> sealing_ids_;
};

class EnvelopeStore final : public EncryptionLayer {
 public:
  EnvelopeStore(std::unique_ptr<Store> inner,
                std::shared_ptr<crypto::Keyring> keys)
      : inner_(std::move(inner)), keys_(std::move(keys)) {}

  std::string Name() const override {
    return "encryption(" + inner_->Name() + ")";
  }

  absl::Status Get(const ReadOptions& options, std::string_view key,
                   PinnableValue* value) override {
    PinnableValue stored;
    RETURN_IF_ERROR(inner_->Get(options, key, &stored));
    ASSIGN_OR_RETURN(*value->GetSelf(), OpenValue(*keys_, key, stored.view()));
    return absl::OkStatus();
  }
  // Presence is the backend's to answer; the value is not opened.
  absl::StatusOr<bool> Exists(const ReadOptions& options,
                              std::string_view key) override {
    return inner_->Exists(options, key);
  }
  absl::Status Put(const WriteOptions& options, std::string_view key,
                   std::string_view value) override {
    ReaderMutexLock gate(&write_gate_);
    ASSIGN_OR_RETURN(std::string sealed,
                     CheckAndSeal(*keys_->Current(), key, value));
    return inner_->Put(options, key, sealed);
  }
  absl::Status Delete(const WriteOptions& options,
                      std::string_view key) override {
    ReaderMutexLock gate(&write_gate_);
    return inner_->Delete(options, key);
  }
  absl::Status Write(const WriteOptions& options,
                     const WriteBatch& batch) override {
    ReaderMutexLock gate(&write_gate_);
    const std::shared_ptr<const crypto::MasterKey> current = keys_->Current();
    WriteBatch sealed;
    absl::Status s;
    RETURN_IF_ERROR(batch.Iterate(
        [&](std::string_view k, std::string_view v) {
          if (!s.ok()) return;
          auto stored = CheckAndSeal(*current, k, v);
          s = stored.ok() ? sealed.Put(k, *stored) : stored.status();
        },
        [&](std::string_view k) {
          if (s.ok()) s = sealed.Delete(k);
        }));
    RETURN_IF_ERROR(s);
    return inner_->Write(options, sealed);
  }
  absl::Status Flush() override { return inner_->Flush(); }
  absl::StatusOr<SnapshotHandle> GetSnapshot() override {
    return inner_->GetSnapshot();
  }
  absl::StatusOr<std::vector<std::optional<std::string>>> BatchGet(
      const ReadOptions& options,
      std::span<const std::string_view> keys) override {
    ASSIGN_OR_RETURN(auto values, inner_->BatchGet(options, keys));
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i]) {
        ASSIGN_OR_RETURN(*values[i], OpenValue(*keys_, keys[i], *values[i]));
      }
    }
    return values;
  }
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options,
                                        const KeyRange& range) override {
    return NewOpeningIterator(inner_->NewIterator(options, range), keys_);
  }
  absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction(
      const TransactionOptions& options) override {
    ASSIGN_OR_RETURN(auto txn, inner_->BeginTransaction(options));
    return std::unique_ptr<Transaction>(
        std::make_unique<SealingTransaction>(this, std::move(txn)));
  }
  absl::StatusOr<std::string> GetProperty(std::string_view name) override {
    if (name != "encryption.keys") return inner_->GetProperty(name);
    const std::vector<std::string> ids = keys_->Ids();
    // The enum runs from the strongest protection to the weakest.
    crypto::SecureKey::Memory weakest = crypto::SecureKey::Memory::kSecureHeap;
    for (const std::string& id : ids) {
      ASSIGN_OR_RETURN(auto key, keys_->Find(id));
      weakest = std::max(weakest, key->key.memory());
    }
    return fmt::format("current={} keys={} memory={}", keys_->Current()->id,
                       fmt::join(ids, ","), crypto::MemoryName(weakest));
  }
  // Keys are stored as given (only values are sealed): the range carries over.
  absl::Status CompactRange(std::optional<std::string_view> begin,
                            std::optional<std::string_view> end) override {
    return inner_->CompactRange(begin, end);
  }
  // Keys are in clear: the range carries over; each value opens as on a
  // read, and one that does not ends the stream with DataLoss.
  absl::StatusOr<std::unique_ptr<ChangeStream>> Subscribe(
      const KeyRange& range, const SubscribeOptions& options) override {
    ASSIGN_OR_RETURN(auto stream, inner_->Subscribe(range, options));
    return NewValueDecodingChangeStream(
        std::move(stream), [keys = keys_](std::string_view key, std::string_view stored) {
          return OpenValue(*keys, key, stored);
        });
  }

  absl::StatusOr<ResealStats> Reseal() override;
  crypto::Keyring& keyring() override { return *keys_; }

 private:
  friend class SealingTransaction;

  // One chunk of Reseal: from the first key after `*resume` (or the first
  // key), with writes through the layer held off. False once the chunk
  // reached the last key.
  absl::StatusOr<bool> ResealChunk(std::optional<std::string>* resume,
                                   ResealStats* stats);

  const std::unique_ptr<Store> inner_;
  const std::shared_ptr<crypto::Keyring> keys_;
  // Every write through the layer seals and writes holding it shared; a
  // Reseal chunk holds it exclusively, so that no write lands between the
  // chunk's read of a value and its rewrite, and no write sealed under a key
  // older than the chunk's lands after it.
  Mutex write_gate_;
};

absl::Status SealingTransaction::Get(std::string_view key, std::string* value) {
  std::string stored;
  RETURN_IF_ERROR(inner_->Get(key, &stored));
  ASSIGN_OR_RETURN(*value, OpenValue(*store_->keys_, key, stored));
  return absl::OkStatus();
}

absl::Status SealingTransaction::GetForUpdate(std::string_view key,
                                              std::string* value) {
  std::string stored;
  RETURN_IF_ERROR(inner_->GetForUpdate(key, &stored));
  ASSIGN_OR_RETURN(*value, OpenValue(*store_->keys_, key, stored));
  return absl::OkStatus();
}

absl::Status SealingTransaction::Put(std::string_view key,
                                     std::string_view value) {
  const std::shared_ptr<const crypto::MasterKey> current =
      store_->keys_->Current();
  ASSIGN_OR_RETURN(std::string sealed, CheckAndSeal(*current, key, value));
  RETURN_IF_ERROR(inner_->Put(key, sealed));
  put_keys_.emplace(key);
  sealing_ids_.insert(current->id);
  return absl::OkStatus();
}

std::unique_ptr<Iterator> SealingTransaction::NewIterator(
    const KeyRange& range) {
  return NewOpeningIterator(inner_->NewIterator(range), store_->keys_);
}

absl::Status SealingTransaction::Commit(const WriteOptions& options) {
  ReaderMutexLock gate(&store_->write_gate_);
  const std::shared_ptr<const crypto::MasterKey> current =
      store_->keys_->Current();
  if (sealing_ids_.size() > 1 ||
      (!sealing_ids_.empty() && *sealing_ids_.begin() != current->id)) {
    RETURN_IF_ERROR(ResealWrites(*current));
  }
  return inner_->Commit(options);
}

absl::Status SealingTransaction::ResealWrites(
    const crypto::MasterKey& current) {
  for (const std::string& key : put_keys_) {
    std::string stored;
    absl::Status s = inner_->Get(key, &stored);  // this transaction's own value
    if (absl::IsNotFound(s)) continue;           // deleted after it was put
    RETURN_IF_ERROR(s);
    ASSIGN_OR_RETURN(std::string_view id, EnvelopeKeyId(stored, key));
    if (id == current.id) continue;
    ASSIGN_OR_RETURN(std::string value, OpenValue(*store_->keys_, key, stored));
    ASSIGN_OR_RETURN(std::string resealed, CheckAndSeal(current, key, value));
    RETURN_IF_ERROR(inner_->Put(key, resealed));
  }
  sealing_ids_ = {current.id};
  return absl::OkStatus();
}

absl::StatusOr<bool> EnvelopeStore::ResealChunk(
    std::optional<std::string>* resume, ResealStats* stats) {
  MutexLock gate(&write_gate_);
  // Read under the gate: the chunk sees every write made through the layer.
  const std::shared_ptr<const crypto::MasterKey> current = keys_->Current();
  std::unique_ptr<Iterator> it =
      inner_->NewIterator(ReadOptions(), KeyRange::All());
  if (*resume) {
    it->Seek(**resume + std::string(1, '\0'));  // the first key after it
  } else {
    it->SeekToFirst();
  }
  WriteBatch batch;
  size_t values = 0, bytes = 0;
  for (;
       it->Valid() && values < kResealChunkValues && bytes < kResealChunkBytes;
       it->Next()) {
    ++values;
    bytes += it->value().size();
    ++stats->values_scanned;
    *resume = std::string(it->key());
    ASSIGN_OR_RETURN(std::string_view id,
                     EnvelopeKeyId(it->value(), it->key()));
    if (id == current->id) continue;
    ASSIGN_OR_RETURN(std::string value,
                     OpenValue(*keys_, it->key(), it->value()));
    ASSIGN_OR_RETURN(std::string sealed,
                     CheckAndSeal(*current, it->key(), value));
    RETURN_IF_ERROR(batch.Put(it->key(), sealed));
    ++stats->values_resealed;
    ++stats->resealed_by_key_id[std::string(id)];
  }
  RETURN_IF_ERROR(it->status());
  const bool more = it->Valid();
  if (!batch.Empty()) RETURN_IF_ERROR(inner_->Write(WriteOptions(), batch));
  stats->current_key_id = current->id;
  return more;
}

absl::StatusOr<ResealStats> EnvelopeStore::Reseal() {
  ResealStats stats;
  std::optional<std::string> resume;
  for (bool more = true; more;) {
    ASSIGN_OR_RETURN(more, ResealChunk(&resume, &stats));
  }
  // Durable before the caller drops the old key.
  RETURN_IF_ERROR(inner_->Flush());
  return stats;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EncryptionLayer>> NewEncryptionLayer(
    std::unique_ptr<Store> inner, std::shared_ptr<crypto::Keyring> keyring) {
  if (inner == nullptr) {
    return absl::InvalidArgumentError("encryption layer: no inner store");
  }
  if (keyring == nullptr || keyring->Current() == nullptr) {
    return absl::InvalidArgumentError("encryption layer: no master key");
  }
  return std::unique_ptr<EncryptionLayer>(
      std::make_unique<EnvelopeStore>(std::move(inner), std::move(keyring)));
}

absl::StatusOr<std::unique_ptr<EncryptionLayer>> NewEncryptionLayer(
    std::unique_ptr<Store> inner, const EncryptionConfig& config) {
  ASSIGN_OR_RETURN(std::unique_ptr<crypto::Keyring> keyring,
                   crypto::LoadKeyring(config));
  return NewEncryptionLayer(
      std::move(inner), std::shared_ptr<crypto::Keyring>(std::move(keyring)));
}

}  // namespace synapsed::storage::layers
