#include "bench/db_bench/workloads.h"

#include <unistd.h>

#include <bit>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "bench/db_bench/data_gen.h"
#include "fmt/format.h"
#include "util/random.h"

namespace synapsed::storage::bench {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t Nanos(Clock::duration d) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

// What one worker thread measured.
struct ThreadStats {
  Histogram latency;
  int64_t ops = 0;
  int64_t bytes = 0;
  int64_t found = 0;
  absl::Status status;
};

// Shared by the workers of one workload: progress and an early stop.
struct Shared {
  std::atomic<int64_t> done{0};
  std::atomic<bool> stop{false};
};

// Times consecutive ops of one thread: one clock read per op.
class OpTimer {
 public:
  OpTimer(ThreadStats* stats, Shared* shared)
      : stats_(stats), shared_(shared), last_(Clock::now()) {}
  void Done(int64_t ops = 1) {
    const Clock::time_point now = Clock::now();
    stats_->latency.Add(Nanos(now - last_));
    last_ = now;
    stats_->ops += ops;
    if (++since_report_ == 256) {
      shared_->done.fetch_add(256, std::memory_order_relaxed);
      since_report_ = 0;
    }
  }

 private:
  ThreadStats* stats_;
  Shared* shared_;
  Clock::time_point last_;
  int since_report_ = 0;
};

// Prints "engine workload: done/total" on stderr every half second.
class Progress {
 public:
  Progress(bool enabled, std::string label, int64_t total, const Shared* shared)
      : enabled_(enabled), label_(std::move(label)), total_(total), shared_(shared) {
    if (enabled_) thread_ = std::thread([this] { Loop(); });
  }
  ~Progress() {
    if (!enabled_) return;
    {
      absl::MutexLock l(&mu_);
      finished_ = true;
    }
    thread_.join();
    std::fprintf(stderr, "\r\033[K");
  }

 private:
  void Loop() {
    absl::MutexLock l(&mu_);
    while (!mu_.AwaitWithTimeout(absl::Condition(&finished_), absl::Milliseconds(500))) {
      const int64_t done = shared_->done.load(std::memory_order_relaxed);
      std::fprintf(stderr, "\r\033[K%s: %lld/%lld ops (%.0f%%)", label_.c_str(),
                   static_cast<long long>(done), static_cast<long long>(total_),
                   total_ > 0 ? 100.0 * done / total_ : 0.0);
      std::fflush(stderr);
    }
  }

  const bool enabled_;
  const std::string label_;
  const int64_t total_;
  const Shared* shared_;
  absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// Everything a worker needs.
struct Context {
  Store* store;
  const BenchFlags* flags;
  LiveKeys* live;
  Shared* shared;
  uint64_t seed;  // for this workload; thread t uses seed + t
};

// Writes `n` keys (in order, or random over [0, num)).
void DoWrite(const Context& c, int t, ThreadStats* st, int64_t n, bool seq, bool sync) {
  Random rnd(c.seed + t);
  ValueGenerator values(c.seed + t, c.flags->compression_ratio);
  WriteOptions wo;
  wo.sync = sync || c.flags->sync;
  std::string key;
  OpTimer timer(st, c.shared);
  for (int64_t i = 0; i < n && !c.shared->stop.load(std::memory_order_relaxed); ++i) {
    const uint64_t k = seq ? static_cast<uint64_t>(i) : rnd.Uniform(c.flags->num);
    MakeKey(k, c.flags->key_size, &key);
    std::string_view v = values.Next(c.flags->value_size);
    absl::Status s = c.store->Put(wo, key, v);
    if (!s.ok()) {
      st->status = s;
      return;
    }
    c.live->Set(k);
    st->bytes += key.size() + v.size();
    timer.Done();
  }
}

void DoReadRandom(const Context& c, int t, ThreadStats* st, int64_t n) {
  Random rnd(c.seed + t);
  std::string key;
  PinnableValue value;
  OpTimer timer(st, c.shared);
  for (int64_t i = 0; i < n; ++i) {
    MakeKey(rnd.Uniform(c.flags->num), c.flags->key_size, &key);
    absl::Status s = c.store->Get(ReadOptions(), key, &value);
    if (s.ok()) {
      ++st->found;
      st->bytes += key.size() + value.size();
    } else if (!absl::IsNotFound(s)) {
      st->status = s;
      return;
    }
    timer.Done();
  }
}

void DoScan(const Context& c, ThreadStats* st, int64_t n, bool reverse) {
  std::unique_ptr<Iterator> it = c.store->NewIterator(ReadOptions(), KeyRange::All());
  OpTimer timer(st, c.shared);
  reverse ? it->SeekToLast() : it->SeekToFirst();
  for (int64_t i = 0; i < n && it->Valid(); ++i) {
    st->bytes += it->key().size() + it->value().size();
    reverse ? it->Prev() : it->Next();
    timer.Done();
  }
  st->status = it->status();
}

void DoSeekRandom(const Context& c, int t, ThreadStats* st, int64_t n) {
  Random rnd(c.seed + t);
  std::string key;
  OpTimer timer(st, c.shared);
  for (int64_t i = 0; i < n; ++i) {
    MakeKey(rnd.Uniform(c.flags->num), c.flags->key_size, &key);
    // A new iterator per seek, as db_bench does without a tailing iterator.
    std::unique_ptr<Iterator> it = c.store->NewIterator(ReadOptions(), KeyRange::All());
    it->Seek(key);
    if (it->Valid() && it->key() == key) ++st->found;
    for (int j = 0; j < c.flags->seek_nexts && it->Valid(); ++j) {
      st->bytes += it->key().size() + it->value().size();
      it->Next();
    }
    if (!it->status().ok()) {
      st->status = it->status();
      return;
    }
    timer.Done();
  }
}

void DoMultiRead(const Context& c, int t, ThreadStats* st, int64_t n) {
  Random rnd(c.seed + t);
  const int batch = c.flags->batch_size;
  std::vector<std::string> keys(batch);
  std::vector<std::string_view> views(batch);
  OpTimer timer(st, c.shared);
  for (int64_t i = 0; i < n; i += batch) {
    for (int j = 0; j < batch; ++j) {
      MakeKey(rnd.Uniform(c.flags->num), c.flags->key_size, &keys[j]);
      views[j] = keys[j];
    }
    auto got = c.store->BatchGet(ReadOptions(), views);
    if (!got.ok()) {
      st->status = got.status();
      return;
    }
    for (int j = 0; j < batch; ++j) {
      if ((*got)[j]) {
        ++st->found;
        st->bytes += keys[j].size() + (*got)[j]->size();
      }
    }
    timer.Done(batch);
  }
}

}  // namespace

int64_t LiveKeys::Count() const {
  int64_t n = 0;
  for (const auto& w : words_) n += std::popcount(w.load(std::memory_order_relaxed));
  return n;
}

bool IsFresh(const std::string& name) {
  return name == "fillseq" || name == "fillrandom" || name == "fillsync";
}
bool IsWrite(const std::string& name) { return IsFresh(name) || name == "overwrite"; }
bool WritesData(const std::string& name) {
  return IsWrite(name) || name == "readwhilewriting";
}

WorkloadResult RunWorkload(const std::string& name, int index, const std::string& engine,
                           Store* store, const BenchFlags& flags, LiveKeys* live) {
  WorkloadResult r;
  r.workload = name;
  r.engine = engine;
  Shared shared;
  // The seed depends on the benchmark's name and position, so a read after
  // a fill does not replay the fill's key sequence.
  uint64_t name_hash = 1469598103934665603ull;  // FNV-1a
  for (char ch : name) name_hash = (name_hash ^ static_cast<uint8_t>(ch)) * 1099511628211ull;
  Context c{store, &flags, live, &shared, flags.seed * 1000003 + index * 7919 + name_hash};
  const int64_t reads = flags.ReadCount();
  const int threads = flags.threads;
  // db_bench: every thread does the whole count.
  std::function<void(int, ThreadStats*)> work;
  int64_t per_thread = reads;
  if (name == "fillseq" || name == "fillrandom" || name == "overwrite" ||
      name == "fillsync") {
    // db_bench's fillsync writes num/1000 keys.
    per_thread = name == "fillsync" ? std::max<int64_t>(1, flags.num / 1000) : flags.num;
    const bool seq = name == "fillseq";
    const bool sync = name == "fillsync";
    work = [&, seq, sync, per_thread](int t, ThreadStats* st) {
      DoWrite(c, t, st, per_thread, seq, sync);
    };
  } else if (name == "readrandom" || name == "readwhilewriting") {
    work = [&](int t, ThreadStats* st) { DoReadRandom(c, t, st, reads); };
  } else if (name == "readseq" || name == "readreverse") {
    const bool reverse = name == "readreverse";
    work = [&, reverse](int, ThreadStats* st) { DoScan(c, st, reads, reverse); };
  } else if (name == "seekrandom") {
    work = [&](int t, ThreadStats* st) { DoSeekRandom(c, t, st, reads); };
  } else if (name == "multireadrandom") {
    work = [&](int t, ThreadStats* st) { DoMultiRead(c, t, st, reads); };
  }

  std::vector<ThreadStats> stats(threads);
  ThreadStats writer_stats;
  Shared writer_shared;
  Progress progress(flags.progress, engine + " " + name, per_thread * threads, &shared);
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) workers.emplace_back(work, t, &stats[t]);
  std::thread writer;
  if (name == "readwhilewriting") {
    // One writer overwriting random keys until the readers finish.
    Context wc = c;
    wc.shared = &writer_shared;
    wc.seed = c.seed + 1000;
    writer = std::thread([wc, &writer_stats] {
      DoWrite(wc, 0, &writer_stats, INT64_MAX, /*seq=*/false, /*sync=*/false);
    });
  }
  for (auto& w : workers) w.join();
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (writer.joinable()) {
    writer_shared.stop = true;
    writer.join();
  }

  int64_t found = 0;
  for (const ThreadStats& st : stats) {
    r.latency.Merge(st.latency);
    r.ops += st.ops;
    r.bytes += st.bytes;
    found += st.found;
    if (!st.status.ok() && r.status.ok()) r.status = st.status;
  }
  if (!writer_stats.status.ok() && r.status.ok()) r.status = writer_stats.status;
  if (name == "readrandom" || name == "readwhilewriting" || name == "multireadrandom" ||
      name == "seekrandom") {
    r.note = fmt::format("({} of {} found)", found, r.ops);
  }
  if (name == "readwhilewriting") {
    r.writer_ops_per_sec = r.seconds > 0 ? writer_stats.ops / r.seconds : 0;
    r.note += fmt::format(" writer: {:.0f} puts/s", r.writer_ops_per_sec);
  }
  if (name == "fillsync") r.note = fmt::format("({} synced writes = num/1000)", r.ops);
  return r;
}

}  // namespace synapsed::storage::bench
