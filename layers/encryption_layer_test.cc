#include "layers/encryption_layer.h"

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "backends/memory_store.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/value_envelope.h"
#include "util/random.h"
#include "util/status_matchers.h"
#include "util/test_seed.h"

namespace synapsed::storage::layers {
namespace {

using ::synapsed::storage::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

crypto::MasterKey TestKey(std::string id, uint8_t fill) {
  auto key = crypto::SecureKey::Allocate();
  EXPECT_TRUE(key.ok()) << key.status();
  for (uint8_t& b : key->mutable_bytes()) b = fill;
  return crypto::MasterKey{std::move(id), *std::move(key)};
}

std::shared_ptr<crypto::Keyring> Ring(std::initializer_list<const char*> ids) {
  auto ring = std::make_shared<crypto::Keyring>();
  for (const char* id : ids) {
    EXPECT_OK(ring->Add(TestKey(id, static_cast<uint8_t>(id[1]))));
  }
  return ring;
}

// The bytes of one store in a new memory store: what reopening a persistent
// backend with other keys would show.
std::unique_ptr<Store> CopyOf(Store& from) {
  auto to = NewMemoryStore();
  auto it = from.NewIterator(ReadOptions(), KeyRange::All());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    EXPECT_OK(to->Put(it->key(), it->value()));
  }
  EXPECT_OK(it->status());
  return to;
}

// The key id of every value stored in `raw`, counted.
std::map<std::string, int> IdsIn(Store& raw) {
  std::map<std::string, int> ids;
  auto it = raw.NewIterator(ReadOptions(), KeyRange::All());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto id = EnvelopeKeyId(it->value(), it->key());
    EXPECT_OK(id.status());
    if (id.ok()) ++ids[std::string(*id)];
  }
  return ids;
}

class EncryptionLayerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(Ring({"k1"})); }
  void Open(std::shared_ptr<crypto::Keyring> ring,
            std::unique_ptr<Store> inner = nullptr) {
    if (inner == nullptr) inner = NewMemoryStore();
    raw_ = inner.get();
    ASSERT_OK_AND_ASSIGN(store_,
                         NewEncryptionLayer(std::move(inner), std::move(ring)));
  }
  // Changes the stored bytes of `key` behind the layer's back.
  void Corrupt(std::string_view key,
               const std::function<void(std::string*)>& change) {
    ASSERT_OK_AND_ASSIGN(std::string stored, raw_->Get(key));
    change(&stored);
    ASSERT_OK(raw_->Put(key, stored));
  }

  Store* raw_ = nullptr;  // the memory store beneath, owned by store_
  std::unique_ptr<EncryptionLayer> store_;
};

TEST_F(EncryptionLayerTest,
       EveryWritePathSealsAndNoPlaintextReachesTheBackend) {
  const std::string marker = "PLAINTEXT-MARKER";
  ASSERT_OK(store_->Put("put", marker + "1"));
  WriteBatch batch;
  ASSERT_OK(batch.Put("batch", marker + "2"));
  ASSERT_OK(batch.Put("gone", marker + "3"));
  ASSERT_OK(batch.Delete("gone"));
  ASSERT_OK(store_->Write(WriteOptions(), batch));
  std::pair<std::string_view, std::string_view> kvs[] = {
      {"batch-put", "PLAINTEXT-MARKER4"}};
  ASSERT_OK(store_->BatchPut(WriteOptions(), kvs));
  ASSERT_OK_AND_ASSIGN(auto txn, store_->BeginTransaction());
  ASSERT_OK(txn->Put("txn", marker + "5"));
  ASSERT_OK_AND_ASSIGN(std::string own,
                       txn->Get("txn"));  // read-your-writes opens
  EXPECT_EQ(own, marker + "5");
  ASSERT_OK(txn->Commit());

  EXPECT_EQ(store_->Name(), "encryption(memory)");
  ASSERT_OK_AND_ASSIGN(auto all, store_->Scan(KeyRange::All()));
  EXPECT_EQ(all, (std::vector<KeyValue>{{"batch", marker + "2"},
                                        {"batch-put", marker + "4"},
                                        {"put", marker + "1"},
                                        {"txn", marker + "5"}}));
  std::string_view keys[] = {"put", "absent", "txn"};
  ASSERT_OK_AND_ASSIGN(auto got, store_->BatchGet(ReadOptions(), keys));
  EXPECT_EQ(got, (std::vector<std::optional<std::string>>{
                     marker + "1", std::nullopt, marker + "5"}));
  ASSERT_OK_AND_ASSIGN(bool exists, store_->Exists("put"));
  EXPECT_TRUE(exists);

  auto it = raw_->NewIterator(ReadOptions(), KeyRange::All());
  int values = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++values) {
    EXPECT_THAT(std::string(it->value()), Not(HasSubstr("MARKER")))
        << it->key();
    EXPECT_THAT(std::string(it->value()), Not(HasSubstr("PLAIN")));
  }
  EXPECT_EQ(values, 4);
  EXPECT_EQ(IdsIn(*raw_), (std::map<std::string, int>{{"k1", 4}}));
}

TEST_F(EncryptionLayerTest, AlteredValuesAreDataLossOnEveryReadPath) {
  ASSERT_OK(store_->Put("a", "first"));
  ASSERT_OK(store_->Put("b", "the secret value"));
  ASSERT_OK(store_->Put("c", "third"));
  Corrupt("b", [](std::string* s) { s->back() ^= 0x01; });
  const auto integrity =
      StatusIs(absl::StatusCode::kDataLoss,
               AllOf(HasSubstr("integrity check failed for key \"b\""),
                     Not(HasSubstr("secret"))));
  EXPECT_THAT(store_->Get("b"), integrity);
  std::string_view keys[] = {"a", "b"};
  EXPECT_THAT(store_->BatchGet(ReadOptions(), keys), integrity);
  // Iteration returns what opens, then stops at "b" with the error, either way.
  auto it = store_->NewIterator(ReadOptions(), KeyRange::All());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "first");
  it->Next();
  EXPECT_FALSE(it->Valid());
  EXPECT_THAT(it->status(), integrity);
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "third");
  it->Prev();
  EXPECT_FALSE(it->Valid());
  EXPECT_THAT(it->status(), integrity);
  it->Seek("c");  // a new position clears the error
  ASSERT_TRUE(it->Valid());
  EXPECT_OK(it->status());
  EXPECT_THAT(store_->Scan(KeyRange::All()), integrity);
  ASSERT_OK_AND_ASSIGN(auto txn, store_->BeginTransaction());
  EXPECT_THAT(txn->Get("b"), integrity);
  std::string v;
  EXPECT_THAT(txn->GetForUpdate("b", &v), integrity);
  auto txn_it = txn->NewIterator(KeyRange::From("b"));
  txn_it->SeekToFirst();
  EXPECT_FALSE(txn_it->Valid());
  EXPECT_THAT(txn_it->status(), integrity);
  // Rewriting the key through the layer heals it.
  ASSERT_OK(store_->Put("b", "new"));
  ASSERT_OK_AND_ASSIGN(v, store_->Get("b"));
  EXPECT_EQ(v, "new");
}

TEST_F(EncryptionLayerTest, SwappedTruncatedAndForeignValuesAreDataLoss) {
  ASSERT_OK(store_->Put("alice", "balance=10"));
  ASSERT_OK(store_->Put("mallory", "balance=99999"));
  ASSERT_OK_AND_ASSIGN(std::string alice, raw_->Get("alice"));
  ASSERT_OK_AND_ASSIGN(std::string mallory, raw_->Get("mallory"));
  ASSERT_OK(raw_->Put("alice", mallory));  // moved to another key
  ASSERT_OK(raw_->Put("mallory", alice));
  EXPECT_THAT(
      store_->Get("alice"),
      StatusIs(absl::StatusCode::kDataLoss,
               AllOf(HasSubstr("integrity check failed for key \"alice\""),
                     Not(HasSubstr("balance")))));
  EXPECT_THAT(store_->Get("mallory"), StatusIs(absl::StatusCode::kDataLoss));
  ASSERT_OK(raw_->Put("alice", alice.substr(0, alice.size() - 1)));  // cut
  EXPECT_THAT(store_->Get("alice"), StatusIs(absl::StatusCode::kDataLoss));
  ASSERT_OK(raw_->Put("alice", alice + "x"));  // extended
  EXPECT_THAT(store_->Get("alice"), StatusIs(absl::StatusCode::kDataLoss));
  ASSERT_OK(
      raw_->Put("alice", "balance=10"));  // plaintext written around the layer
  EXPECT_THAT(store_->Get("alice"), StatusIs(absl::StatusCode::kDataLoss));
  ASSERT_OK(raw_->Put("alice", alice));
  ASSERT_OK_AND_ASSIGN(std::string v, store_->Get("alice"));
  EXPECT_EQ(v, "balance=10");
}

TEST_F(EncryptionLayerTest, UnknownKeyIdIsNamed) {
  ASSERT_OK(store_->Put("k", "v"));
  Open(Ring({"k2", "k3"}), CopyOf(*raw_));
  EXPECT_THAT(store_->Get("k"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("sealed under master key \"k1\""),
                             HasSubstr("holds: k2, k3"))));
  auto it = store_->NewIterator(ReadOptions(), KeyRange::All());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_THAT(it->status(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(store_->Reseal(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                         HasSubstr("\"k1\"")));
}

TEST_F(EncryptionLayerTest,
       RotationKeepsOldValuesReadableAndResealRetiresTheOldKey) {
  std::map<std::string, std::string> model;
  for (int i = 0; i < 700; ++i) {  // several Reseal chunks
    const std::string k = fmt::format("key{:04}", i);
    model[k] = fmt::format("value {} under k1", i);
    ASSERT_OK(store_->Put(k, model[k]));
  }
  ASSERT_OK(store_->keyring().Add(TestKey("k2", 2)));
  for (int i = 0; i < 700; i += 7) {
    const std::string k = fmt::format("key{:04}", i);
    model[k] = fmt::format("value {} under k2", i);
    ASSERT_OK(store_->Put(k, model[k]));
  }
  ASSERT_OK(store_->Put("new", "under k2"));
  model["new"] = "under k2";
  EXPECT_EQ(IdsIn(*raw_),
            (std::map<std::string, int>{{"k1", 600}, {"k2", 101}}));
  ASSERT_OK_AND_ASSIGN(auto all, store_->Scan(KeyRange::All()));
  ASSERT_EQ(all.size(), model.size());
  for (const KeyValue& kv : all) ASSERT_EQ(kv.value, model[kv.key]) << kv.key;
  ASSERT_OK_AND_ASSIGN(std::string keys,
                       store_->GetProperty("encryption.keys"));
  EXPECT_EQ(keys, "current=k2 keys=k1,k2 memory=secure_heap");

  ASSERT_OK_AND_ASSIGN(ResealStats stats, store_->Reseal());
  EXPECT_EQ(stats.values_scanned, 701u);
  EXPECT_EQ(stats.values_resealed, 600u);
  EXPECT_EQ(stats.resealed_by_key_id,
            (std::map<std::string, uint64_t>{{"k1", 600}}));
  EXPECT_EQ(stats.current_key_id, "k2");
  EXPECT_EQ(IdsIn(*raw_), (std::map<std::string, int>{{"k2", 701}}));
  ASSERT_OK_AND_ASSIGN(stats, store_->Reseal());  // nothing left to do
  EXPECT_EQ(stats.values_resealed, 0u);

  // The old key is no longer needed; a keyring of only it reads nothing.
  auto only_k2 = std::make_shared<crypto::Keyring>();
  ASSERT_OK(only_k2->Add(TestKey("k2", 2)));
  Open(only_k2, CopyOf(*raw_));
  for (const auto& [k, v] : model) {
    ASSERT_OK_AND_ASSIGN(std::string got, store_->Get(k));
    ASSERT_EQ(got, v);
  }
  Open(Ring({"k1"}), CopyOf(*raw_));
  EXPECT_THAT(store_->Get("key0001"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(EncryptionLayerTest, ResealStopsAtAValueThatDoesNotOpen) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_OK(store_->Put(fmt::format("k{}", i), "v"));
  }
  Corrupt("k5", [](std::string* s) { (*s)[30] ^= 0x20; });
  ASSERT_OK(store_->keyring().Add(TestKey("k2", 2)));
  EXPECT_THAT(store_->Reseal(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("integrity check failed for key \"k5\"")));
}

// A transaction that sealed under k1 and commits after k2 became current
// (and a Reseal ran) re-seals its writes under k2 as it commits.
TEST_F(EncryptionLayerTest,
       TransactionCommittingAfterRotationSealsUnderTheNewKey) {
  ASSERT_OK(store_->Put("untouched", "old"));
  ASSERT_OK_AND_ASSIGN(auto txn, store_->BeginTransaction());
  ASSERT_OK(txn->Put("t1", "written before the rotation"));
  ASSERT_OK(txn->Put("t2", "deleted later"));
  ASSERT_OK(store_->keyring().Add(TestKey("k2", 2)));
  ASSERT_OK(txn->Put("t3", "written after the rotation"));
  ASSERT_OK(txn->Delete("t2"));
  ASSERT_OK(store_->Reseal().status());
  ASSERT_OK(txn->Commit());
  EXPECT_EQ(IdsIn(*raw_), (std::map<std::string, int>{{"k2", 3}}));
  ASSERT_OK_AND_ASSIGN(auto all, store_->Scan(KeyRange::All()));
  EXPECT_EQ(all, (std::vector<KeyValue>{{"t1", "written before the rotation"},
                                        {"t3", "written after the rotation"},
                                        {"untouched", "old"}}));
}

// Writers keep writing through the layer while a Reseal runs: every value
// ends under the new key and none is lost or reverted.
TEST_F(EncryptionLayerTest, ResealWhileWritersWrite) {
  const uint64_t seed = ::synapsed::storage::testing::TestSeed();
  for (int i = 0; i < 2000; ++i) {
    ASSERT_OK(store_->Put(fmt::format("k{:05}", i), "old"));
  }
  ASSERT_OK(store_->keyring().Add(TestKey("k2", 2)));
  std::atomic<bool> done{false};
  std::vector<std::map<std::string, std::string>> models(2);
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      Random rnd(seed + t);
      for (int n = 0; !done.load() || n < 200; ++n) {
        // Thread t owns the keys whose number is t modulo 2.
        const std::string k = fmt::format("k{:05}", 2 * rnd.Uniform(1000) + t);
        const std::string v = fmt::format("t{} n{}", t, n);
        ASSERT_OK(store_->Put(k, v));
        models[t][k] = v;
      }
    });
  }
  ASSERT_OK_AND_ASSIGN(ResealStats stats, store_->Reseal());
  done = true;
  for (auto& w : writers) w.join();
  EXPECT_EQ(stats.values_scanned, 2000u) << "seed " << seed;
  EXPECT_EQ(IdsIn(*raw_), (std::map<std::string, int>{{"k2", 2000}}))
      << "seed " << seed;
  for (const auto& model : models) {
    for (const auto& [k, v] : model) {
      ASSERT_OK_AND_ASSIGN(std::string got, store_->Get(k));
      ASSERT_EQ(got, v) << k << " seed " << seed;
    }
  }
}

TEST_F(EncryptionLayerTest, ValueLimitLeavesRoomForTheEnvelope) {
  const size_t limit = kMaxValueSize - EnvelopeOverhead("k1");
  ASSERT_OK(store_->Put("max", std::string(limit, 'v')));
  ASSERT_OK_AND_ASSIGN(std::string stored, raw_->Get("max"));
  EXPECT_EQ(stored.size(), kMaxValueSize);
  EXPECT_THAT(store_->Put("over", std::string(limit + 1, 'v')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(fmt::format(
                           "value of {} bytes exceeds the maximum value size "
                           "under the encryption layer, {} bytes",
                           limit + 1, limit))));
  WriteBatch batch;
  ASSERT_OK(batch.Put("over", std::string(limit + 1, 'v')));
  EXPECT_THAT(store_->Write(WriteOptions(), batch),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->Put(std::string(kMaxKeySize + 1, 'k'), "v"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key")));
}

TEST_F(EncryptionLayerTest, PropertiesSnapshotsAndCompactionPassThrough) {
  ASSERT_OK(store_->Put("a", "1"));
  ASSERT_OK_AND_ASSIGN(SnapshotHandle snap, store_->GetSnapshot());
  ASSERT_OK(store_->Put("a", "2"));
  ReadOptions at_snap;
  at_snap.snapshot = snap.get();
  ASSERT_OK_AND_ASSIGN(std::string v, store_->Get("a", at_snap));
  EXPECT_EQ(v, "1");
  ASSERT_OK_AND_ASSIGN(std::string stats,
                       store_->GetProperty("stats"));  // the backend's
  EXPECT_THAT(stats, HasSubstr("node_heap_bytes"));
  EXPECT_THAT(store_->GetProperty("encryption.nothing"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(store_->CompactRange(std::nullopt, std::nullopt).code(),
            raw_->CompactRange(std::nullopt, std::nullopt).code());
}

TEST(NewEncryptionLayer, RefusesMissingKeysAndStores) {
  EXPECT_THAT(
      NewEncryptionLayer(NewMemoryStore(), std::make_shared<crypto::Keyring>()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no master key")));
  EXPECT_THAT(NewEncryptionLayer(nullptr, Ring({"k1"})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no inner store")));
  EXPECT_THAT(NewEncryptionLayer(NewMemoryStore(), EncryptionConfig()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("exactly one source")));
  EncryptionConfig missing;
  missing.key_file = "/nonexistent/synapsed.key";
  EXPECT_THAT(NewEncryptionLayer(NewMemoryStore(), missing),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("/nonexistent/synapsed.key")));
}

}  // namespace
}  // namespace synapsed::storage::layers
