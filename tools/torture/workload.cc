#include "tools/torture/workload.h"

#include <algorithm>
#include <optional>
#include <set>

#include "absl/strings/str_split.h"
#include "engine/db.h"
#include "engine/db_impl.h"
#include "fmt/format.h"
#include "tools/torture/value_codec.h"
#include "util/random.h"

namespace synapsed::storage::torture {
namespace {

constexpr const char* kMixNames[kNumMixOps] = {"put",  "del",   "batch",   "txn",  "snapshot",
                                               "iter", "get",   "flush",   "compact", "sync"};
constexpr uint32_t kDefaultMix[kNumMixOps] = {40, 10, 12, 10, 5, 5, 10, 1, 1, 2};

bool SameState(uint64_t a, uint64_t b) {
  return a == b || (!StatePresent(a) && !StatePresent(b));
}

class Worker {
 public:
  Worker(Store* db, Oracle* oracle, int t, WorkloadStats* stats)
      : db_(db), oracle_(oracle), t_(t), threads_(oracle->threads()), stats_(stats),
        rnd_(Mix64(oracle->config()->seed * 0x9e3779b97f4a7c15ULL ^
                   (oracle->config()->cycle << 8) ^ static_cast<uint64_t>(t))) {
    const WorkloadConfig* c = oracle->config();
    uint64_t total = 0;
    for (int i = 0; i < kNumMixOps; ++i) total += c->mix[i];
    total_weight_ = total == 0 ? 1 : total;
  }

  absl::Status Step() {
    const WorkloadConfig* c = oracle_->config();
    uint64_t pick = rnd_.Uniform(total_weight_);
    int op = 0;
    while (op < kNumMixOps - 1 && pick >= c->mix[op]) pick -= c->mix[op++];
    ++stats_->ops;
    op_index_ = stats_->ops;
    switch (op) {
      case kOpPut: return WriteGroup(1, false);
      case kOpDelete: return WriteGroup(1, true);
      case kOpBatch: return WriteGroup(2 + rnd_.Uniform(7), false);
      case kOpTxn: return Txn();
      case kOpSnapshot: return SnapshotOp();
      case kOpIter: return IterOp();
      case kOpGet: return GetOp();
      case kOpFlush: return AsNativeEngine(db_) ? engine::AsNativeEngine(db_)->FlushMemTables()
                                               : absl::OkStatus();
      case kOpCompact: return CompactOp();
      default: return SyncOp();
    }
  }

  bool full() const { return full_; }

 private:
  static engine::DBImpl* AsNativeEngine(Store* db) { return engine::AsNativeEngine(db); }

  uint32_t OwnKey() {
    const uint32_t n = oracle_->num_keys();
    const uint32_t mine = (n - t_ + threads_ - 1) / threads_;
    return t_ + threads_ * static_cast<uint32_t>(rnd_.Uniform(mine));
  }
  uint32_t AnyKey() { return static_cast<uint32_t>(rnd_.Uniform(oracle_->num_keys())); }
  bool Own(uint32_t k) const { return k % threads_ == static_cast<uint32_t>(t_); }
  bool Sync() {
    const uint32_t one_in = oracle_->config()->sync_one_in;
    return one_in != 0 && rnd_.OneIn(one_in);
  }

  std::vector<KeyWrite> DistinctOwnKeys(size_t n, bool all_deletes) {
    std::set<uint32_t> seen;
    std::vector<KeyWrite> out;
    for (size_t i = 0; i < n * 3 && out.size() < n; ++i) {
      uint32_t k = OwnKey();
      if (seen.insert(k).second) out.push_back({k, all_deletes || rnd_.OneIn(4)});
    }
    if (n == 1) out[0].del = all_deletes;
    return out;
  }

  absl::Status Wrong(std::string what) {
    ++stats_->mismatches;
    std::string msg = fmt::format("seed {} cycle {} thread {} op {}: {}",
                                  oracle_->config()->seed, oracle_->config()->cycle, t_,
                                  op_index_, what);
    if (stats_->problems.size() < 12) stats_->problems.push_back(msg);
    return absl::InternalError(msg);
  }

  // A read of key k (nullopt: absent) must be what the oracle says (own key)
  // or some stored value (another thread's key).
  absl::Status CheckRead(uint32_t k, const std::optional<std::string>& v, uint64_t expect,
                         const char* how) {
    ++stats_->reads_checked;
    uint64_t got = 0;
    if (v) {
      auto id = DecodeValue(k, *v);
      if (!id) return Wrong(fmt::format("{} {}: not a value any write stored", how, KeyName(k)));
      got = *id << 1;
    }
    if (Own(k) && !SameState(got, expect)) {
      return Wrong(fmt::format("{} {}: read state {} but the oracle has {}", how, KeyName(k),
                               got, expect));
    }
    return absl::OkStatus();
  }

  absl::Status WriteGroup(size_t n, bool del) {
    std::vector<KeyWrite> writes = DistinctOwnKeys(n, del);
    const bool sync = Sync();
    auto g = oracle_->WriteBegin(t_, writes, sync, &states_);
    if (!g) return Full();
    WriteOptions wo;
    wo.sync = sync;
    absl::Status s;
    if (writes.size() == 1 && !rnd_.OneIn(4)) {
      const std::string key = KeyName(writes[0].key);
      s = writes[0].del ? db_->Delete(wo, key)
                        : db_->Put(wo, key, EncodeValue(writes[0].key, StateId(states_[0])));
    } else {
      WriteBatch b;
      for (size_t i = 0; i < writes.size(); ++i) {
        const std::string key = KeyName(writes[i].key);
        s = writes[i].del ? b.Delete(key)
                          : b.Put(key, EncodeValue(writes[i].key, StateId(states_[i])));
        if (!s.ok()) return s;
      }
      s = db_->Write(wo, b);
    }
    if (!s.ok()) return s;
    oracle_->WriteAck(t_, *g);
    stats_->acked_writes += writes.size();
    return absl::OkStatus();
  }

  absl::Status Txn() {
    for (int attempt = 0; attempt < 4; ++attempt) {
      auto txn = db_->BeginTransaction();
      if (!txn.ok()) return txn.status();
      std::string v;
      if (threads_ > 1 && rnd_.OneIn(2)) {
        uint32_t other = AnyKey();
        absl::Status s = (*txn)->GetForUpdate(KeyName(other), &v);
        if (!s.ok() && !absl::IsNotFound(s)) return s;
        if (!Own(other)) {
          auto r = CheckRead(other, s.ok() ? std::optional(v) : std::nullopt, 0, "txn lock");
          if (!r.ok()) return r;
        }
      }
      std::vector<KeyWrite> writes = DistinctOwnKeys(1 + rnd_.Uniform(4), false);
      for (const KeyWrite& w : writes) {
        absl::Status s = (*txn)->Get(KeyName(w.key), &v);
        if (!s.ok() && !absl::IsNotFound(s)) return s;
        auto r = CheckRead(w.key, s.ok() ? std::optional(v) : std::nullopt,
                           oracle_->acked(w.key), "txn get");
        if (!r.ok()) return r;
      }
      if (rnd_.OneIn(8)) {
        for (const KeyWrite& w : writes) {
          absl::Status s = (*txn)->Put(KeyName(w.key), "rolled-back");
          if (!s.ok()) return s;
        }
        return (*txn)->Rollback();
      }
      const bool sync = Sync();
      auto g = oracle_->WriteBegin(t_, writes, sync, &states_);
      if (!g) return Full();
      for (size_t i = 0; i < writes.size(); ++i) {
        const std::string key = KeyName(writes[i].key);
        const std::string value = EncodeValue(writes[i].key, StateId(states_[i]));
        absl::Status s = writes[i].del ? (*txn)->Delete(key) : (*txn)->Put(key, value);
        if (!s.ok()) return s;
        s = (*txn)->Get(key, &v);
        if (!s.ok() && !absl::IsNotFound(s)) return s;
        if (s.ok() == writes[i].del || (s.ok() && v != value)) {
          return Wrong(fmt::format("txn does not read its own write of {}", key));
        }
      }
      WriteOptions wo;
      wo.sync = sync;
      absl::Status s = (*txn)->Commit(wo);
      if (s.ok()) {
        oracle_->WriteAck(t_, *g);
        stats_->acked_writes += writes.size();
        return absl::OkStatus();
      }
      if (!absl::IsAborted(s)) return s;
      oracle_->WriteAbort(t_, *g);
      ++stats_->aborted;
    }
    return absl::OkStatus();
  }

  absl::Status GetOp() {
    uint32_t k = rnd_.OneIn(2) ? OwnKey() : AnyKey();
    auto v = db_->Get(KeyName(k));
    if (!v.ok() && !absl::IsNotFound(v.status())) return v.status();
    return CheckRead(k, v.ok() ? std::optional(*v) : std::nullopt, oracle_->acked(k), "get");
  }

  absl::Status SnapshotOp() {
    ReadOptions ro;
    if (snapshot_) {  // what it saw when taken, whatever was written since
      ro.snapshot = snapshot_.get();
      for (const auto& [k, state] : snap_expect_) {
        auto v = db_->Get(KeyName(k), ro);
        if (!v.ok() && !absl::IsNotFound(v.status())) return v.status();
        auto r = CheckRead(k, v.ok() ? std::optional(*v) : std::nullopt, state, "snapshot get");
        if (!r.ok()) return r;
      }
      snapshot_.reset();
      snap_expect_.clear();
    }
    auto snap = db_->GetSnapshot();
    if (!snap.ok()) return snap.status();
    snapshot_ = std::move(*snap);
    for (int i = 0; i < 6; ++i) {
      uint32_t k = OwnKey();
      snap_expect_.emplace_back(k, oracle_->acked(k));
    }
    return absl::OkStatus();
  }

  absl::Status IterOp() {
    const uint32_t a = AnyKey();
    const uint32_t b = std::min<uint32_t>(oracle_->num_keys(), a + 1 + rnd_.Uniform(60));
    const KeyRange range = KeyRange::Between(KeyName(a), KeyName(b));
    auto it = db_->NewIterator(ReadOptions(), range);
    const bool reverse = rnd_.OneIn(2);
    if (reverse) it->SeekToLast(); else it->SeekToFirst();
    std::set<uint32_t> seen;
    std::optional<std::string> prev;
    for (; it->Valid(); reverse ? it->Prev() : it->Next()) {
      std::string key(it->key());
      auto k = ParseKeyName(key);
      if (!k || !range.Contains(key) ||
          (prev && (reverse ? key >= *prev : key <= *prev))) {
        return Wrong(fmt::format("iterator over [{}, {}) yields '{}' out of order or range",
                                 KeyName(a), KeyName(b), key));
      }
      prev = key;
      seen.insert(*k);
      auto r = CheckRead(*k, std::string(it->value()), oracle_->acked(*k), "iterator");
      if (!r.ok()) return r;
    }
    if (!it->status().ok()) return it->status();
    for (uint32_t k = a; k < b; ++k) {
      if (Own(k) && StatePresent(oracle_->acked(k)) && !seen.count(k)) {
        return Wrong(fmt::format("iterator over [{}, {}) misses {}", KeyName(a), KeyName(b),
                                 KeyName(k)));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CompactOp() {
    absl::Status s;
    if (rnd_.OneIn(3)) {
      s = db_->CompactRange(std::nullopt, std::nullopt);
    } else {
      const uint32_t a = AnyKey();
      s = db_->CompactRange(KeyName(a), KeyName(std::min<uint32_t>(
                                            oracle_->num_keys() - 1, a + rnd_.Uniform(300))));
    }
    // A store with no range compaction has nothing to check here.
    return absl::IsUnimplemented(s) ? absl::OkStatus() : s;
  }

  absl::Status SyncOp() {  // everything acknowledged before it is durable after it
    auto g = oracle_->WriteBegin(t_, {}, /*sync=*/true, &states_);
    if (!g) return Full();
    absl::Status s = db_->Flush();
    if (!s.ok()) return s;
    oracle_->WriteAck(t_, *g);
    return absl::OkStatus();
  }

  absl::Status Full() {
    full_ = true;
    return absl::OkStatus();
  }

  Store* const db_;
  Oracle* const oracle_;
  const int t_;
  const uint32_t threads_;
  WorkloadStats* const stats_;
  Random rnd_;
  uint64_t total_weight_;
  uint64_t op_index_ = 0;
  bool full_ = false;
  std::vector<uint64_t> states_;
  SnapshotHandle snapshot_;
  std::vector<std::pair<uint32_t, uint64_t>> snap_expect_;
};

}  // namespace

void WorkloadStats::Merge(const WorkloadStats& o) {
  ops += o.ops;
  acked_writes += o.acked_writes;
  aborted += o.aborted;
  reads_checked += o.reads_checked;
  mismatches += o.mismatches;
  for (const auto& p : o.problems) {
    if (problems.size() < 12) problems.push_back(p);
  }
}

void DefaultMix(uint32_t mix[kNumMixOps]) {
  std::copy(kDefaultMix, kDefaultMix + kNumMixOps, mix);
}

std::string MixString(const uint32_t mix[kNumMixOps]) {
  std::string out;
  for (int i = 0; i < kNumMixOps; ++i) {
    out += fmt::format("{}{}={}", i ? "," : "", kMixNames[i], mix[i]);
  }
  return out;
}

absl::Status ParseMix(const std::string& spec, uint32_t mix[kNumMixOps]) {
  DefaultMix(mix);
  if (spec.empty()) return absl::OkStatus();
  for (absl::string_view part : absl::StrSplit(spec, ',')) {
    std::vector<std::string> kv = absl::StrSplit(part, '=');
    int op = -1;
    for (int i = 0; i < kNumMixOps; ++i) {
      if (kv.size() == 2 && kv[0] == kMixNames[i]) op = i;
    }
    char* end = nullptr;
    unsigned long w = op < 0 ? 0 : std::strtoul(kv[1].c_str(), &end, 10);
    if (op < 0 || end == kv[1].c_str() || *end != '\0' || w > 1000000) {
      return absl::InvalidArgumentError(
          fmt::format("--mix: bad item '{}' (want name=weight, names {})", std::string(part),
                      MixString(kDefaultMix)));
    }
    mix[op] = static_cast<uint32_t>(w);
  }
  return absl::OkStatus();
}

absl::Status RunWorkloadThread(Store* db, Oracle* oracle, int thread,
                               const WorkloadControl& control, WorkloadStats* stats) {
  Worker w(db, oracle, thread, stats);
  for (uint64_t i = 0; control.max_ops == 0 || i < control.max_ops; ++i) {
    if (control.stop != nullptr && control.stop->load(std::memory_order_relaxed)) break;
    if (control.op_counter != nullptr) {
      uint64_t n = control.op_counter->fetch_add(1) + 1;
      if (n == control.trigger_at && control.trigger) control.trigger();
    }
    absl::Status s = w.Step();
    if (!s.ok()) return s;
    if (w.full()) break;
  }
  return absl::OkStatus();
}

}  // namespace synapsed::storage::torture
