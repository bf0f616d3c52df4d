// `synapsed torture`: crash-recovery torture of the native engine, as a
// library (the tool and tests/torture run the same code).
//
// Modes (each verifies with the oracle, torture/oracle.h, after every crash):
//   crash       a child process runs the workload on a real directory and is
//               SIGKILLed at a random moment; every acknowledged write must
//               survive (the OS keeps what reached it), unless a log buffer
//               (wal_buffer_bytes) is set: then the prefix property.
//   powerloss   in process, on the fault-injecting file system over memory:
//               at a random op the file system freezes, unsynced data (a
//               random prefix of it survives) and directory entries are
//               dropped (every other cut loses random unsynced pages and
//               keeps later ones, as a page cache written back out of order
//               does); the state must be a prefix of the acknowledged
//               writes including every synced one.
//   killpoints  as powerloss, but the crash happens at each named kill point
//               (util/kill_point.h) in turn; points never reached are listed.
//   corruption  one bit flipped in a log, table or manifest of a closed
//               database per trial: reads return the right value or a
//               DataLoss naming the file, and `db check` flags every table
//               and manifest flip.
//   metamorphic one seeded op list under several option sets; the histories
//               (every read's result) must be identical.
//   soak        no crash: writers and readers (torture/soak_reader.h) on one
//               open database for the whole duration, with flushes,
//               compactions and held snapshots; every round the writers
//               pause and the oracle checks every key (strict), and every
//               sample period the process's resident memory and open files
//               are sampled and held to a bound; at the end a clean reopen
//               is checked, and the files the engine opened must all be
//               closed.
//
// Every run is reproducible from its seed. Run* may be called from any one
// thread; crash mode forks, so call it when the process has no other threads
// that matter.
#ifndef SYNAPSED_TOOLS_TORTURE_TORTURE_H_
#define SYNAPSED_TOOLS_TORTURE_TORTURE_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "engine/options.h"
#include "tools/torture/oracle.h"
#include "tools/torture/workload.h"

namespace synapsed::storage::torture {

struct TortureOptions {
  std::string mode = "powerloss";
  uint64_t seed = 1;
  // Stop after this many cycles or seconds, whichever comes first (0: no
  // limit; with both 0, one cycle).
  uint64_t cycles = 0;
  double duration_seconds = 0;
  uint32_t threads = 1;
  uint32_t keys = 1000;
  // Ops per cycle before the crash is triggered (a random point below this).
  uint64_t ops_per_cycle = 3000;
  uint32_t sync_one_in = 8;
  std::string mix;  // ParseMix
  uint64_t write_buffer_size = 8 << 10;
  uint64_t target_file_size = 16 << 10;
  uint64_t base_level_bytes = 64 << 10;
  uint64_t wal_buffer_bytes = 0;
  uint32_t l0_trigger = 2;
  // The engine's use_io_uring (crash mode; the in-memory modes cannot).
  // false puts the log on PosixWritableFile; the log writer flushes its
  // user-space buffer after every unbuffered record, so crash mode is as
  // strict as with io_uring (only wal_buffer_bytes > 0 relaxes it).
  bool use_io_uring = true;
  // The engine's use_mmap_writes (crash mode): the log appended through a
  // shared mapping. Just as strict: what was copied into the mapping is in
  // the OS.
  bool use_mmap_writes = engine::EngineOptions{}.use_mmap_writes;
  // crash / powerloss / killpoints / corruption: the database encrypted
  // (EngineOptions::keyring, a test key made from the seed), so recovery and
  // damage detection are checked through the encrypted formats.
  bool encryption = false;
  // crash / corruption: the work directory (created; empty: a temp dir).
  std::string dir;
  // crash: most milliseconds a child runs, once it has the database open,
  // before it is killed.
  uint32_t max_kill_ms = 1500;
  // crash: exec this binary as `<exe> torture --child <oracle>` (empty: fork
  // without exec).
  std::string self_exe;
  // corruption: the `synapsed` binary whose `db check --dir` must flag every
  // flip (empty: read-only open and a full read stand in for it).
  std::string check_binary;
  // soak: the engine's block cache and table cache (0: the engine's
  // default), reader threads, how often memory and open files are sampled,
  // and what resident memory may exceed the parts the engine accounts for
  // (block cache, memtable budget) and the oracle's map by.
  uint64_t block_cache_size = 8 << 20;
  uint64_t max_open_files = 64;
  uint32_t readers = 2;
  double sample_seconds = 60;
  uint64_t rss_slack_bytes = 64 << 20;
  // Keep the work directory of a failed run (crash/corruption/soak).
  bool keep_dir = true;
  std::ostream* log = nullptr;  // progress lines (null: none)
};

// One soak sample (torture/soak_mode.cc). Bytes; -1 where not known.
struct SoakSample {
  double seconds = 0;
  int64_t rss = 0;        // VmRSS above the RSS before the database opened
  int64_t heap = 0;       // malloc's bytes in use (mallinfo2)
  int64_t rss_bound = 0;  // what rss must stay under at this sample (-1: not checked,
                          // a sanitizer build)
  int64_t open_files = 0;
  int64_t open_files_bound = 0;
  int64_t block_cache_usage = -1;
  int64_t memtable_bytes = -1;
  int64_t live_tables = -1;
  int64_t live_table_bytes = -1;
  int64_t snapshots = -1;
  uint64_t writes_acknowledged = 0;  // so far
  uint64_t reads_checked = 0;        // so far
};

struct TortureReport {
  std::string mode;
  uint64_t seed = 0;
  uint64_t cycles = 0;
  // Summed over the cycles' checks (oracle.h, VerifyResult). Acknowledged:
  // the writes the workload was told are done (corruption: the live values
  // per trial; metamorphic: per option set). Promised: of them, the ones
  // the mode requires to survive (crash without a log buffer and
  // metamorphic: all; powerloss, killpoints, buffered crash: up to the last
  // synced write; corruption: none, a read may fail naming the file).
  // Survived: the ones the state read back after recovery shows are there
  // (corruption: values read back right). A passing run has
  // promised <= survived <= acknowledged.
  uint64_t writes_acknowledged = 0;
  uint64_t writes_promised = 0;
  uint64_t writes_survived = 0;
  // Keys read back after recovery holding the value they must (metamorphic:
  // the final reads that hold a value and equal the model's).
  uint64_t values_matched = 0;
  uint64_t values_expected = 0;  // metamorphic: the model's live values
  uint64_t reads_checked = 0;
  uint64_t holes = 0;
  uint64_t mismatches = 0;
  uint64_t corruptions_injected = 0;
  uint64_t corruptions_detected = 0;        // by reads (DataLoss) or db check
  uint64_t corruptions_check_missed = 0;    // table/manifest flips db check passed
  uint64_t corruptions_read_unnoticed = 0;  // flips no read noticed (harmless bytes)
  uint64_t log_tails_dropped = 0;  // log flips recovery took for a torn tail (a prefix kept)
  uint64_t aborted_txns = 0;
  std::vector<std::string> killpoints_unreached;
  std::vector<SoakSample> soak_samples;
  int64_t soak_peak_rss = -1;  // VmHWM above the baseline, over the whole run
  std::vector<std::string> problems;
  std::string reproduction;  // on failure: how to run just the failing cycle
  std::string error;         // setup / infrastructure failure
  bool ok() const {
    return error.empty() && holes == 0 && mismatches == 0 && corruptions_check_missed == 0 &&
           problems.empty();
  }
};

[[nodiscard]] TortureReport RunTorture(const TortureOptions& options);
std::string FormatReport(const TortureReport& report);
// The soak's sample table (part of FormatReport for a soak).
std::string FormatSoakSamples(const TortureReport& report);

// The crash mode's child: attaches the oracle, opens the database its config
// names, runs the workload until killed. Returns the exit code.
int RunTortureChild(const std::string& oracle_path);

// --- shared by the modes (torture.cc) ---
// The work directory of a mode on a real file system (o->dir, or a new
// temporary one), with o->dir pointed at a fresh "db" inside it. Empty on
// failure.
std::string PrepareWorkDir(TortureOptions* o);
// Adds a check's figures to the report; true if it found a hole or a
// mismatch.
bool AddVerifyResult(const VerifyResult& v, TortureReport* rep);
engine::EngineOptions MakeEngineOptions(const WorkloadConfig& c, env::FileSystem* fs);
// The master key of an encrypted torture run: a test key derived from the
// seed (never a secret), the same in the parent and its children.
std::shared_ptr<crypto::Keyring> TortureKeyring(uint64_t seed);
// The same key as the text of a key file (docs/format/encryption.md), for
// the tools a torture run starts (`db check --key-file`).
std::string TortureKeyFileText(uint64_t seed);
void FillConfig(const TortureOptions& o, uint64_t cycle, WorkloadConfig* c);
bool KillPointsCompiledIn();
TortureReport RunCrash(const TortureOptions& o);
TortureReport RunPowerLoss(const TortureOptions& o, bool killpoints);
TortureReport RunCorruption(const TortureOptions& o);
TortureReport RunMetamorphic(const TortureOptions& o);
TortureReport RunSoak(const TortureOptions& o);

}  // namespace synapsed::storage::torture

#endif  // SYNAPSED_TOOLS_TORTURE_TORTURE_H_
