// Soak mode: one database kept open for the whole run under `threads`
// writers (the torture workload, torture/workload.h) and `readers` readers
// (torture/soak_reader.h), with flushes, compactions and held snapshots, on
// a real directory. Nothing crashes; what is checked is that nothing goes
// wrong with time:
//   - every round (at most kRoundSeconds, or until a writer's trace is
//     full) the writers stop, the oracle reads every key back and every
//     acknowledged write must be there (strict), and the trace is emptied;
//   - every sample period, the resident memory above the RSS before the
//     open must stay (except in a sanitizer build) under what the engine
//     accounts for (block cache
//     capacity or usage, whichever is larger, plus the memtable budget),
//     the oracle's map, and a stated slack; open file descriptors under
//     max_open_files plus kFileSlack over the count before the open;
//   - at the end, every held snapshot is released (the engine must report
//     none), the database is closed (every file descriptor it opened must
//     be closed) and reopened, and the oracle checks it once more.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "bench/db_bench/process_memory.h"
#include "engine/db.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "tools/torture/soak_reader.h"
#include "tools/torture/torture.h"
#include "tools/torture/value_codec.h"

namespace synapsed::storage::torture {
namespace {

using Clock = std::chrono::steady_clock;

// Groups each writer's trace holds; a round ends when one is full.
constexpr uint64_t kTraceGroups = 1 << 16;
constexpr double kRoundSeconds = 15;
// Files the engine holds besides its table cache: log, manifest, LOCK, KEYS,
// directory handles, io_uring and eventfd descriptors, a compaction's inputs
// and outputs being written, an iterator's pinned tables.
constexpr int64_t kFileSlack = 32;

// Under a sanitizer the process's memory is not the engine's: ASan keeps
// freed memory in quarantine and shadows every byte, TSan shadows too. The
// resident-memory bound is then not checked (samples still show RSS).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitizedBuild = true;
#else
constexpr bool kSanitizedBuild = false;
#endif
#else
constexpr bool kSanitizedBuild = false;
#endif

int64_t OpenFiles() {
  int64_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

void ReadEngineParts(Store* db, SoakSample* s, int64_t* cache_capacity,
                     int64_t* memtable_budget) {
  auto text = db->GetProperty("stats.json");
  if (!text.ok()) return;
  const nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return;
  auto get = [](const nlohmann::json& o, const char* k) -> int64_t {
    return o.contains(k) && o[k].is_number() ? o[k].get<int64_t>() : -1;
  };
  s->memtable_bytes = get(j, "memtable_bytes");
  s->live_tables = get(j, "live_tables");
  s->live_table_bytes = get(j, "live_table_bytes");
  s->snapshots = get(j, "snapshots");
  *memtable_budget = get(j, "memtable_budget_bytes");
  if (j.contains("block_cache") && j["block_cache"].is_object()) {
    s->block_cache_usage = get(j["block_cache"], "usage");
    *cache_capacity = get(j["block_cache"], "capacity");
  }
}

}  // namespace

TortureReport RunSoak(const TortureOptions& opts) {
  TortureReport rep;
  rep.mode = "soak";
  rep.seed = opts.seed;
  TortureOptions o = opts;
  const std::string work = PrepareWorkDir(&o);
  if (work.empty()) {
    rep.error = "cannot create a work directory";
    return rep;
  }
  std::error_code ec;
  auto oracle = Oracle::Create("", o.keys, o.threads, kTraceGroups);
  if (!oracle.ok()) {
    rep.error = std::string(oracle.status().message());
    return rep;
  }
  Oracle* orc = oracle->get();
  FillConfig(o, 0, orc->config());
  engine::EngineOptions eo = MakeEngineOptions(*orc->config(), nullptr);
  eo.block_cache_size = o.block_cache_size;
  eo.table.block_size = 4096;
  if (o.max_open_files != 0) eo.max_open_files = o.max_open_files;
  rep.reproduction = fmt::format(
      "synapsed torture --mode=soak --seed={} --duration={} --threads={} --keys={} "
      "--sync-one-in={} --write-buffer-size={} --target-file-size={} --base-level-bytes={} "
      "--cache-size={} --max-open-files={} --readers={}{}{}",
      o.seed, o.duration_seconds, o.threads, o.keys, o.sync_one_in, o.write_buffer_size,
      o.target_file_size, o.base_level_bytes, o.block_cache_size, o.max_open_files, o.readers,
      o.mix.empty() ? "" : " --mix=" + o.mix, o.encryption ? " --encryption" : "");

  const std::optional<bench::ProcessMemory> baseline = bench::ReadProcessMemory();
  bench::ResetPeakMemory();
  const int64_t baseline_files = OpenFiles();
  auto opened = engine::OpenNativeStore(eo, o.dir);
  if (!opened.ok()) {
    rep.error = fmt::format("open {}: {}", o.dir, std::string(opened.status().message()));
    return rep;
  }
  std::unique_ptr<Store> db = std::move(*opened);

  std::atomic<bool> stop_readers{false};
  std::vector<WorkloadStats> reader_stats(o.readers);  // each reader's own until joined
  std::atomic<uint64_t> reader_reads{0};                 // what they report meanwhile
  std::vector<absl::Status> reader_status(o.readers);
  std::vector<std::thread> readers;
  for (uint32_t r = 0; r < o.readers; ++r) {
    readers.emplace_back([&, r] {
      SoakReaderOptions ro{.num_keys = o.keys, .seed = Mix64(o.seed ^ (0x50a4ULL + r))};
      reader_status[r] =
          RunSoakReader(db.get(), ro, &stop_readers, &reader_stats[r], &reader_reads);
      if (!reader_status[r].ok()) stop_readers = true;
    });
  }

  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(std::max(o.duration_seconds, 1.0)));
  const auto period = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(std::max(o.sample_seconds, 1.0)));
  auto next_sample = start + period;
  uint64_t reads_so_far = 0;
  auto sample = [&] {
    SoakSample s;
    s.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    int64_t cache_capacity = -1, memtable_budget = -1;
    ReadEngineParts(db.get(), &s, &cache_capacity, &memtable_budget);
    if (auto m = bench::ReadProcessMemory(); m && baseline) {
      s.rss = m->rss_bytes - baseline->rss_bytes;
      s.heap = m->heap_in_use_bytes - baseline->heap_in_use_bytes;
    }
    s.rss_bound = kSanitizedBuild
                      ? -1
                      : std::max(cache_capacity, s.block_cache_usage) + memtable_budget +
                            static_cast<int64_t>(orc->mapped_bytes() + o.rss_slack_bytes);
    s.open_files = OpenFiles();
    s.open_files_bound = baseline_files + static_cast<int64_t>(eo.max_open_files) + kFileSlack;
    s.writes_acknowledged = rep.writes_acknowledged;
    s.reads_checked = reads_so_far + reader_reads.load();
    if (baseline && s.rss_bound >= 0 && s.rss > s.rss_bound) {
      rep.problems.push_back(fmt::format(
          "at {:.0f} s: resident memory {} bytes above the baseline, over the bound of {}",
          s.seconds, s.rss, s.rss_bound));
    }
    if (s.open_files > s.open_files_bound) {
      rep.problems.push_back(fmt::format("at {:.0f} s: {} open files, over the bound of {}",
                                         s.seconds, s.open_files, s.open_files_bound));
    }
    if (o.log != nullptr) {
      *o.log << fmt::format(
          "[soak] {:.1f} min: rss {:.1f} MiB (bound {:.1f}), {} files (bound {}), {} tables, "
          "{} writes, {} reads checked\n",
          s.seconds / 60, s.rss / 1048576.0, s.rss_bound / 1048576.0, s.open_files,
          s.open_files_bound, s.live_tables, s.writes_acknowledged, s.reads_checked);
      o.log->flush();
    }
    rep.soak_samples.push_back(s);
  };

  for (uint64_t round = 0; Clock::now() < end && rep.problems.empty(); ++round) {
    FillConfig(o, round, orc->config());
    std::atomic<bool> stop_writers{false};
    std::vector<WorkloadStats> stats(o.threads);
    std::vector<absl::Status> status(o.threads);
    std::atomic<uint32_t> running{o.threads};
    std::vector<std::thread> writers;
    WorkloadControl control;
    control.stop = &stop_writers;
    for (uint32_t t = 0; t < o.threads; ++t) {
      writers.emplace_back([&, t] {
        status[t] = RunWorkloadThread(db.get(), orc, static_cast<int>(t), control, &stats[t]);
        --running;
      });
    }
    const auto round_end = std::min({end, next_sample,
                                     Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                        std::chrono::duration<double>(
                                                            kRoundSeconds))});
    while (Clock::now() < round_end && running.load() == o.threads && !stop_readers.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop_writers = true;
    for (auto& th : writers) th.join();
    const std::string where = fmt::format("seed {} round {}", o.seed, round);
    for (uint32_t t = 0; t < o.threads; ++t) {
      rep.aborted_txns += stats[t].aborted;
      reads_so_far += stats[t].reads_checked;
      rep.mismatches += stats[t].mismatches;
      for (const auto& p : stats[t].problems) rep.problems.push_back(p);
      if (!status[t].ok() && stats[t].mismatches == 0) {
        rep.problems.push_back(fmt::format("{} writer {}: {}", where, t,
                                           std::string(status[t].message())));
      }
    }
    VerifyResult v = orc->Verify(db.get(), /*strict=*/true);
    rep.cycles = round + 1;
    if (AddVerifyResult(v, &rep)) {
      rep.problems.push_back(fmt::format("{}: the open database:", where));
      for (auto& p : v.problems) rep.problems.push_back(std::move(p));
    }
    if (!rep.problems.empty()) break;
    orc->Rebase(v.recovered);
    if (Clock::now() >= next_sample) {
      sample();
      next_sample += period;
    }
  }

  stop_readers = true;
  for (auto& th : readers) th.join();
  for (uint32_t r = 0; r < o.readers; ++r) {
    rep.reads_checked += reader_stats[r].reads_checked;
    rep.mismatches += reader_stats[r].mismatches;
    for (const auto& p : reader_stats[r].problems) rep.problems.push_back(p);
    if (!reader_status[r].ok() && reader_stats[r].mismatches == 0) {
      rep.problems.push_back(
          fmt::format("reader {}: {}", r, std::string(reader_status[r].message())));
    }
  }
  rep.reads_checked += reads_so_far;
  sample();  // the last one: every snapshot released
  if (rep.soak_samples.back().snapshots > 0) {
    rep.problems.push_back(fmt::format("{} snapshots still held after every reader let go",
                                       rep.soak_samples.back().snapshots));
  }
  if (auto m = bench::ReadProcessMemory(); m && baseline) {
    rep.soak_peak_rss = m->peak_bytes - baseline->rss_bytes;
  }
  db.reset();
  if (const int64_t files = OpenFiles(); files > baseline_files) {
    rep.problems.push_back(fmt::format(
        "{} file descriptors still open after the database closed (before it opened: {})",
        files, baseline_files));
  }
  if (rep.problems.empty()) {
    auto reopened = engine::OpenNativeStore(eo, o.dir);
    if (!reopened.ok()) {
      rep.problems.push_back(fmt::format("reopen after the soak failed: {}",
                                         std::string(reopened.status().message())));
    } else {
      VerifyResult v = orc->Verify(reopened->get(), /*strict=*/true);
      if (AddVerifyResult(v, &rep)) {
        rep.problems.push_back("after the reopen that ended the soak:");
        for (auto& p : v.problems) rep.problems.push_back(std::move(p));
      }
    }
  }
  if (rep.ok()) {
    rep.reproduction.clear();
    if (opts.dir.empty()) std::filesystem::remove_all(work, ec);
  }
  return rep;
}

}  // namespace synapsed::storage::torture
