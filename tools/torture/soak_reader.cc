#include "tools/torture/soak_reader.h"

#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fmt/format.h"
#include "tools/torture/value_codec.h"
#include "util/random.h"

namespace synapsed::storage::torture {
namespace {

// What a snapshot read when it was taken, checked again when it is let go.
struct HeldSnapshot {
  SnapshotHandle snapshot;
  std::chrono::steady_clock::time_point release_at;
  std::vector<std::pair<uint32_t, uint64_t>> seen;  // key, write id (0: absent)
};

class Reader {
 public:
  Reader(Store* db, const SoakReaderOptions& o, WorkloadStats* stats)
      : db_(db), o_(o), stats_(stats), rnd_(Mix64(o.seed)), last_id_(o.num_keys, 0) {}

  absl::Status Step() {
    ++stats_->ops;
    absl::Status s = ReleaseDue(/*all=*/false);
    if (!s.ok()) return s;
    const uint64_t pick = rnd_.Uniform(100);
    if (pick < 55) return GetOp();
    if (pick < 80) return IterOp();
    return SnapshotOp();
  }

  // Checks and lets go of every held snapshot (at the end of the run).
  absl::Status Finish() { return ReleaseDue(/*all=*/true); }

 private:
  uint32_t AnyKey() { return static_cast<uint32_t>(rnd_.Uniform(o_.num_keys)); }

  absl::Status Wrong(std::string what) {
    ++stats_->mismatches;
    if (stats_->problems.size() < 12) stats_->problems.push_back(what);
    return absl::InternalError(what);
  }

  // The write id a read of key k holds (0: absent), or a problem if the
  // value is not one a write of k stored.
  absl::StatusOr<uint64_t> IdOf(uint32_t k, const std::optional<std::string>& v,
                                const char* how) {
    ++stats_->reads_checked;
    if (!v) return uint64_t{0};
    auto id = DecodeValue(k, *v);
    if (!id) return Wrong(fmt::format("soak reader: {} {}: not a value any write stored", how,
                                      KeyName(k)));
    return *id;
  }

  // A read without a snapshot: never older than the last one of that key.
  absl::Status CheckFresh(uint32_t k, uint64_t id, const char* how) {
    if (id == 0) return absl::OkStatus();  // a delete's id is not in the value
    if (id < last_id_[k]) {
      return Wrong(fmt::format("soak reader: {} {}: read write {} after having read write {}",
                               how, KeyName(k), id, last_id_[k]));
    }
    last_id_[k] = id;
    return absl::OkStatus();
  }

  absl::Status GetOp() {
    const uint32_t k = AnyKey();
    auto v = db_->Get(KeyName(k));
    if (!v.ok() && !absl::IsNotFound(v.status())) return v.status();
    auto id = IdOf(k, v.ok() ? std::optional(*v) : std::nullopt, "get");
    if (!id.ok()) return id.status();
    return CheckFresh(k, *id, "get");
  }

  absl::Status IterOp() {
    const uint32_t a = AnyKey();
    const uint32_t b = std::min<uint32_t>(o_.num_keys, a + 1 + rnd_.Uniform(200));
    const KeyRange range = KeyRange::Between(KeyName(a), KeyName(b));
    auto it = db_->NewIterator(ReadOptions(), range);
    const bool reverse = rnd_.OneIn(2);
    if (reverse) it->SeekToLast(); else it->SeekToFirst();
    std::optional<std::string> prev;
    for (; it->Valid(); reverse ? it->Prev() : it->Next()) {
      std::string key(it->key());
      auto k = ParseKeyName(key);
      if (!k || !range.Contains(key) || (prev && (reverse ? key >= *prev : key <= *prev))) {
        return Wrong(fmt::format("soak reader: iterator over [{}, {}) yields '{}' out of order "
                                 "or range", KeyName(a), KeyName(b), key));
      }
      prev = key;
      auto id = IdOf(*k, std::string(it->value()), "iterator");
      if (!id.ok()) return id.status();
      if (absl::Status s = CheckFresh(*k, *id, "iterator"); !s.ok()) return s;
    }
    return it->status();
  }

  absl::Status SnapshotOp() {
    if (held_.size() >= 8) return absl::OkStatus();
    auto snap = db_->GetSnapshot();
    if (!snap.ok()) return snap.status();
    HeldSnapshot h;
    h.snapshot = std::move(*snap);
    const auto hold = std::chrono::milliseconds(
        rnd_.Uniform(static_cast<uint64_t>(o_.max_hold.count()) + 1));
    h.release_at = std::chrono::steady_clock::now() + hold;
    absl::Status s = ReadAll(&h, /*record=*/true);
    if (!s.ok()) return s;
    held_.push_back(std::move(h));
    return absl::OkStatus();
  }

  // Reads the snapshot's keys (16 random ones, chosen when recording) and
  // records them, or checks them against what was recorded.
  absl::Status ReadAll(HeldSnapshot* h, bool record) {
    ReadOptions ro;
    ro.snapshot = h->snapshot.get();
    if (record) {
      for (int i = 0; i < 16; ++i) h->seen.emplace_back(AnyKey(), 0);
    }
    for (auto& [k, id] : h->seen) {
      auto v = db_->Get(KeyName(k), ro);
      if (!v.ok() && !absl::IsNotFound(v.status())) return v.status();
      auto got = IdOf(k, v.ok() ? std::optional(*v) : std::nullopt, "snapshot get");
      if (!got.ok()) return got.status();
      if (record) {
        id = *got;
      } else if (*got != id) {
        return Wrong(fmt::format("soak reader: a snapshot read {} as write {}, then as write {}",
                                 KeyName(k), id, *got));
      }
    }
    return absl::OkStatus();
  }

  absl::Status ReleaseDue(bool all) {
    const auto now = std::chrono::steady_clock::now();
    for (auto it = held_.begin(); it != held_.end();) {
      if (!all && it->release_at > now) {
        ++it;
        continue;
      }
      absl::Status s = ReadAll(&*it, /*record=*/false);
      if (!s.ok()) return s;
      it = held_.erase(it);
    }
    return absl::OkStatus();
  }

  Store* const db_;
  const SoakReaderOptions o_;
  WorkloadStats* const stats_;
  Random rnd_;
  std::vector<uint64_t> last_id_;
  std::deque<HeldSnapshot> held_;
};

}  // namespace

absl::Status RunSoakReader(Store* db, const SoakReaderOptions& options,
                           const std::atomic<bool>* stop, WorkloadStats* stats,
                           std::atomic<uint64_t>* reads) {
  Reader r(db, options, stats);
  uint64_t reported = 0;
  auto report = [&] {
    if (reads != nullptr) reads->fetch_add(stats->reads_checked - reported);
    reported = stats->reads_checked;
  };
  for (uint64_t step = 1; !stop->load(std::memory_order_relaxed); ++step) {
    if (absl::Status s = r.Step(); !s.ok()) return s;
    if (step % 256 == 0) report();
  }
  absl::Status s = r.Finish();
  report();
  return s;
}

}  // namespace synapsed::storage::torture
