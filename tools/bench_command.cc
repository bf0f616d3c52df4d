#include "tools/bench_command.h"

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "absl/strings/str_split.h"
#include "bench/db_bench/db_bench.h"
#include "bench/db_bench/rounds.h"
#include "fmt/format.h"

namespace synapsed::storage::tools {
namespace {

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(s, ',', absl::SkipWhitespace())) {
    out.emplace_back(part.data(), part.size());
  }
  return out;
}

struct Args {
  bench::BenchFlags flags;
  std::string benchmarks = "fillseq,fillrandom,overwrite,readrandom,readseq,seekrandom";
  std::string engines = "native";
  int repeat = 1;
};

void WriteJson(const std::string& path, const std::string& json) {
  if (path == "-") {
    std::cout << json << "\n";
    return;
  }
  std::ofstream out(path);
  out << json << "\n";
  if (!out) {
    std::cerr << "synapsed bench: cannot write " << path << "\n";
    throw CLI::RuntimeError(1);
  }
}

// Exit status 1 if any engine failed to open or any workload failed.
void CheckFailures(const bench::BenchReport& report) {
  for (const auto& r : report.results) {
    if (!r.status.ok() && !r.skipped) throw CLI::RuntimeError(1);
  }
  for (const auto& e : report.engines) {
    if (!e.status.ok()) throw CLI::RuntimeError(1);
  }
}

void Run(const Args& args) {
  bench::BenchFlags flags = args.flags;
  flags.benchmarks = SplitList(args.benchmarks);
  flags.engines = SplitList(args.engines);
  flags.progress = ::isatty(STDERR_FILENO) == 1;
  auto rounds = bench::RunRounds(flags, args.repeat);
  if (!rounds.ok()) {
    std::cerr << "synapsed bench: " << rounds.status().message() << "\n";
    throw CLI::RuntimeError(2);
  }
  std::ostream& text = flags.json == "-" ? std::cerr : std::cout;
  for (size_t k = 0; k < rounds->size(); ++k) {
    if (rounds->size() > 1) {
      text << fmt::format("{}== Round {} of {}\n", k == 0 ? "" : "\n", k + 1, rounds->size());
    }
    bench::PrintReport((*rounds)[k], text);
  }
  if (rounds->size() > 1) bench::PrintRoundsSummary(*rounds, text);
  if (!flags.json.empty()) {
    WriteJson(flags.json, rounds->size() > 1 ? bench::RoundsJson(*rounds)
                                             : bench::ReportJson(rounds->front()));
  }
  for (const auto& report : *rounds) CheckFailures(report);
}

}  // namespace

void AddBenchCommand(CLI::App* app) {
  auto args = std::make_shared<Args>();
  bench::BenchFlags& f = args->flags;
  CLI::App* cmd = app->add_subcommand(
      "bench",
      "db_bench's workloads on several engines side by side (flags as db_bench's; "
      "fill* start from a fresh database; fillsync writes num/1000 keys, as db_bench; "
      "after each workload that writes, every engine writes out its memtable and finishes "
      "its compactions before the next one, and the write amplification includes that)");
  cmd->add_option("--benchmarks", args->benchmarks,
                  "comma list, run in order: fillseq,fillrandom,overwrite,readrandom,readseq,"
                  "readreverse,seekrandom,readwhilewriting,fillsync,multireadrandom")
      ->capture_default_str();
  cmd->add_option("--engine", args->engines,
                  "comma list of native,native_encrypted,native_acl,native_audit,rocksdb,leveldb,sqlite,memory (each in <db>/<engine>)")
      ->capture_default_str();
  cmd->add_option("--num", f.num, "keys written by fill*/overwrite")->capture_default_str();
  cmd->add_option("--reads", f.reads, "ops of read workloads (<0: --num)")->capture_default_str();
  cmd->add_option("--key_size", f.key_size)->capture_default_str();
  cmd->add_option("--value_size", f.value_size)->capture_default_str();
  cmd->add_option("--threads", f.threads, "threads per workload (readwhilewriting: readers)")
      ->capture_default_str();
  cmd->add_option("--compression_type", f.compression_type, "none, snappy, lz4, zstd")
      ->capture_default_str();
  cmd->add_option("--compression_ratio", f.compression_ratio,
                  "how far generated values compress")
      ->capture_default_str();
  cmd->add_option("--cache_size", f.cache_size, "block cache bytes")->capture_default_str();
  cmd->add_option("--bloom_bits", f.bloom_bits, "bloom bits per key (<0: no filter)")
      ->capture_default_str();
  cmd->add_option("--write_buffer_size", f.write_buffer_size)->capture_default_str();
  cmd->add_option("--block_size", f.block_size)->capture_default_str();
  cmd->add_flag("--sync", f.sync, "sync every write");
  cmd->add_option("--seed", f.seed, "same for every engine: same keys and values")
      ->capture_default_str();
  cmd->add_option("--seek_nexts", f.seek_nexts, "Next() calls after each seekrandom Seek")
      ->capture_default_str();
  cmd->add_option("--batch_size", f.batch_size, "keys per multireadrandom BatchGet")
      ->capture_default_str();
  cmd->add_flag("--histogram", f.histogram, "print each row's latency histogram");
  cmd->add_flag("--use_existing_db", f.use_existing_db,
                "keep the directories and skip fill* benchmarks");
  cmd->add_flag("--use_direct_reads", f.use_direct_reads,
                "read tables with O_DIRECT (native, rocksdb; leveldb has no such option)");
  cmd->add_option("--mmap_write", f.mmap_write,
                  "native: log appends copied into a shared mapping of the log (no write(2) "
                  "per unsynced write)")
      ->capture_default_str();
  cmd->add_option("--wal_buffer_bytes", f.wal_buffer_bytes,
                  "native: unsynced writes buffered in user space up to this many bytes "
                  "(an encrypted log seals each buffer as one unit); a process crash may "
                  "lose them (default: the engine's, 0 plain, 64 KiB encrypted)");
  cmd->add_option("--db", f.db, "root directory (default /tmp/synapsed_bench-<uid>)");
  cmd->add_option("--repeat", args->repeat,
                  "run everything this many times, the engine order reversed every other "
                  "round, and summarise each engine's ratio to native (median, lowest, "
                  "highest)")
      ->capture_default_str();
  cmd->add_option("--json", f.json, "also write a JSON report to this file ('-': stdout)");
  cmd->callback([args] { Run(*args); });
}

}  // namespace synapsed::storage::tools
