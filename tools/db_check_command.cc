// `synapsed db check`: verifies a database without changing it.
//
// It reads every file the database depends on with the same checks
// recovery and reads use, but keeps going after a problem so one run lists
// them all: the manifest CURRENT names (every edit decodes and applies),
// every live table (exists, has the size the manifest recorded, and passes
// `sst check`: every block checksum, entry and key order), every live log
// (every record intact and a well-formed batch, sequences increasing; a torn
// tail of the newest log is what a crash leaves and only a note). Then it
// opens the database read-only through the engine, which must succeed.
// Files the manifest no longer references are listed as notes (the next
// read-write open deletes them).
//
// An encrypted database without --key-file is checked as far as checksums
// go, which needs no key: the manifest's and every log's fragments, and
// every table in the directory through its block map (which tables are
// live is in the sealed manifest). Nothing is decoded or authenticated.
#include <algorithm>
#include <iostream>
#include <map>
#include <regex>

#include "api/write_batch_internal.h"
#include "engine/db.h"
#include "engine/filenames.h"
#include "env/env.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "synapsed/storage/write_batch.h"
#include "tools/db_open.h"
#include "crypto/keyring.h"
#include "tools/db_subcommands.h"
#include "tools/file_keys.h"
#include "engine/manifest_replay.h"
#include "tools/table_meta.h"
#include "tools/sst_command.h"
#include "tools/tool_util.h"
#include "wal/log_reader.h"

namespace synapsed::storage::tools {
namespace {

struct CheckFlags {
  StoreFlags store;
  bool json = false;
};

class Checker {
 public:
  // `keys`: an encrypted database's registry (null: plain, or
  // `checksums_only`: encrypted, and no key given).
  Checker(env::FileSystem* fs, std::string dir, std::unique_ptr<engine::KeyRegistry> keys,
          std::string key_file, bool checksums_only)
      : fs_(fs),
        dir_(std::move(dir)),
        keys_(std::move(keys)),
        key_file_(std::move(key_file)),
        checksums_only_(checksums_only) {}

  void Run();
  void Print(bool json) const;
  bool ok() const { return problems_.empty(); }

 private:
  void Problem(const std::string& file, const absl::Status& s) {
    problems_.push_back({file, std::string(s.message())});
  }
  void CheckManifest();
  void RunChecksumsOnly(const std::vector<std::string>& names);
  // from_manifest false: the tables are every one found, levels unknown,
  // and the manifest's sizes and counts are not compared.
  void CheckTables(bool from_manifest);
  void CheckLogs(const std::vector<std::string>& names);
  void CheckLog(uint64_t number);

  // Reads every record of the log or manifest at `path` (checksums, and with
  // `decode` each record as a write batch with increasing sequences).
  struct RecordWalk {
    absl::Status status;
    uint64_t records = 0;
    uint64_t ops = 0;
    uint64_t torn_tail_bytes = 0;
    uint64_t valid_end = 0;
  };
  RecordWalk WalkRecords(const std::string& path, uint64_t number, bool last,
                         crypto::FileKind kind, bool decode);
  void CheckOpen();

  struct Item {
    std::string file;
    std::string error;
  };

  env::FileSystem* const fs_;
  const std::string dir_;
  const std::unique_ptr<engine::KeyRegistry> keys_;
  const std::string key_file_;
  const bool checksums_only_;
  engine::ManifestReplay manifest_;
  nlohmann::json manifest_json_, tables_json_ = nlohmann::json::array(),
                                 logs_json_ = nlohmann::json::array();
  std::vector<Item> problems_;
  std::vector<std::string> notes_;
  std::vector<std::string> lines_;  // the human report, one line per file
};

void Checker::Run() {
  auto names = fs_->ListDir(dir_);
  if (!names.ok()) Fail(names.status(), "db check");
  if (checksums_only_) return RunChecksumsOnly(*names);
  CheckManifest();
  if (!manifest_.status.ok()) {
    // Which tables are live is unknown: check every table there is.
    notes_.push_back("the manifest is damaged: checking every table in the directory");
    manifest_.shape = {};
    for (const std::string& n : *names) {
      auto p = engine::ParseFileName(n);
      if (p && p->kind == engine::FileKind::kTable) {
        auto meta = std::make_shared<engine::FileMetaData>();
        meta->number = p->number;
        manifest_.shape.levels[0].push_back(std::move(meta));
      }
    }
    CheckTables(/*from_manifest=*/false);
    CheckLogs(*names);
    CheckOpen();
    return;
  }
  CheckTables(/*from_manifest=*/true);
  CheckLogs(*names);
  // Files the manifest does not reference.
  std::set<uint64_t> live;
  for (const auto& level : manifest_.shape.levels) {
    for (const auto& f : level) live.insert(f->number);
  }
  for (const std::string& n : *names) {
    auto p = engine::ParseFileName(n);
    if (!p) {
      notes_.push_back(fmt::format("{}: not a synapsed file (ignored)", n));
    } else if ((p->kind == engine::FileKind::kTable && !live.count(p->number)) ||
               (p->kind == engine::FileKind::kManifest && p->number != manifest_.number) ||
               (p->kind == engine::FileKind::kLog && manifest_.log_number &&
                p->number < *manifest_.log_number) ||
               p->kind == engine::FileKind::kTemp) {
      notes_.push_back(fmt::format(
          "{}: obsolete (not referenced by the manifest; the next read-write open deletes it)",
          n));
    }
  }
  CheckOpen();
}

void Checker::CheckManifest() {
  auto path = engine::CurrentManifestPath(fs_, dir_);
  if (absl::IsNotFound(path.status())) Fail(path.status(), "db check");
  if (!path.ok()) {
    Problem(engine::CurrentFileName(dir_), path.status());
    manifest_json_ = {{"file", engine::CurrentFileName(dir_)}, {"ok", false}};
    lines_.push_back(fmt::format("FAIL  {}", engine::CurrentFileName(dir_)));
    return;
  }
  manifest_ = engine::ReplayManifest(fs_, *path, /*keep_records=*/false, keys_.get());
  manifest_json_ = {{"file", *path},
                    {"records", manifest_.num_records},
                    {"torn_tail_bytes", manifest_.torn_tail_bytes},
                    {"ok", manifest_.status.ok()}};
  if (!manifest_.status.ok()) {
    // A manifest CURRENT names that cannot be read is damage, whatever the
    // error code.
    Problem(*path, manifest_.status);
    manifest_json_["error"] = std::string(manifest_.status.message());
    lines_.push_back(fmt::format("FAIL  {} after {} record(s)", *path, manifest_.num_records));
    return;
  }
  lines_.push_back(fmt::format("ok    {} ({} record(s))", *path, manifest_.num_records));
  if (manifest_.torn_tail_bytes > 0) {
    notes_.push_back(fmt::format("{}: torn final record of {} bytes at offset {} (dropped, "
                                 "as recovery does)",
                                 *path, manifest_.torn_tail_bytes, manifest_.torn_tail_offset));
  }
}

void Checker::CheckTables(bool from_manifest) {
  uint64_t total = 0, done = 0;
  for (const auto& level : manifest_.shape.levels) total += level.size();
  Progress progress("checking tables");
  for (int level = 0; level < engine::kNumLevels; ++level) {
    for (const auto& ref : manifest_.shape.levels[level]) {
      const uint64_t number = ref->number;
      const engine::FileMetaData& meta = *ref;
      const std::string path = engine::TableFileName(dir_, number);
      const std::string where = from_manifest ? fmt::format(" L{}", level) : "";
      nlohmann::json j = {{"file", path}, {"number", number}};
      if (from_manifest) j["level"] = level;
      absl::Status s;
      SstCheckResult r;
      auto size = fs_->GetFileSize(path);
      if (!size.ok()) {
        s = absl::DataLossError(fmt::format("{}: listed in L{} by the manifest but cannot be "
                                            "read: {}",
                                            path, level, std::string(size.status().message())));
      } else if (from_manifest && *size != meta.file_size) {
        s = absl::DataLossError(fmt::format("{}: {} bytes, the manifest says {} (truncated or "
                                            "extended at offset {})",
                                            path, *size, meta.file_size,
                                            std::min(*size, meta.file_size)));
      } else {
        std::shared_ptr<const crypto::FileCipher> cipher;
        if (keys_ != nullptr) {
          auto c = keys_->CipherFor(number, crypto::FileKind::kTable);
          if (c.ok()) cipher = *std::move(c);
          else r.status = c.status();
        }
        if (r.status.ok()) r = CheckSstFile(path, cipher);
        s = r.status;
        if (s.ok() && from_manifest && r.entries != meta.num_entries) {
          s = absl::DataLossError(fmt::format("{}: {} entries, the manifest says {}", path,
                                              r.entries, meta.num_entries));
        }
      }
      j["data_blocks"] = r.data_blocks;
      j["entries"] = r.entries;
      j["ok"] = s.ok();
      if (s.ok()) {
        lines_.push_back(fmt::format("ok    {}{} ({} data block(s), {} entries)", path, where,
                                     r.data_blocks, r.entries));
      } else {
        Problem(path, s);
        j["error"] = std::string(s.message());
        lines_.push_back(fmt::format("FAIL  {}{}", path, where));
      }
      tables_json_.push_back(j);
      progress.Update(++done, total);
    }
  }
}

void Checker::CheckLogs(const std::vector<std::string>& names) {
  std::vector<uint64_t> logs;
  for (const std::string& n : names) {
    auto p = engine::ParseFileName(n);
    if (p && p->kind == engine::FileKind::kLog &&
        (!manifest_.log_number || p->number >= *manifest_.log_number)) {
      logs.push_back(p->number);
    }
  }
  std::sort(logs.begin(), logs.end());
  for (uint64_t number : logs) CheckLog(number);
}

void Checker::RunChecksumsOnly(const std::vector<std::string>& names) {
  notes_.push_back(
      "encrypted database and no --key-file: checksums only (the manifest's and logs' "
      "fragments, every table's blocks through its block map); give --key-file to "
      "authenticate and decode every record and entry");
  auto path = engine::CurrentManifestPath(fs_, dir_);
  if (absl::IsNotFound(path.status())) Fail(path.status(), "db check");
  if (!path.ok()) {
    Problem(engine::CurrentFileName(dir_), path.status());
    manifest_json_ = {{"file", engine::CurrentFileName(dir_)}, {"ok", false}};
    lines_.push_back(fmt::format("FAIL  {}", engine::CurrentFileName(dir_)));
  } else {
    const std::string base = path->substr(path->rfind('/') + 1);
    const auto parsed = engine::ParseFileName(base);
    const RecordWalk w = WalkRecords(*path, parsed ? parsed->number : 0, /*last=*/true,
                                     crypto::FileKind::kManifest, /*decode=*/false);
    manifest_json_ = {{"file", *path}, {"records", w.records},
                      {"torn_tail_bytes", w.torn_tail_bytes}, {"ok", w.status.ok()},
                      {"checksums_only", true}};
    if (w.status.ok()) {
      lines_.push_back(fmt::format("ok    {} ({} record(s), checksums only)", *path, w.records));
    } else {
      Problem(*path, w.status);
      manifest_json_["error"] = std::string(w.status.message());
      lines_.push_back(fmt::format("FAIL  {} after {} record(s)", *path, w.records));
    }
  }
  for (const std::string& n : names) {
    auto p = engine::ParseFileName(n);
    if (!p || p->kind != engine::FileKind::kTable) continue;
    const std::string table = engine::TableFileName(dir_, p->number);
    const SstCheckResult r = CheckSstChecksums(table);
    nlohmann::json j = {{"file", table}, {"number", p->number},
                        {"stored_blocks", r.stored_blocks}, {"ok", r.status.ok()},
                        {"checksums_only", true}};
    if (r.status.ok()) {
      lines_.push_back(fmt::format("ok    {} ({} stored block(s), checksums only)", table,
                                   r.stored_blocks));
    } else {
      Problem(table, r.status);
      j["error"] = std::string(r.status.message());
      lines_.push_back(fmt::format("FAIL  {}", table));
    }
    tables_json_.push_back(j);
  }
  CheckLogs(names);
}

Checker::RecordWalk Checker::WalkRecords(const std::string& path, uint64_t number, bool last,
                                         crypto::FileKind kind, bool decode) {
  RecordWalk w;
  auto file = fs_->NewSequentialFile(path);
  if (!file.ok()) {
    w.status = file.status();
    return w;
  }
  wal::LogReaderOptions ro;
  ro.last_log = last;  // may end torn
  std::shared_ptr<const crypto::FileCipher> cipher;
  if (keys_ != nullptr) {
    auto c = keys_->CipherFor(number, kind);
    if (!c.ok()) {
      w.status = c.status();
      return w;
    }
    cipher = *std::move(c);
    ro.cipher = cipher.get();
  }
  wal::LogReader reader(std::move(*file), path, number, ro);
  std::string record;
  uint64_t offset = 0;
  SequenceNumber next_seq = 0;
  Progress progress(fmt::format("checking {}", path));
  while (w.status.ok()) {
    auto more = reader.ReadRecord(&record, &offset);
    if (!more.ok()) {
      w.status = more.status();
      break;
    }
    if (!*more) break;
    ++w.records;
    progress.Update(w.records, 0, "records");
    if (!decode) continue;
    WriteBatch batch;
    if (absl::Status bs = WriteBatchInternal::SetContents(&batch, std::move(record)); !bs.ok()) {
      w.status = absl::DataLossError(fmt::format("{} at offset {}: {}", path, offset,
                                                 std::string(bs.message())));
      --w.records;
      break;
    }
    if (batch.Count() > 0 && WriteBatchInternal::Sequence(batch) < next_seq) {
      w.status = absl::DataLossError(fmt::format(
          "{} at offset {}: sequence {} after a record that ended at {}", path, offset,
          WriteBatchInternal::Sequence(batch), next_seq - 1));
      --w.records;
      break;
    }
    if (batch.Count() > 0) next_seq = WriteBatchInternal::Sequence(batch) + batch.Count();
    w.ops += batch.Count();
  }
  w.torn_tail_bytes = reader.dropped_tail_bytes();
  w.valid_end = reader.valid_end_offset();
  if (w.status.ok() && w.torn_tail_bytes > 0) {
    notes_.push_back(fmt::format(
        "{}: torn tail of {} bytes at offset {} (what a crash leaves in a {} "
        "not synced since; those writes were never acknowledged as durable)",
        path, w.torn_tail_bytes, w.valid_end,
        kind == crypto::FileKind::kManifest ? "manifest" : "log"));
  }
  return w;
}

void Checker::CheckLog(uint64_t number) {
  const std::string path = engine::LogFileName(dir_, number);
  // Any log may end torn, not only the newest: a memtable switch does not
  // sync the old log, and the engine's read-only open (CheckOpen) decides,
  // from the logs' headers and sync marks, whether an older log that ends
  // early lost unsynced writes or is damaged.
  const RecordWalk w = WalkRecords(path, number, /*last=*/true, crypto::FileKind::kLog,
                                   /*decode=*/!checksums_only_);
  nlohmann::json j = {{"file", path},         {"number", number},
                      {"records", w.records}, {"ops", w.ops},
                      {"torn_tail_bytes", w.torn_tail_bytes}, {"ok", w.status.ok()}};
  const std::string what = checksums_only_ ? fmt::format("{} record(s), checksums only", w.records)
                                           : fmt::format("{} record(s), {} op(s)", w.records, w.ops);
  if (checksums_only_) j["checksums_only"] = true;
  if (w.status.ok()) {
    lines_.push_back(fmt::format("ok    {} ({})", path, what));
  } else {
    Problem(path, w.status);
    j["error"] = std::string(w.status.message());
    lines_.push_back(fmt::format("FAIL  {} after {} record(s)", path, w.records));
  }
  logs_json_.push_back(j);
}

void Checker::CheckOpen() {
  engine::EngineOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  if (keys_ != nullptr) {
    EncryptionConfig e;
    e.key_file = key_file_;
    auto ring = crypto::LoadKeyring(e);
    if (ring.ok()) options.keyring = std::shared_ptr<crypto::Keyring>(*std::move(ring));
  }
  auto store = engine::OpenNativeStore(options, dir_);
  if (store.ok()) return;
  const std::string msg = std::string(store.status().message());
  for (const Item& p : problems_) {
    if (p.error == msg) return;  // the engine found the same problem
  }
  if (problems_.empty()) {
    problems_.push_back({dir_, "the engine's read-only open fails: " + msg});
  } else {
    // Most likely one of the problems above, in the engine's words.
    notes_.push_back("the engine's read-only open fails too: " + msg);
  }
}

std::optional<uint64_t> OffsetIn(const std::string& message) {
  static const std::regex kOffset("offset (\\d+)");
  std::smatch m;
  if (!std::regex_search(message, m, kOffset)) return std::nullopt;
  return std::stoull(m[1].str());
}

void Checker::Print(bool json) const {
  if (json) {
    nlohmann::json problems = nlohmann::json::array();
    for (const Item& p : problems_) {
      nlohmann::json pj = {{"file", p.file}, {"error", p.error}};
      if (auto off = OffsetIn(p.error)) pj["offset"] = *off;
      problems.push_back(pj);
    }
    nlohmann::json out = {{"dir", dir_},          {"ok", ok()}, {"checksums_only", checksums_only_},
                          {"manifest", manifest_json_}, {"tables", tables_json_},
                          {"logs", logs_json_},   {"problems", problems},
                          {"notes", notes_}};
    std::cout << out.dump(2) << "\n";
  } else {
    for (const std::string& l : lines_) std::cout << l << "\n";
    for (const std::string& n : notes_) std::cout << "note: " << n << "\n";
    for (const Item& p : problems_) std::cout << "PROBLEM " << p.error << "\n";
    std::cout << fmt::format("checked 1 manifest, {} table(s), {} log(s){}: {}\n",
                             tables_json_.size(), logs_json_.size(),
                             checksums_only_ ? " (checksums only)" : "",
                             ok() ? std::string("OK")
                                  : fmt::format("{} problem(s)", problems_.size()));
  }
}

}  // namespace

void AddDbCheckCommand(CLI::App* db) {
  auto f = std::make_shared<CheckFlags>();
  CLI::App* check = db->add_subcommand(
      "check",
      "verify the manifest, every live table (checksums, entries, key order) and every log "
      "record, read-only (an encrypted database without --key-file: checksums only); exit 2 "
      "if there is a problem");
  AddStoreFlags(check, &f->store);
  check->add_flag("--json", f->json, "print JSON");
  check->callback([f] {
    const std::string dir = NativeDir(f->store, "db check");
    env::FileSystem* fs = env::DefaultFileSystem();
    auto exists = fs->FileExists(dir);
    if (!exists.ok()) Fail(exists.status(), "db check");
    if (!*exists) FailWith(kExitError, fmt::format("db check: {}: no such directory", dir));
    std::cerr << fmt::format("synapsed: opened {} read-only (checking every file)\n", dir);
    // Without a key an encrypted database is checked as far as checksums go.
    const bool checksums_only =
        f->store.key_file.empty() && IsEncryptedDatabase(dir, "db check");
    Checker checker(fs, dir,
                    checksums_only ? nullptr : OpenFileKeys(dir, f->store.key_file, "db check"),
                    f->store.key_file, checksums_only);
    checker.Run();
    checker.Print(f->json);
    if (!checker.ok()) FailWith(kExitCorrupt, "db check: the database has problems");
  });
}

}  // namespace synapsed::storage::tools
