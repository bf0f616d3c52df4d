// Process-crash mode: a child process (fork, then exec of this binary with
// the hidden `torture --child <oracle>` flag, or the forked image itself)
// opens the database in a real directory and runs the workload, recording
// into the memory-mapped oracle; the parent SIGKILLs it at a random moment
// after the child reports the database open (a child that does not within
// kOpenTimeout is a problem), reopens the database, and checks it. Nothing
// the child was told is done may be missing: the OS keeps every byte the
// engine handed it, and without a log buffer the log writer hands every
// record to the OS before it is acknowledged — through io_uring or through
// the posix file, which it flushes (wal/log_writer.h). With
// wal_buffer_bytes > 0 a suffix of unsynced writes may be lost, and the
// prefix check alone applies.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "engine/db.h"
#include "fmt/format.h"
#include "tools/torture/torture.h"
#include "tools/torture/value_codec.h"
#include "util/random.h"

namespace synapsed::storage::torture {
namespace {

constexpr int kChildMismatch = 3;
constexpr int kChildError = 4;
// How long a child may take to open the database before the kill timer
// starts. Opening the small torture database takes milliseconds; this only
// bounds a child that hangs in open (or never got there), which is reported.
constexpr auto kOpenTimeout = std::chrono::seconds(5);

}  // namespace

int RunTortureChild(const std::string& oracle_path) {
  auto oracle = Oracle::Attach(oracle_path);
  if (!oracle.ok()) {
    std::cerr << fmt::format("torture child: {}\n", std::string(oracle.status().message()));
    return kChildError;
  }
  Oracle* orc = oracle->get();
  const WorkloadConfig& c = *orc->config();
  auto db = engine::OpenNativeStore(MakeEngineOptions(c, nullptr), std::string(c.dir));
  if (!db.ok()) {
    std::cerr << fmt::format("torture child: seed {} cycle {}: open {}: {}\n", c.seed, c.cycle,
                             c.dir, std::string(db.status().message()));
    return kChildError;
  }
  orc->MarkOpen();
  std::vector<WorkloadStats> stats(orc->threads());
  std::vector<absl::Status> status(orc->threads());
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < orc->threads(); ++t) {
    threads.emplace_back([&, t] {
      status[t] = RunWorkloadThread(db->get(), orc, static_cast<int>(t), WorkloadControl(),
                                    &stats[t]);
    });
  }
  for (auto& th : threads) th.join();
  for (uint32_t t = 0; t < orc->threads(); ++t) {
    if (!status[t].ok()) {
      for (const auto& p : stats[t].problems) std::cerr << "torture child: " << p << "\n";
      std::cerr << fmt::format("torture child: seed {} cycle {} thread {}: {}\n", c.seed,
                               c.cycle, t, std::string(status[t].message()));
      std::_Exit(stats[t].mismatches ? kChildMismatch : kChildError);
    }
  }
  // The trace is full: wait to be killed.
  for (;;) pause();
}

TortureReport RunCrash(const TortureOptions& opts) {
  TortureReport rep;
  rep.mode = "crash";
  rep.seed = opts.seed;
  TortureOptions o = opts;
  const std::string work = PrepareWorkDir(&o);
  if (work.empty()) {
    rep.error = "cannot create a work directory";
    return rep;
  }
  std::error_code ec;
  const std::string oracle_path = work + "/oracle";
  // Enough for a child that runs max_kill_ms at full speed.
  auto oracle = Oracle::Create(oracle_path, o.keys, o.threads, 1 << 20);
  if (!oracle.ok()) {
    rep.error = std::string(oracle.status().message());
    return rep;
  }
  Oracle* orc = oracle->get();
  Random rnd(Mix64(o.seed ^ 0xc7a5));
  const auto start = std::chrono::steady_clock::now();
  // A process crash keeps what reached the OS: everything acknowledged,
  // unless the log keeps appends in user space on purpose (a log buffer).
  // The posix file's own buffer does not count: the log writer flushes it
  // after every unbuffered record, and this is what checks that it does.
  const bool strict = o.wal_buffer_bytes == 0;
  auto keep_going = [&](uint64_t done) {
    if (o.cycles == 0 && o.duration_seconds <= 0) return done < 1;
    if (o.cycles != 0 && done >= o.cycles) return false;
    return o.duration_seconds <= 0 ||
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() <
               o.duration_seconds;
  };
  for (uint64_t cycle = 0; keep_going(cycle); ++cycle) {
    FillConfig(o, cycle, orc->config());
    const std::string where = fmt::format("seed {} cycle {}", o.seed, cycle);
    rep.reproduction = fmt::format(
        "synapsed torture --mode=crash --seed={} --cycles={} --threads={} --keys={} "
        "--sync-one-in={} --write-buffer-size={} --wal-buffer-bytes={} --use-io-uring={} --use-mmap-writes={} "
        "--dir={}{}{} "
        "(kill timing is not reproducible; the seed fixes the op sequence)",
        o.seed, cycle + 1, o.threads, o.keys, o.sync_one_in, o.write_buffer_size,
        o.wal_buffer_bytes, o.use_io_uring, o.use_mmap_writes, work, o.mix.empty() ? "" : " --mix=" + o.mix,
        o.encryption ? " --encryption" : "");
    const uint64_t kill_after_us = 1000 * (5 + rnd.Uniform(o.max_kill_ms));
    std::cout.flush();
    std::cerr.flush();
    pid_t pid = fork();
    if (pid < 0) {
      rep.error = "fork failed";
      break;
    }
    if (pid == 0) {
      if (!o.self_exe.empty()) {
        execl(o.self_exe.c_str(), o.self_exe.c_str(), "torture", "--child", oracle_path.c_str(),
              static_cast<char*>(nullptr));
        std::_Exit(kChildError);
      }
      std::_Exit(RunTortureChild(oracle_path));
    }
    int wstatus = 0;
    bool exited = false;
    // Polls until the child exits, `done` holds, or `limit` passes since
    // `from`; true if `done` held.
    auto wait_for = [&](std::chrono::steady_clock::time_point from, auto limit, auto done) {
      while (std::chrono::steady_clock::now() - from < limit) {
        if (done()) return true;
        if (waitpid(pid, &wstatus, WNOHANG) == pid) {
          exited = true;
          return false;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      }
      return done();
    };
    // The kill timer measures the workload, not the open: start it once the
    // child says the database is open.
    const bool opened =
        wait_for(std::chrono::steady_clock::now(), kOpenTimeout, [&] { return orc->IsOpen(); });
    if (opened) {
      wait_for(std::chrono::steady_clock::now(), std::chrono::microseconds(kill_after_us),
               [] { return false; });
    }
    if (!exited) {
      kill(pid, SIGKILL);
      waitpid(pid, &wstatus, 0);
    }
    if (!opened && !exited) {
      rep.problems.push_back(fmt::format(
          "{}: the child did not report the database open within {} s; killed", where,
          std::chrono::duration_cast<std::chrono::seconds>(kOpenTimeout).count()));
      break;
    }
    if (exited) {
      rep.problems.push_back(fmt::format(
          "{}: the child died on its own ({} {}) before the kill", where,
          WIFEXITED(wstatus) ? "exit code" : "signal",
          WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : WTERMSIG(wstatus)));
      if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == kChildMismatch) ++rep.mismatches;
      break;
    }
    // Keep the directory as the child left it: recovery changes it.
    const std::string as_killed = work + "/db.as-killed";
    std::filesystem::remove_all(as_killed, ec);
    std::filesystem::copy(o.dir, as_killed, std::filesystem::copy_options::recursive, ec);
    auto db = engine::OpenNativeStore(MakeEngineOptions(*orc->config(), nullptr), o.dir);
    if (!db.ok()) {
      rep.problems.push_back(fmt::format("{}: reopen after the kill failed: {}", where,
                                         std::string(db.status().message())));
      break;
    }
    VerifyResult v = orc->Verify(db->get(), strict);
    db->reset();
    rep.cycles = cycle + 1;
    if (AddVerifyResult(v, &rep)) {
      rep.problems.push_back(fmt::format(
          "{}: after the kill (child ran {} ms after its open; the directory as killed is "
          "in {}/db.as-killed):",
          where, kill_after_us / 1000, work));
      for (auto& p : v.problems) rep.problems.push_back(std::move(p));
      break;
    }
    orc->Rebase(v.recovered);
    if (o.log != nullptr && (cycle + 1) % 20 == 0) {
      *o.log << fmt::format("[crash] {} cycles, {} writes acknowledged, {} survived\n",
                            rep.cycles, rep.writes_acknowledged, rep.writes_survived);
      o.log->flush();
    }
  }
  if (rep.ok()) {
    rep.reproduction.clear();
    if (o.dir != opts.dir && opts.dir.empty()) std::filesystem::remove_all(work, ec);
  }
  return rep;
}

}  // namespace synapsed::storage::torture
