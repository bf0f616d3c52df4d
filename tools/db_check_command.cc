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
  // `keys`: an encrypted database's registry (null: plain).
  Checker(env::FileSystem* fs, std::string dir, std::unique_ptr<engine::KeyRegistry> keys,
          std::string key_file)
      : fs_(fs), dir_(std::move(dir)), keys_(std::move(keys)), key_file_(std::move(key_file)) {}

  void Run();
  void Print(bool json) const;
  bool ok() const { return problems_.empty(); }

 private:
  void Problem(const std::string& file, const absl::Status& s) {
    problems_.push_back({file, std::string(s.message())});
  }
  void CheckManifest();
  // from_manifest false: the tables are every one found, levels unknown,
  // and the manifest's sizes and counts are not compared.
  void CheckTables(bool from_manifest);
  void CheckLogs(const std::vector<std::string>& names);
  void CheckLog(uint64_t number, bool last);
  void CheckOpen();

  struct Item {
    std::string file;
    std::string error;
  };

  env::FileSystem* const fs_;
  const std::string dir_;
  const std::unique_ptr<engine::KeyRegistry> keys_;
  const std::string key_file_;
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
  for (size_t i = 0; i < logs.size(); ++i) CheckLog(logs[i], i + 1 == logs.size());
}

void Checker::CheckLog(uint64_t number, bool last) {
  const std::string path = engine::LogFileName(dir_, number);
  nlohmann::json j = {{"file", path}, {"number", number}};
  uint64_t records = 0, ops = 0;
  absl::Status s;
  auto file = fs_->NewSequentialFile(path);
  if (!file.ok()) {
    s = file.status();
  } else {
    wal::LogReaderOptions ro;
    ro.last_log = last;  // only the newest log may end torn
    std::shared_ptr<const crypto::FileCipher> cipher;
    if (keys_ != nullptr) {
      auto c = keys_->CipherFor(number, crypto::FileKind::kLog);
      if (c.ok()) {
        cipher = *std::move(c);
        ro.cipher = cipher.get();
      } else {
        s = c.status();
      }
    }
    wal::LogReader reader(std::move(*file), path, number, ro);
    std::string record;
    uint64_t offset = 0;
    SequenceNumber next_seq = 0;
    Progress progress(fmt::format("checking {}", path));
    while (s.ok()) {
      auto more = reader.ReadRecord(&record, &offset);
      if (!more.ok()) {
        s = more.status();
        break;
      }
      if (!*more) break;
      WriteBatch batch;
      if (absl::Status bs = WriteBatchInternal::SetContents(&batch, std::move(record)); !bs.ok()) {
        s = absl::DataLossError(fmt::format("{} at offset {}: {}", path, offset,
                                            std::string(bs.message())));
        break;
      }
      if (batch.Count() > 0 && WriteBatchInternal::Sequence(batch) < next_seq) {
        s = absl::DataLossError(fmt::format(
            "{} at offset {}: sequence {} after a record that ended at {}", path, offset,
            WriteBatchInternal::Sequence(batch), next_seq - 1));
        break;
      }
      if (batch.Count() > 0) next_seq = WriteBatchInternal::Sequence(batch) + batch.Count();
      ++records;
      ops += batch.Count();
      progress.Update(records, 0, "records");
    }
    j["torn_tail_bytes"] = reader.dropped_tail_bytes();
    if (s.ok() && reader.dropped_tail_bytes() > 0) {
      notes_.push_back(fmt::format(
          "{}: torn tail of {} bytes at offset {} (what a crash leaves in the newest log; "
          "those writes were never acknowledged as durable)",
          path, reader.dropped_tail_bytes(), reader.valid_end_offset()));
    }
  }
  j["records"] = records;
  j["ops"] = ops;
  j["ok"] = s.ok();
  if (s.ok()) {
    lines_.push_back(fmt::format("ok    {} ({} record(s), {} op(s))", path, records, ops));
  } else {
    Problem(path, s);
    j["error"] = std::string(s.message());
    lines_.push_back(fmt::format("FAIL  {} after {} record(s)", path, records));
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
    nlohmann::json out = {{"dir", dir_},          {"ok", ok()},
                          {"manifest", manifest_json_}, {"tables", tables_json_},
                          {"logs", logs_json_},   {"problems", problems},
                          {"notes", notes_}};
    std::cout << out.dump(2) << "\n";
  } else {
    for (const std::string& l : lines_) std::cout << l << "\n";
    for (const std::string& n : notes_) std::cout << "note: " << n << "\n";
    for (const Item& p : problems_) std::cout << "PROBLEM " << p.error << "\n";
    std::cout << fmt::format("checked 1 manifest, {} table(s), {} log(s): {}\n",
                             tables_json_.size(), logs_json_.size(),
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
      "record, read-only; exit 2 if there is a problem");
  AddStoreFlags(check, &f->store);
  check->add_flag("--json", f->json, "print JSON");
  check->callback([f] {
    const std::string dir = NativeDir(f->store, "db check");
    env::FileSystem* fs = env::DefaultFileSystem();
    auto exists = fs->FileExists(dir);
    if (!exists.ok()) Fail(exists.status(), "db check");
    if (!*exists) FailWith(kExitError, fmt::format("db check: {}: no such directory", dir));
    std::cerr << fmt::format("synapsed: opened {} read-only (checking every file)\n", dir);
    Checker checker(fs, dir, OpenFileKeys(dir, f->store.key_file, "db check"),
                    f->store.key_file);
    checker.Run();
    checker.Print(f->json);
    if (!checker.ok()) FailWith(kExitCorrupt, "db check: the database has problems");
  });
}

}  // namespace synapsed::storage::tools
