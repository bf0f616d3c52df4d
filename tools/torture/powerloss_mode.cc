// Power-loss and kill-point modes: in process, on the fault-injecting file
// system over an in-memory one.
//
// A cycle runs the workload until the crash trigger (a random op, or a kill
// point's handler), which freezes the file system: nothing after that moment
// reaches the "disk". The store is then dropped, the power cut simulated
// (each file keeps a random prefix of its unsynced bytes, unsynced directory
// changes are undone), and the reopened store must hold the state after some
// prefix of the acknowledged writes that includes every synced one.
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "engine/db.h"
#include "env/fault_injection_env.h"
#include "env/mem_env.h"
#include "fmt/format.h"
#include "tools/torture/torture.h"
#include "util/kill_point.h"
#include "util/random.h"
#include "tools/torture/value_codec.h"

namespace synapsed::storage::torture {
namespace {

bool KeepGoing(const TortureOptions& o, uint64_t done,
               std::chrono::steady_clock::time_point start) {
  if (o.cycles == 0 && o.duration_seconds <= 0) return done < 1;
  if (o.cycles != 0 && done >= o.cycles) return false;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return o.duration_seconds <= 0 || elapsed < o.duration_seconds;
}

}  // namespace

bool KillPointsCompiledIn() {
#ifdef SYNAPSED_KILL_POINTS
  return true;
#else
  return false;
#endif
}

TortureReport RunPowerLoss(const TortureOptions& o, bool killpoints) {
  TortureReport rep;
  rep.mode = killpoints ? "killpoints" : "powerloss";
  rep.seed = o.seed;
  if (killpoints && !KillPointsCompiledIn()) {
    rep.error = "kill points are not compiled in (configure with -DSYNAPSED_KILL_POINTS=ON)";
    return rep;
  }
  const auto start = std::chrono::steady_clock::now();
  Random rnd(Mix64(o.seed));
  auto mem = env::NewMemFileSystem();
  env::FaultInjectionFileSystem fs(mem.get());
  const uint64_t max_ops = killpoints ? o.ops_per_cycle * 4 : o.ops_per_cycle;
  auto oracle = Oracle::Create("", o.keys, o.threads, max_ops * o.threads + 64);
  if (!oracle.ok()) {
    rep.error = std::string(oracle.status().message());
    return rep;
  }
  Oracle* orc = oracle->get();
  // The key registry's points exist only in an encrypted database.
  std::vector<std::string> names;
  for (const std::string& n : KillPointNames()) {
    if (o.encryption || !n.starts_with("keys.")) names.push_back(n);
  }
  std::set<std::string> fired_names;
  std::unique_ptr<Store> db;
  std::atomic<bool> frozen{false};
  for (uint64_t cycle = 0; KeepGoing(o, cycle, start); ++cycle) {
    FillConfig(o, cycle, orc->config());
    orc->config()->use_io_uring = 0;
    const engine::EngineOptions eo = MakeEngineOptions(*orc->config(), &fs);
    const std::string where = fmt::format("seed {} cycle {}", o.seed, cycle);
    const std::string repro = fmt::format(
        "synapsed torture --mode={} --seed={} --cycles={} --threads={} --keys={} "
        "--ops-per-cycle={} --sync-one-in={} --write-buffer-size={} --wal-buffer-bytes={}{}{}",
        rep.mode, o.seed, cycle + 1, o.threads, o.keys, o.ops_per_cycle, o.sync_one_in,
        o.write_buffer_size, o.wal_buffer_bytes, o.mix.empty() ? "" : " --mix=" + o.mix,
        o.encryption ? " --encryption" : "");
    if (db == nullptr) {
      auto opened = engine::OpenNativeStore(eo, "/db");
      if (!opened.ok()) {
        rep.problems.push_back(fmt::format("{}: open failed: {}", where,
                                           std::string(opened.status().message())));
        rep.reproduction = repro;
        break;
      }
      db = std::move(*opened);
    }
    // Run until the crash.
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> counter{0};
    frozen = false;
    auto crash = [&] {
      fs.Freeze();
      frozen = true;
      stop = true;
    };
    std::string point;
    WorkloadControl control;
    control.stop = &stop;
    if (killpoints) {
      point = names[cycle % names.size()];
      control.max_ops = max_ops;
      DisarmKillPoints();
      SetKillPointHandler([&](std::string_view) { crash(); });
      ArmKillPoint(point, 1 + static_cast<int>(rnd.Uniform(3)));
    } else {
      control.max_ops = max_ops;
      control.op_counter = &counter;
      control.trigger_at = 1 + rnd.Uniform(o.ops_per_cycle);
      control.trigger = crash;
    }
    std::vector<WorkloadStats> stats(o.threads);
    std::vector<absl::Status> status(o.threads);
    // One byte per thread: std::vector<bool> packs the flags into shared words.
    std::vector<char> failed_before_crash(o.threads, 0);
    {
      std::vector<std::thread> threads;
      for (uint32_t t = 0; t < o.threads; ++t) {
        threads.emplace_back([&, t] {
          status[t] = RunWorkloadThread(db.get(), orc, static_cast<int>(t), control, &stats[t]);
          failed_before_crash[t] = !status[t].ok() && !frozen.load();
          if (!status[t].ok()) stop = true;
        });
      }
      for (auto& th : threads) th.join();
    }
    if (killpoints) {
      SetKillPointHandler(nullptr);
      DisarmKillPoints();
      if (frozen) fired_names.insert(point);
    }
    for (uint32_t t = 0; t < o.threads; ++t) {
      rep.reads_checked += stats[t].reads_checked;
      rep.aborted_txns += stats[t].aborted;
      rep.mismatches += stats[t].mismatches;
      for (const auto& p : stats[t].problems) rep.problems.push_back(p);
      if (failed_before_crash[t] && stats[t].mismatches == 0) {
        rep.problems.push_back(fmt::format("{} thread {}: operation failed before the crash: {}",
                                           where, t, std::string(status[t].message())));
      }
    }
    if (!rep.problems.empty()) {
      rep.reproduction = repro;
      break;
    }
    // The power cut. Every other one writes the page cache back out of
    // order (unsynced pages lost at random, later ones kept), and every
    // other pair keeps a random subset of the unsynced directory changes.
    fs.Freeze();
    db.reset();
    if (absl::Status s = fs.SimulatePowerLoss({.rnd = &rnd,
                                               .out_of_order_pages = cycle % 2 == 1,
                                               .directory_subsets = cycle / 2 % 2 == 1});
        !s.ok()) {
      rep.error = fmt::format("{}: SimulatePowerLoss: {}", where, std::string(s.message()));
      break;
    }
    fs.Unfreeze();
    if (killpoints && !fired_names.count(point) && !frozen) {
      // Not reached by the workload: the point may be on the open path
      // (the manifest written per open, log replay, obsolete files). Crash
      // the reopen there, cut the power again, and then recover.
      bool fired = false;
      DisarmKillPoints();
      SetKillPointHandler([&](std::string_view) {
        fs.Freeze();
        fired = true;
      });
      ArmKillPoint(point, 1);
      auto attempt = engine::OpenNativeStore(eo, "/db");
      SetKillPointHandler(nullptr);
      DisarmKillPoints();
      if (attempt.ok()) attempt->reset();
      if (fired) {
        fired_names.insert(point);
        fs.Freeze();
        if (absl::Status s = fs.SimulatePowerLoss({.rnd = &rnd,
                                                   .out_of_order_pages = cycle % 2 == 1,
                                                   .directory_subsets = cycle / 2 % 2 == 1});
            !s.ok()) {
          rep.error = fmt::format("{}: SimulatePowerLoss: {}", where, std::string(s.message()));
          break;
        }
        fs.Unfreeze();
      } else if (!attempt.ok()) {
        rep.problems.push_back(fmt::format("{}: reopen failed: {}", where,
                                           std::string(attempt.status().message())));
        rep.reproduction = repro;
        break;
      }
    }
    auto opened = engine::OpenNativeStore(eo, "/db");
    if (!opened.ok()) {
      rep.problems.push_back(fmt::format("{}{}: reopen after the power cut failed: {}", where,
                                         killpoints ? " at " + point : "",
                                         std::string(opened.status().message())));
      rep.reproduction = repro;
      break;
    }
    db = std::move(*opened);
    VerifyResult v = orc->Verify(db.get(), /*strict=*/false);
    rep.cycles = cycle + 1;
    if (AddVerifyResult(v, &rep)) {
      rep.problems.push_back(fmt::format("{}{}: after the power cut:", where,
                                         killpoints ? " (kill point " + point + ")" : ""));
      for (auto& p : v.problems) rep.problems.push_back(std::move(p));
      rep.reproduction = repro;
      break;
    }
    orc->Rebase(v.recovered);
    if (o.log != nullptr && (cycle + 1) % 100 == 0) {
      *o.log << fmt::format("[{}] {} cycles, {} writes acknowledged, {} survived\n", rep.mode,
                            rep.cycles, rep.writes_acknowledged, rep.writes_survived);
      o.log->flush();
    }
  }
  if (killpoints && rep.ok()) {
    const uint64_t tried = std::min<uint64_t>(rep.cycles, names.size());
    for (uint64_t i = 0; i < tried; ++i) {
      if (!fired_names.count(names[i])) rep.killpoints_unreached.push_back(names[i]);
    }
    if (rep.cycles < names.size()) {
      for (size_t i = rep.cycles; i < names.size(); ++i) {
        rep.killpoints_unreached.push_back(names[i] + " (not tried: too few cycles)");
      }
    }
  }
  return rep;
}

}  // namespace synapsed::storage::torture
