// `synapsed torture --mode=MODE [--seed N] [--cycles N | --duration SECONDS] ...`
//
// Prints the run's figures (mode, seed, cycles, writes acknowledged and
// verified, holes, mismatches, corruptions injected and detected) and, on
// failure, the problems and a command that reproduces them. Exit code 0 on
// PASS, 2 (kExitCorrupt) on a failed check, 1 on a usage or setup error.
//
// Hidden: `synapsed torture --child ORACLE` is the crash mode's child.
#include "tools/torture_command.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>

#include "fmt/format.h"
#include "tools/tool_util.h"
#include "tools/torture/torture.h"

namespace synapsed::storage::tools {
namespace {

std::string SelfExe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

}  // namespace

void AddTortureCommand(CLI::App* app) {
  auto o = std::make_shared<torture::TortureOptions>();
  auto child = std::make_shared<std::string>();
  auto seed = std::make_shared<std::string>();
  CLI::App* cmd = app->add_subcommand(
      "torture",
      "crash-recovery torture: kill -9 (crash), power loss (powerloss), kill points "
      "(killpoints), bit flips (corruption), option-set histories (metamorphic), an open "
      "database under load for hours (soak)");
  cmd->add_option("--mode", o->mode, "crash | powerloss | killpoints | corruption | metamorphic | soak")
      ->default_val("powerloss");
  cmd->add_option("--seed", *seed, "seed (default: random, printed)");
  cmd->add_option("--cycles", o->cycles, "cycles (crashes, flips, op lists) to run");
  cmd->add_option("--duration", o->duration_seconds, "seconds to run (with --cycles: first limit)");
  cmd->add_option("--threads", o->threads, "writer threads (1-2)")->default_val(1);
  cmd->add_option("--keys", o->keys, "key space size")->default_val(1000);
  cmd->add_option("--ops-per-cycle", o->ops_per_cycle,
                  "ops per cycle (powerloss: the crash comes at a random op below this)")
      ->default_val(3000);
  cmd->add_option("--sync-one-in", o->sync_one_in, "1 in N writes is synced (0: none)")
      ->default_val(8);
  cmd->add_option("--mix", o->mix,
                  "op weights, e.g. put=40,del=10,batch=12,txn=10,snapshot=5,iter=5,get=10,"
                  "flush=1,compact=1,sync=2");
  cmd->add_option("--write-buffer-size", o->write_buffer_size)->default_val(8 << 10);
  cmd->add_option("--target-file-size", o->target_file_size)->default_val(16 << 10);
  cmd->add_option("--base-level-bytes", o->base_level_bytes)->default_val(64 << 10);
  cmd->add_option("--wal-buffer-bytes", o->wal_buffer_bytes,
                  "user-space log buffer (crash mode then checks the prefix property only)")
      ->default_val(0);
  cmd->add_option("--l0-trigger", o->l0_trigger)->default_val(2);
  cmd->add_option("--use-io-uring", o->use_io_uring,
                  "crash: log writes through io_uring (false: the posix file, flushed to the OS "
                  "after every record; every acknowledged write must survive either way)")
      ->default_val(true);
  cmd->add_option("--use-mmap-writes", o->use_mmap_writes,
                  "crash: log appends copied into a shared mapping of the file (no syscall; "
                  "the bytes are in the OS all the same, so the check is as strict)")
      ->default_val(engine::EngineOptions{}.use_mmap_writes);
  cmd->add_option("--dir", o->dir, "work directory (crash, corruption; default: a temp dir)");
  cmd->add_flag("--encryption", o->encryption,
                "crash, powerloss, killpoints, corruption, soak: an encrypted database "
                "(a test key from the seed)");
  cmd->add_option("--max-kill-ms", o->max_kill_ms, "crash: most ms a child runs")
      ->default_val(1500);
  cmd->add_option("--cache-size", o->block_cache_size, "soak: block cache bytes")
      ->default_val(8 << 20);
  cmd->add_option("--max-open-files", o->max_open_files, "soak: table cache size (0: default)")
      ->default_val(64);
  cmd->add_option("--readers", o->readers, "soak: reader threads")->default_val(2);
  cmd->add_option("--sample-seconds", o->sample_seconds,
                  "soak: seconds between samples of memory and open files")
      ->default_val(60);
  auto slack_mib = std::make_shared<uint64_t>(64);
  cmd->add_option("--rss-slack-mib", *slack_mib,
                  "soak: MiB resident memory may exceed the block cache, memtable budget and "
                  "oracle by")
      ->default_val(64);
  cmd->add_option("--child", *child)->group("");  // hidden: the crash mode's child
  cmd->callback([o, child, seed, slack_mib] {
    o->rss_slack_bytes = *slack_mib << 20;
    if (!child->empty()) std::exit(torture::RunTortureChild(*child));
    if (seed->empty()) {
      o->seed = std::random_device{}() | (uint64_t{std::random_device{}()} << 32);
    } else {
      char* end = nullptr;
      o->seed = std::strtoull(seed->c_str(), &end, 10);
      if (*end != '\0') FailWith(kExitError, "torture: --seed must be a number");
    }
    o->self_exe = SelfExe();
    o->check_binary = o->self_exe;
    o->log = &std::cerr;
    std::cerr << fmt::format("synapsed torture: mode {} seed {}\n", o->mode, o->seed);
    torture::TortureReport r = torture::RunTorture(*o);
    std::cout << torture::FormatReport(r);
    std::cout.flush();
    if (!r.error.empty()) std::exit(kExitError);
    std::exit(r.ok() ? 0 : kExitCorrupt);
  });
}

}  // namespace synapsed::storage::tools
