// Metamorphic mode: one seeded list of operations (puts, deletes, batches,
// transactions, point reads, scans, snapshot reads, flushes, compactions,
// close-and-reopen) is run against an in-memory model and against the engine
// under several option sets (block size, write buffer, codec, cache size,
// compaction trigger). Every read appends its result to a history; all
// histories must equal the model's. On a difference the op list is shrunk
// (chunks removed while the difference persists) and the shortest failing
// list is printed.
#include <map>
#include <optional>

#include "engine/db.h"
#include "engine/db_impl.h"
#include "env/mem_env.h"
#include "fmt/format.h"
#include "tools/torture/torture.h"
#include "tools/torture/value_codec.h"
#include "util/random.h"

namespace synapsed::storage::torture {
namespace {

enum class OpKind { kPut, kDelete, kBatch, kTxn, kGet, kScan, kSnapshot, kSnapRead, kFlush,
                    kCompact, kReopen };

struct MOp {
  OpKind kind;
  uint32_t a = 0, b = 0;   // keys / range
  uint64_t id = 0;         // value id
  bool flag = false;       // reverse scan / rollback
  std::vector<std::pair<uint32_t, bool>> batch;  // (key, delete)
};

std::string OpString(const MOp& op) {
  static const char* kNames[] = {"put", "delete", "batch", "txn", "get", "scan",
                                 "snapshot", "snapread", "flush", "compact", "reopen"};
  std::string s = fmt::format("{} {} {} id={}{}", kNames[static_cast<int>(op.kind)],
                              KeyName(op.a), KeyName(op.b), op.id, op.flag ? " flag" : "");
  for (const auto& [k, del] : op.batch) s += fmt::format(" {}{}", del ? "-" : "+", KeyName(k));
  return s;
}

std::vector<MOp> Generate(uint64_t seed, uint64_t n, uint32_t keys) {
  Random rnd(seed);
  std::vector<MOp> ops;
  for (uint64_t i = 0; i < n; ++i) {
    MOp op;
    const uint64_t r = rnd.Uniform(100);
    op.a = static_cast<uint32_t>(rnd.Uniform(keys));
    op.b = std::min<uint32_t>(keys, op.a + 1 + static_cast<uint32_t>(rnd.Uniform(80)));
    op.id = i + 1;
    op.flag = rnd.OneIn(2);
    op.kind = r < 30 ? OpKind::kPut : r < 38 ? OpKind::kDelete : r < 48 ? OpKind::kBatch
            : r < 56 ? OpKind::kTxn : r < 74 ? OpKind::kGet : r < 82 ? OpKind::kScan
            : r < 86 ? OpKind::kSnapshot : r < 93 ? OpKind::kSnapRead : r < 96 ? OpKind::kFlush
            : r < 99 ? OpKind::kCompact : OpKind::kReopen;
    if (op.kind == OpKind::kBatch || op.kind == OpKind::kTxn) {
      for (int j = 0, m = 1 + static_cast<int>(rnd.Uniform(6)); j < m; ++j) {
        op.batch.emplace_back(static_cast<uint32_t>(rnd.Uniform(keys)), rnd.OneIn(4));
      }
    }
    op.flag = op.kind == OpKind::kTxn ? rnd.OneIn(6) : op.flag;
    ops.push_back(std::move(op));
  }
  return ops;
}

using Model = std::map<uint32_t, std::string>;

std::string Show(const absl::StatusOr<std::string>& v) {
  if (v.ok()) return fmt::format("= {}", v->substr(0, 24));
  return absl::IsNotFound(v.status()) ? "absent" : "error " + std::string(v.status().message());
}

// Runs `ops` on the model (config < 0) or the engine under option set
// `config`, returning the history (one line per op).
std::vector<std::string> Run(const std::vector<MOp>& ops, int config, uint32_t keys,
                             std::string* error) {
  std::vector<std::string> h;
  h.reserve(ops.size());
  Model model;
  std::optional<Model> snap_model;
  std::unique_ptr<env::FileSystem> mem;
  engine::EngineOptions eo;
  std::unique_ptr<Store> db;
  SnapshotHandle snap;
  if (config >= 0) {
    mem = env::NewMemFileSystem();
    eo.fs = mem.get();
    eo.use_io_uring = false;
    static const size_t kBlock[] = {4096, 256, 1024, 65536};
    static const size_t kBuffer[] = {64 << 10, 4 << 10, 16 << 10, 1 << 20};
    static const sstable::CompressionType kCodec[] = {
        sstable::CompressionType::kLz4, sstable::CompressionType::kZstd,
        sstable::CompressionType::kNone, sstable::CompressionType::kLz4};
    static const size_t kCache[] = {8 << 20, 16 << 10, 1 << 20, 0};
    static const int kTrigger[] = {4, 2, 8, 4};
    eo.table.block_size = kBlock[config];
    eo.write_buffer_size = kBuffer[config];
    eo.table.compression = kCodec[config];
    // Config 1's 256-byte blocks often fail to compress, so its adaptive
    // mode actually skips blocks; config 3 writes each level with its codec.
    eo.table.adaptive_compression = config == 1;
    if (config == 3) {
      eo.compression_per_level = {sstable::CompressionType::kLz4,
                                  sstable::CompressionType::kNone,
                                  sstable::CompressionType::kZstd};
    }
    eo.block_cache_size = kCache[config];
    eo.l0_compaction_trigger = kTrigger[config];
    eo.target_file_size = 16 << 10;
    eo.base_level_bytes = 64 << 10;
    auto opened = engine::OpenNativeStore(eo, "/m");
    if (!opened.ok()) {
      *error = std::string(opened.status().message());
      return h;
    }
    db = std::move(*opened);
  }
  auto read = [&](uint32_t k, const Model& m) -> absl::StatusOr<std::string> {
    auto it = m.find(k);
    if (it == m.end()) return absl::NotFoundError("");
    return it->second;
  };
  for (const MOp& op : ops) {
    std::string line;
    switch (op.kind) {
      case OpKind::kPut:
      case OpKind::kDelete: {
        const bool del = op.kind == OpKind::kDelete;
        absl::Status s = absl::OkStatus();
        if (db) {
          s = del ? db->Delete(KeyName(op.a)) : db->Put(KeyName(op.a), EncodeValue(op.a, op.id));
        } else if (del) {
          model.erase(op.a);
        } else {
          model[op.a] = EncodeValue(op.a, op.id);
        }
        line = s.ok() ? "ok" : std::string(s.message());
        break;
      }
      case OpKind::kBatch:
      case OpKind::kTxn: {
        absl::Status s = absl::OkStatus();
        const bool rollback = op.kind == OpKind::kTxn && op.flag;
        if (db && op.kind == OpKind::kBatch) {
          WriteBatch b;
          for (const auto& [k, del] : op.batch) {
            s.Update(del ? b.Delete(KeyName(k)) : b.Put(KeyName(k), EncodeValue(k, op.id)));
          }
          s.Update(db->Write(WriteOptions(), b));
        } else if (db) {
          auto txn = db->BeginTransaction();
          s = txn.status();
          std::string v;
          for (const auto& [k, del] : op.batch) {
            if (!s.ok()) break;
            absl::Status g = (*txn)->Get(KeyName(k), &v);
            line += g.ok() ? v.substr(0, 24) + ";" : absl::IsNotFound(g) ? "-;" : "error;";
            s.Update(del ? (*txn)->Delete(KeyName(k)) : (*txn)->Put(KeyName(k), EncodeValue(k, op.id)));
          }
          if (s.ok()) s = rollback ? (*txn)->Rollback() : (*txn)->Commit();
        } else {
          Model txn_view = model;
          for (const auto& [k, del] : op.batch) {
            if (op.kind == OpKind::kTxn) {
              auto it = txn_view.find(k);
              line += it != txn_view.end() ? it->second.substr(0, 24) + ";" : "-;";
            }
            if (del) txn_view.erase(k); else txn_view[k] = EncodeValue(k, op.id);
          }
          if (!rollback) model = std::move(txn_view);
        }
        line += s.ok() ? "ok" : std::string(s.message());
        break;
      }
      case OpKind::kGet:
        line = Show(db ? db->Get(KeyName(op.a)) : read(op.a, model));
        break;
      case OpKind::kScan: {
        const KeyRange range = KeyRange::Between(KeyName(op.a), KeyName(op.b));
        const size_t limit = op.id % 3 == 0 ? 0 : op.id % 17;
        std::vector<KeyValue> kvs;
        if (db) {
          auto r = db->Scan(range, limit, op.flag ? Direction::kReverse : Direction::kForward);
          if (!r.ok()) {
            line = "error " + std::string(r.status().message());
            break;
          }
          kvs = std::move(*r);
        } else {
          for (auto it = model.lower_bound(op.a); it != model.end() && it->first < op.b; ++it) {
            kvs.push_back({KeyName(it->first), it->second});
          }
          if (op.flag) std::reverse(kvs.begin(), kvs.end());
          if (limit != 0 && kvs.size() > limit) kvs.resize(limit);
        }
        uint64_t hash = kvs.size();
        for (const auto& kv : kvs) {
          hash = Mix64(hash ^ std::hash<std::string>()(kv.key) ^
                       (std::hash<std::string>()(kv.value) << 1));
        }
        line = fmt::format("{} pairs #{:016x}", kvs.size(), hash);
        break;
      }
      case OpKind::kSnapshot:
        if (db) {
          snap.reset();
          auto s = db->GetSnapshot();
          if (s.ok()) snap = std::move(*s);
        } else {
          snap_model = model;
        }
        line = "ok";
        break;
      case OpKind::kSnapRead: {
        const bool have = db ? snap != nullptr : snap_model.has_value();
        if (!have) {
          line = "no snapshot";
        } else if (db) {
          ReadOptions ro;
          ro.snapshot = snap.get();
          line = Show(db->Get(KeyName(op.a), ro));
        } else {
          line = Show(read(op.a, *snap_model));
        }
        break;
      }
      case OpKind::kFlush:
      case OpKind::kCompact:
        if (db) {
          // Flushing memtables is the engine's own; compaction is the Store's.
          absl::Status s = op.kind == OpKind::kFlush
                               ? engine::AsNativeEngine(db.get())->FlushMemTables()
                               : db->CompactRange(KeyName(op.a), KeyName(op.b));
          if (!s.ok()) line = std::string(s.message());
        }
        break;
      case OpKind::kReopen:
        if (db) {
          snap.reset();
          db.reset();
          auto opened = engine::OpenNativeStore(eo, "/m");
          if (!opened.ok()) {
            *error = "reopen: " + std::string(opened.status().message());
            return h;
          }
          db = std::move(*opened);
        } else {
          snap_model.reset();
        }
        break;
    }
    h.push_back(std::move(line));
  }
  // The final state, key by key.
  for (uint32_t k = 0; k < keys; ++k) {
    h.push_back(fmt::format("final {} {}", KeyName(k),
                            Show(db ? db->Get(KeyName(k)) : read(k, model))));
  }
  return h;
}

// Of the final reads (the last `keys` lines), the ones that hold a value in
// the model's history, and those the engine's history matches.
struct FinalValues {
  uint64_t expected = 0;
  uint64_t matched = 0;
};

// The first index where the engine's history under `config` leaves the
// model's, or -1.
int64_t FirstDifference(const std::vector<MOp>& ops, int config, uint32_t keys,
                        std::string* detail, FinalValues* values = nullptr) {
  std::string error;
  auto want = Run(ops, -1, keys, &error);
  auto got = Run(ops, config, keys, &error);
  if (values != nullptr) {
    for (size_t i = ops.size(); i < want.size(); ++i) {
      if (want[i].find(" = ") == std::string::npos) continue;
      ++values->expected;
      if (i < got.size() && got[i] == want[i]) ++values->matched;
    }
  }
  if (!error.empty()) {
    *detail = error;
    return static_cast<int64_t>(got.size());
  }
  for (size_t i = 0; i < want.size(); ++i) {
    if (i >= got.size() || got[i] != want[i]) {
      *detail = fmt::format("op {} ({}): option set {} gives '{}', the model '{}'", i,
                            i < ops.size() ? OpString(ops[i]) : "final read", config,
                            i < got.size() ? got[i] : "", want[i]);
      return static_cast<int64_t>(i);
    }
  }
  return -1;
}

}  // namespace

TortureReport RunMetamorphic(const TortureOptions& o) {
  TortureReport rep;
  rep.mode = "metamorphic";
  rep.seed = o.seed;
  const auto start = std::chrono::steady_clock::now();
  const uint32_t keys = std::min<uint32_t>(o.keys, 2000);
  for (uint64_t cycle = 0;; ++cycle) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (o.cycles == 0 && o.duration_seconds <= 0 ? cycle >= 1
        : (o.cycles != 0 && cycle >= o.cycles) ||
              (o.duration_seconds > 0 && elapsed >= o.duration_seconds)) {
      break;
    }
    const uint64_t cseed = Mix64(o.seed + cycle);
    std::vector<MOp> ops = Generate(cseed, o.ops_per_cycle, keys);
    uint64_t writes = 0;
    for (const MOp& op : ops) {
      writes += op.kind == OpKind::kPut || op.kind == OpKind::kDelete ? 1
                : op.kind == OpKind::kBatch || (op.kind == OpKind::kTxn && !op.flag) ? op.batch.size()
                                                                                    : 0;
    }
    for (int config = 0; config < 4; ++config) {
      std::string detail;
      FinalValues values;
      int64_t diff = FirstDifference(ops, config, keys, &detail, &values);
      // Every write is promised: the engine's reads must show all of them.
      rep.writes_acknowledged += writes;
      rep.writes_promised += writes;
      rep.reads_checked += ops.size() + keys;
      rep.values_expected += values.expected;
      rep.values_matched += values.matched;
      if (diff < 0) {
        rep.writes_survived += writes;
        continue;
      }
      ++rep.mismatches;
      rep.problems.push_back(fmt::format("seed {} cycle {}: {}", o.seed, cycle, detail));
      // Shrink: drop chunks while the histories still differ.
      std::vector<MOp> small(ops.begin(),
                             ops.begin() + std::min<int64_t>(diff + 1, ops.size()));
      int runs = 0;
      for (size_t chunk = small.size() / 2; chunk >= 1 && runs < 300; chunk /= 2) {
        for (size_t at = 0; at + chunk <= small.size() && runs < 300;) {
          std::vector<MOp> trial(small.begin(), small.begin() + at);
          trial.insert(trial.end(), small.begin() + at + chunk, small.end());
          std::string d;
          ++runs;
          if (FirstDifference(trial, config, keys, &d) >= 0) {
            small = std::move(trial);
            detail = d;
          } else {
            at += chunk;
          }
        }
      }
      rep.problems.push_back(fmt::format("shrunk to {} ops ({} runs): {}", small.size(), runs,
                                         detail));
      for (size_t i = 0; i < small.size() && i < 40; ++i) {
        rep.problems.push_back(fmt::format("  {}: {}", i, OpString(small[i])));
      }
      rep.reproduction = fmt::format(
          "synapsed torture --mode=metamorphic --seed={} --cycles={} --ops-per-cycle={} "
          "--keys={}", o.seed, cycle + 1, o.ops_per_cycle, o.keys);
      rep.cycles = cycle + 1;
      return rep;
    }
    rep.cycles = cycle + 1;
  }
  return rep;
}

}  // namespace synapsed::storage::torture
