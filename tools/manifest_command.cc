#include "tools/manifest_command.h"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "engine/manifest_replay.h"
#include "env/env.h"
#include "tools/file_keys.h"
#include "tools/table_meta.h"
#include "tools/tool_util.h"

namespace synapsed::storage::tools {
namespace {

struct ManifestDumpFlags {
  std::string path;
  bool json = false;
  std::string key_file;
};

// L0 by number (oldest first), L1+ by smallest key: the order reads use,
// and the order ApplyVersionEdit keeps.
const std::vector<compaction::FileRef>& LevelFiles(const engine::ManifestReplay& r, int level) {
  return r.shape.levels[level];
}

nlohmann::json EditJson(const engine::ManifestRecord& rec) {
  const engine::VersionEdit& e = rec.edit;
  nlohmann::json j = {{"offset", rec.offset}};
  if (e.format_version) j["format_version"] = *e.format_version;
  if (e.log_number) j["log_number"] = *e.log_number;
  if (e.next_file_number) j["next_file_number"] = *e.next_file_number;
  if (e.last_sequence) j["last_sequence"] = *e.last_sequence;
  nlohmann::json deleted = nlohmann::json::array();
  for (const auto& [level, number] : e.deleted_files) {
    deleted.push_back({{"level", level}, {"number", number}});
  }
  nlohmann::json added = nlohmann::json::array();
  for (const auto& [level, f] : e.new_files) added.push_back(TableMetaJson(level, f));
  j["deleted_files"] = deleted;
  j["new_files"] = added;
  return j;
}

int Dump(const ManifestDumpFlags& flags) {
  env::FileSystem* fs = env::DefaultFileSystem();
  std::string path = flags.path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    FailWith(kExitError, fmt::format("manifest dump: {}: no such file or directory", path));
  }
  if (std::filesystem::is_directory(path, ec)) {
    auto named = engine::CurrentManifestPath(fs, path);
    if (!named.ok()) Fail(named.status(), "manifest dump");
    path = *named;
  }
  auto keys = OpenFileKeys(env::DirName(path), flags.key_file, "manifest dump");
  const engine::ManifestReplay r =
      engine::ReplayManifest(fs, path, /*keep_records=*/true, keys.get());
  if (r.status.code() != absl::StatusCode::kDataLoss && !r.status.ok()) {
    Fail(r.status, "manifest dump");  // not a manifest, unreadable: no output
  }
  if (flags.json) {
    nlohmann::json records = nlohmann::json::array();
    for (const auto& rec : r.records) records.push_back(EditJson(rec));
    nlohmann::json levels = nlohmann::json::array();
    for (int level = 0; level < engine::kNumLevels; ++level) {
      nlohmann::json tables = nlohmann::json::array();
      uint64_t bytes = 0;
      for (const auto& f : LevelFiles(r, level)) {
        tables.push_back(TableMetaJson(level, *f));
        bytes += f->file_size;
      }
      levels.push_back({{"level", level}, {"bytes", bytes}, {"tables", tables}});
    }
    nlohmann::json state = {{"levels", levels}};
    if (r.log_number) state["log_number"] = *r.log_number;
    if (r.next_file_number) state["next_file_number"] = *r.next_file_number;
    if (r.last_sequence) state["last_sequence"] = *r.last_sequence;
    nlohmann::json out = {{"file", path},
                          {"manifest_number", r.number},
                          {"records", records},
                          {"state", state},
                          {"torn_tail_bytes", r.torn_tail_bytes},
                          {"ok", r.status.ok()}};
    if (!r.status.ok()) out["error"] = std::string(r.status.message());
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << fmt::format("{} (manifest #{})\n", path, r.number);
    for (size_t i = 0; i < r.records.size(); ++i) {
      std::cout << fmt::format("record {} at offset {}{}:\n", i, r.records[i].offset,
                               i == 0 ? " (snapshot)" : "")
                << r.records[i].edit.DebugString();
    }
    if (r.torn_tail_bytes > 0) {
      std::cout << fmt::format("torn tail: {} bytes at offset {} (dropped, as recovery does)\n",
                               r.torn_tail_bytes, r.torn_tail_offset);
    }
    auto opt = [](const std::optional<uint64_t>& v) {
      return v ? std::to_string(*v) : std::string("?");
    };
    std::cout << fmt::format(
        "state after {} record(s): log number {}, next file number {}, last sequence {}\n",
        r.records.size(), opt(r.log_number), opt(r.next_file_number),
        opt(r.last_sequence));
    for (int level = 0; level < engine::kNumLevels; ++level) {
      const auto& files = LevelFiles(r, level);
      if (files.empty()) continue;
      uint64_t bytes = 0;
      for (const auto& f : files) bytes += f->file_size;
      std::cout << fmt::format("L{}: {} table(s), {} bytes\n", level, files.size(), bytes);
      for (const auto& f : files) std::cout << "  " << TableMetaLine(*f) << "\n";
    }
  }
  if (!r.status.ok()) Fail(r.status, "manifest dump");
  return 0;
}

}  // namespace

void AddManifestCommand(CLI::App* app) {
  CLI::App* manifest = app->add_subcommand(
      "manifest", "inspect MANIFEST files, the log of table changes (read-only)");
  manifest->require_subcommand(1);
  auto flags = std::make_shared<ManifestDumpFlags>();
  CLI::App* dump = manifest->add_subcommand(
      "dump", "print every version edit (offset, fields) and the final tables per level");
  dump->add_option("path", flags->path,
                   "a database directory (its CURRENT manifest) or a MANIFEST-NNNNNN file")
      ->required();
  dump->add_flag("--json", flags->json, "print JSON");
  AddKeyFileFlag(dump, &flags->key_file);
  dump->callback([flags] { Dump(*flags); });
}

}  // namespace synapsed::storage::tools
