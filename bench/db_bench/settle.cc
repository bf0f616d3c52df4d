#include "bench/db_bench/settle.h"

#include <cstdint>
#include <cstdio>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "bench/db_bench/secured_engines.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "util/status_macros.h"

namespace synapsed::storage::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::milliseconds(50);
// Polls in a row with nothing to do and nothing changed before an engine
// counts as settled (a compaction that has just been picked shows no
// change until it ends, but it was picked because a level was over its
// trigger, which the checks below see).
constexpr int kQuietPolls = 3;

// What one poll of an engine found: whether its policy still wants work
// done, and a fingerprint that changes whenever work finishes.
struct Poll {
  bool busy = true;
  std::string fingerprint;
};

absl::StatusOr<Poll> PollNative(Store* store) {
  ASSIGN_OR_RETURN(std::string text, store->GetProperty("stats.json"));
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("levels")) {
    return absl::InternalError("the native engine's stats.json has no levels");
  }
  Poll p;
  p.busy = j.value("memtable_entries", uint64_t{0}) > 0;
  for (const auto& level : j["levels"]) p.busy |= level.value("score", 0.0) >= 1.0;
  p.fingerprint = fmt::format("{}/{}", j.value("flushes", uint64_t{0}),
                              j.value("compactions", uint64_t{0}));
  return p;
}

absl::StatusOr<Poll> PollRocksDb(Store* store) {
  Poll p;
  p.busy = false;
  for (const char* name : {"rocksdb.compaction-pending", "rocksdb.num-running-compactions",
                           "rocksdb.num-running-flushes", "rocksdb.mem-table-flush-pending"}) {
    const absl::StatusOr<std::string> v = store->GetProperty(name);
    if (!v.ok()) return v.status();
    p.busy |= *v != "0";
    p.fingerprint += *v + "/";
  }
  return p;
}

absl::StatusOr<Poll> PollLevelDb(Store* store) {
  ASSIGN_OR_RETURN(std::string listing, store->GetProperty("leveldb.sstables"));
  return Poll{LevelDbWantsCompaction(listing), listing};
}

}  // namespace

bool LevelDbWantsCompaction(const std::string& sstables) {
  // LevelDB's own constants (db/dbformat.h, db/version_set.cc): 7 levels,
  // the last one never scored.
  constexpr int kLevels = 7;
  uint64_t files[kLevels] = {}, bytes[kLevels] = {};
  int level = -1;
  std::istringstream in(sstables);
  std::string line;
  while (std::getline(in, line)) {
    int l = 0;
    if (std::sscanf(line.c_str(), "--- level %d ---", &l) == 1) {
      level = l >= 0 && l < kLevels ? l : -1;
      continue;
    }
    unsigned long long number = 0, size = 0;
    if (level >= 0 && std::sscanf(line.c_str(), " %llu:%llu[", &number, &size) == 2) {
      ++files[level];
      bytes[level] += size;
    }
  }
  if (files[0] >= 4) return true;
  double limit = 10.0 * 1048576;
  for (int l = 1; l < kLevels - 1; ++l, limit *= 10) {
    if (static_cast<double>(bytes[l]) >= limit) return true;
  }
  return false;
}

absl::StatusOr<double> Settle(const std::string& engine, Store* store,
                              std::chrono::seconds limit) {
  const Clock::time_point start = Clock::now();
  absl::StatusOr<Poll> (*poll)(Store*) = nullptr;
  if (engine == "native" || engine == "native_encrypted" || IsSecuredEngine(engine)) {
    RETURN_IF_ERROR(store->Flush());
    poll = PollNative;
  } else if (engine == "rocksdb") {
    RETURN_IF_ERROR(store->Flush());
    poll = PollRocksDb;
  } else if (engine == "leveldb") {
    // Bench keys are decimal digits: nothing sorts at or after 0xff.
    const std::string past_every_key(8, '\xff');
    RETURN_IF_ERROR(store->CompactRange(past_every_key, past_every_key));
    poll = PollLevelDb;
  } else {
    RETURN_IF_ERROR(store->Flush());
  }
  auto seconds = [&] {
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  if (poll == nullptr) return seconds();
  std::string last;
  for (int quiet = 0;;) {
    ASSIGN_OR_RETURN(Poll p, poll(store));
    quiet = !p.busy && p.fingerprint == last ? quiet + 1 : 0;
    if (quiet >= kQuietPolls) return seconds();
    last = std::move(p.fingerprint);
    if (Clock::now() - start > limit) {
      return absl::DeadlineExceededError(fmt::format(
          "{} still compacting after {} s", engine, limit.count()));
    }
    std::this_thread::sleep_for(kPoll);
  }
}

}  // namespace synapsed::storage::bench
