#include "tools/torture/torture.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "fmt/format.h"
#include "fmt/ranges.h"

namespace synapsed::storage::torture {

engine::EngineOptions MakeEngineOptions(const WorkloadConfig& c, env::FileSystem* fs) {
  engine::EngineOptions e;
  e.fs = fs;
  e.write_buffer_size = c.write_buffer_size;
  e.target_file_size = c.target_file_size;
  e.base_level_bytes = c.base_level_bytes;
  e.wal_buffer_bytes = c.wal_buffer_bytes;
  e.l0_compaction_trigger = static_cast<int>(c.l0_trigger);
  e.use_io_uring = c.use_io_uring != 0;
  e.use_mmap_writes = c.use_mmap_writes != 0;
  e.table.block_size = 1024;
  e.block_cache_size = 1 << 20;
  if (c.encrypted != 0) e.keyring = TortureKeyring(c.seed);
  return e;
}

namespace {
// The 64 hex digits of the torture master key of `seed`.
std::string TortureKeyHex(uint64_t seed) {
  std::string hex;
  uint64_t x = seed;
  for (int i = 0; i < 4; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    hex += fmt::format("{:016x}", x);
  }
  return hex;
}
}  // namespace

std::shared_ptr<crypto::Keyring> TortureKeyring(uint64_t seed) {
  auto ring = std::make_shared<crypto::Keyring>();
  auto key = crypto::SecureKey::FromHex(TortureKeyHex(seed));
  // Allocation of locked memory is the only way this fails; an unencrypted
  // run would be wrong, so fail loudly.
  if (!key.ok() || !ring->Add(crypto::MasterKey{"torture", *std::move(key)}).ok()) {
    std::fprintf(stderr, "torture: cannot make the test master key\n");
    std::abort();
  }
  return ring;
}

std::string TortureKeyFileText(uint64_t seed) {
  return "synapsed-key-file 1\ntorture " + TortureKeyHex(seed) + "\n";
}

std::string PrepareWorkDir(TortureOptions* o) {
  std::string work = o->dir;
  if (work.empty()) {
    char tmpl[] = "/tmp/synapsed-torture-XXXXXX";
    const char* d = mkdtemp(tmpl);
    if (d == nullptr) return std::string();
    work = d;
  }
  std::error_code ec;
  std::filesystem::create_directories(work, ec);
  o->dir = work + "/db";
  std::filesystem::remove_all(o->dir, ec);
  return work;
}

bool AddVerifyResult(const VerifyResult& v, TortureReport* rep) {
  rep->writes_acknowledged += v.writes_acknowledged;
  rep->writes_promised += v.writes_promised;
  rep->writes_survived += v.writes_survived;
  rep->values_matched += v.values_matched;
  rep->holes += v.holes;
  rep->mismatches += v.mismatches;
  return v.holes != 0 || v.mismatches != 0;
}

void FillConfig(const TortureOptions& o, uint64_t cycle, WorkloadConfig* c) {
  c->seed = o.seed;
  c->cycle = cycle;
  c->threads = o.threads;
  c->sync_one_in = o.sync_one_in;
  // Validated by RunTorture.
  (void)ParseMix(o.mix, c->mix);
  c->write_buffer_size = o.write_buffer_size;
  c->target_file_size = o.target_file_size;
  c->base_level_bytes = o.base_level_bytes;
  c->wal_buffer_bytes = o.wal_buffer_bytes;
  c->l0_trigger = o.l0_trigger;
  // The oracle file starts zeroed, so every field is set here.
  c->use_io_uring = o.use_io_uring ? 1 : 0;
  c->use_mmap_writes = o.use_mmap_writes ? 1 : 0;
  c->encrypted = o.encryption ? 1 : 0;
  c->child_open = 0;
  std::memset(c->dir, 0, sizeof(c->dir));
  std::strncpy(c->dir, o.dir.c_str(), sizeof(c->dir) - 1);
}

TortureReport RunTorture(const TortureOptions& o) {
  TortureReport bad;
  bad.mode = o.mode;
  bad.seed = o.seed;
  uint32_t mix[kNumMixOps];
  if (absl::Status s = ParseMix(o.mix, mix); !s.ok()) {
    bad.error = std::string(s.message());
    return bad;
  }
  if (o.threads < 1 || o.threads > kMaxThreads || o.keys < 1 || o.keys > 999999) {
    bad.error = "--threads must be 1 or 2 and --keys 1..999999";
    return bad;
  }
  if (o.encryption && o.mode == "metamorphic") {
    bad.error = "--encryption applies to crash, powerloss, killpoints, corruption and soak";
    return bad;
  }
  if (o.mode == "crash") return RunCrash(o);
  if (o.mode == "powerloss") return RunPowerLoss(o, /*killpoints=*/false);
  if (o.mode == "killpoints") return RunPowerLoss(o, /*killpoints=*/true);
  if (o.mode == "corruption") return RunCorruption(o);
  if (o.mode == "metamorphic") return RunMetamorphic(o);
  if (o.mode == "soak") return RunSoak(o);
  bad.error = fmt::format("unknown mode '{}' (crash, powerloss, killpoints, corruption, "
                          "metamorphic, soak)", o.mode);
  return bad;
}

namespace {
std::string Mib(int64_t bytes) {
  return bytes < 0 ? std::string("-") : fmt::format("{:.1f}", bytes / 1048576.0);
}
}  // namespace

std::string FormatSoakSamples(const TortureReport& r) {
  std::string out =
      "samples (MiB; rss is above the RSS before the open; bound = baseline parts + slack):\n"
      "  minute    rss  bound   heap  cache  memtab  tables  table-MiB  files/bound  snaps"
      "     writes      reads\n";
  for (const SoakSample& s : r.soak_samples) {
    out += fmt::format("  {:6.1f} {:6} {:6} {:6} {:6} {:7} {:7} {:10} {:5}/{:<6} {:5} {:10} {:10}\n",
                       s.seconds / 60, Mib(s.rss), Mib(s.rss_bound), Mib(s.heap),
                       Mib(s.block_cache_usage), Mib(s.memtable_bytes), s.live_tables,
                       Mib(s.live_table_bytes), s.open_files, s.open_files_bound, s.snapshots,
                       s.writes_acknowledged, s.reads_checked);
  }
  out += fmt::format("peak rss above the baseline (VmHWM): {} MiB\n", Mib(r.soak_peak_rss));
  return out;
}

std::string FormatReport(const TortureReport& r) {
  std::string out = fmt::format(
      "mode: {}\nseed: {}\ncycles run: {}\nwrites acknowledged: {}\n"
      "writes that had to survive: {}\nwrites that survived (read back): {}\n"
      "values read back and matched: {}\n"
      "reads checked: {}\ntransactions aborted (retried): {}\nholes found: {}\n"
      "mismatches: {}\ncorruptions injected: {}\ncorruptions detected: {}\n",
      r.mode, r.seed, r.cycles, r.writes_acknowledged, r.writes_promised, r.writes_survived,
      r.values_matched, r.reads_checked,
      r.aborted_txns, r.holes, r.mismatches, r.corruptions_injected, r.corruptions_detected);
  if (r.mode == "corruption") {
    out += fmt::format("flips db check missed (tables, manifest): {}\n"
                       "flips no read noticed (bytes no read depends on): {}\n"
                       "log flips read as a torn tail (a prefix of the writes kept): {}\n",
                       r.corruptions_check_missed, r.corruptions_read_unnoticed,
                       r.log_tails_dropped);
  }
  if (r.mode == "killpoints") {
    out += fmt::format("kill points never reached: {}\n",
                       r.killpoints_unreached.empty()
                           ? std::string("none")
                           : fmt::format("{}", fmt::join(r.killpoints_unreached, ", ")));
  }
  if (r.mode == "soak") out += FormatSoakSamples(r);
  if (!r.error.empty()) out += fmt::format("error: {}\n", r.error);
  for (const auto& p : r.problems) out += fmt::format("problem: {}\n", p);
  if (!r.reproduction.empty()) out += fmt::format("reproduce: {}\n", r.reproduction);
  out += fmt::format("result: {}\n", r.ok() ? "PASS" : "FAIL");
  return out;
}

}  // namespace synapsed::storage::torture
