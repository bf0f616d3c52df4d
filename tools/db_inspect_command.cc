// `synapsed db stats | lsm | properties` (read-only) and `db compact`.
#include <chrono>
#include <future>
#include <iostream>

#include "engine/db_impl.h"
#include "engine/filenames.h"
#include "env/env.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "sstable/table_reader.h"
#include "tools/db_open.h"
#include "tools/db_subcommands.h"
#include "tools/table_meta.h"
#include "tools/tool_util.h"

namespace synapsed::storage::tools {
namespace {

struct InspectFlags {
  StoreFlags store;
  bool json = false;
  bool tables = false;
  std::string start, end;
};

CLI::App* AddInspect(CLI::App* db, const char* name, const char* help,
                     InspectFlags* f, bool json = true) {
  CLI::App* cmd = db->add_subcommand(name, help);
  AddStoreFlags(cmd, &f->store);
  if (json) cmd->add_flag("--json", f->json, "print JSON");
  return cmd;
}

std::string Property(Store* store, std::string_view name) {
  auto p = store->GetProperty(name);
  if (!p.ok()) Fail(p.status(), fmt::format("property {}", name));
  return *p;
}

void Stats(const InspectFlags& f) {
  OpenedStore db = OpenForRead(f.store, "db stats");
  std::cout << Property(db.store.get(), f.json ? "stats.json" : "stats");
  if (f.json) std::cout << "\n";
}

// The level shape: tables, bytes, score and key range per level, from the
// version the open recovered plus the engine's level scores.
void Lsm(const InspectFlags& f) {
  OpenedStore db = OpenForRead(f.store, "db lsm");
  if (db.native == nullptr) {
    FailWith(kExitError, fmt::format("db lsm: {} is not the native engine without layers",
                                     db.store->Name()));
  }
  const nlohmann::json stats = nlohmann::json::parse(Property(db.store.get(), "lsm.json"));
  const auto& shape = db.native->current_version()->shape();
  nlohmann::json levels = nlohmann::json::array();
  uint64_t total_files = 0, total_bytes = 0;
  if (!f.json) {
    std::cout << fmt::format("{:<5} {:>6} {:>12} {:>7} {:>12}  {}\n", "level", "tables",
                             "bytes", "score", "target", "key range");
  }
  for (int level = 0; level < engine::kNumLevels; ++level) {
    const auto& files = shape.levels[level];
    const nlohmann::json& ls = stats["levels"][level];
    const uint64_t bytes = shape.LevelBytes(level);
    total_files += files.size();
    total_bytes += bytes;
    // L0 tables overlap: its range is the smallest and largest of any.
    std::string smallest, largest;
    for (const auto& t : files) {
      if (smallest.empty() || CompareInternalKeys(t->smallest, smallest) < 0) {
        smallest = t->smallest;
      }
      if (largest.empty() || CompareInternalKeys(t->largest, largest) > 0) largest = t->largest;
    }
    nlohmann::json tables = nlohmann::json::array();
    for (const auto& t : files) tables.push_back(TableMetaJson(level, *t));
    nlohmann::json lj = {{"level", level},
                         {"tables", files.size()},
                         {"bytes", bytes},
                         {"score", ls["score"]},
                         {"target_bytes", ls["target_bytes"]}};
    if (!files.empty()) {
      lj["smallest"] = ShowInternalKey(smallest);
      lj["largest"] = ShowInternalKey(largest);
    }
    if (f.tables) lj["files"] = tables;
    levels.push_back(lj);
    if (!f.json) {
      std::cout << fmt::format(
          "L{:<4} {:>6} {:>12} {:>7.2f} {:>12}  {}\n", level, files.size(), bytes,
          ls["score"].get<double>(), ls["target_bytes"].get<uint64_t>(),
          files.empty() ? std::string("-")
                        : ShowInternalKey(smallest) + " .. " + ShowInternalKey(largest));
      if (f.tables) {
        for (const auto& t : files) std::cout << "        " << TableMetaLine(*t) << "\n";
      }
    }
  }
  const auto sj = nlohmann::json::parse(Property(db.store.get(), "stats.json"));
  if (f.json) {
    nlohmann::json out = {{"levels", levels},
                          {"live_tables", total_files},
                          {"live_table_bytes", total_bytes},
                          {"base_level", sj["base_level"]},
                          {"last_sequence", sj["last_sequence"]},
                          {"memtable_entries", sj["memtable_entries"]}};
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << fmt::format(
        "{} table(s), {} bytes; base level L{}; last sequence {}; {} entries only in logs\n",
        total_files, total_bytes, sj["base_level"].get<int>(),
        sj["last_sequence"].get<uint64_t>(), sj["memtable_entries"].get<uint64_t>());
  }
}

nlohmann::json PropertiesJson(int level, uint64_t number, const sstable::TableReader& t) {
  const sstable::TableProperties& p = t.properties();
  return {{"level", level},
          {"number", number},
          {"file", t.file_name()},
          {"file_size", t.file_size()},
          {"entries", p.num_entries},
          {"deletions", p.num_deletions},
          {"data_blocks", p.num_data_blocks},
          {"raw_key_size", p.raw_key_size},
          {"raw_value_size", p.raw_value_size},
          {"uncompressed_data_size", p.uncompressed_data_size},
          {"data_size", p.data_size},
          {"index_size", p.index_size},
          {"filter_size", p.filter_size},
          {"filter_bits_per_key", p.filter_bits_per_key},
          {"min_sequence", p.min_sequence},
          {"max_sequence", p.max_sequence},
          {"compression", p.compression},
          {"creation_time", p.creation_time},
          {"format_version", p.format_version},
          {"smallest_key", ShowInternalKey(p.smallest_key)},
          {"largest_key", ShowInternalKey(p.largest_key)}};
}

// Every live table's properties, read from the table files themselves.
void Properties(const InspectFlags& f) {
  OpenedStore db = OpenForRead(f.store, "db properties");
  if (db.native == nullptr) {
    FailWith(kExitError, fmt::format("db properties: {} is not the native engine without layers",
                                     db.store->Name()));
  }
  env::FileSystem* fs = env::DefaultFileSystem();
  const auto version = db.native->current_version();
  nlohmann::json rows = nlohmann::json::array();
  if (!f.json) {
    std::cout << fmt::format("{:<5} {:>8} {:>10} {:>9} {:>7} {:>6} {:>10} {:>10} {:>8} {:>7} {:<6} {}\n",
                             "level", "table", "size", "entries", "dels", "blocks",
                             "raw kv", "data", "index", "filter", "codec", "sequences");
  }
  uint64_t done = 0, total = 0;
  for (const auto& level : version->shape().levels) total += level.size();
  Progress progress("reading table properties");
  for (int level = 0; level < engine::kNumLevels; ++level) {
    for (const auto& meta : version->shape().levels[level]) {
      const std::string path = engine::TableFileName(db.dir, meta->number);
      auto size = fs->GetFileSize(path);
      if (!size.ok()) Fail(size.status(), "db properties");
      auto file = fs->NewRandomAccessFile(path);
      if (!file.ok()) Fail(file.status(), "db properties");
      auto t = sstable::TableReader::Open({}, std::move(*file), *size, meta->number, path,
                                          /*block_cache=*/nullptr);
      if (!t.ok()) Fail(t.status(), "db properties");
      const sstable::TableProperties& p = (*t)->properties();
      if (f.json) {
        rows.push_back(PropertiesJson(level, meta->number, **t));
      } else {
        std::cout << fmt::format(
            "L{:<4} {:>8} {:>10} {:>9} {:>7} {:>6} {:>10} {:>10} {:>8} {:>7} {:<6} {}..{}\n",
            level, fmt::format("{:06}.sst", meta->number), (*t)->file_size(),
            p.num_entries, p.num_deletions, p.num_data_blocks,
            p.raw_key_size + p.raw_value_size, p.data_size, p.index_size, p.filter_size,
            p.compression, p.min_sequence, p.max_sequence);
      }
      progress.Update(++done, total);
    }
  }
  if (f.json) std::cout << rows.dump(2) << "\n";
  else std::cout << fmt::format("{} live table(s)\n", total);
}

// Compacts [start, end] through Store::CompactRange, so any backend and
// layer stack that can compacts. The bare native engine also shows progress
// on a terminal while it runs, then its shape before and after; other stores
// report only the time.
void Compact(const InspectFlags& f, const CLI::App& cmd) {
  OpenedStore db = OpenForWrite(f.store, "db compact", /*create=*/false);
  std::optional<std::string> start, end;
  if (cmd.count("--start")) start = f.start;
  if (cmd.count("--end")) end = f.end;
  auto files_per_level = [&] {
    std::vector<uint64_t> n;
    if (db.native == nullptr) return n;
    for (const auto& l : db.native->current_version()->shape().levels) n.push_back(l.size());
    return n;
  };
  const auto before = files_per_level();
  const auto t0 = std::chrono::steady_clock::now();
  absl::Status s;
  {
    Progress progress("compacting");
    auto show = [&] {
      uint64_t tables = 0;
      for (uint64_t n : files_per_level()) tables += n;
      progress.Update(tables, 0, "live tables");
    };
    if (progress.enabled() && db.native != nullptr) show();
    // CompactRange blocks; it runs on a thread so this one can report.
    auto done = std::async(std::launch::async,
                           [&] { return db.store->CompactRange(start, end); });
    while (done.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      if (progress.enabled() && db.native != nullptr) show();
    }
    s = done.get();
  }
  if (!s.ok()) Fail(s, "db compact");
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto after = files_per_level();
  const std::string range = fmt::format("[{} .. {}]", start ? Escape(*start) : "first",
                                        end ? Escape(*end) : "last");
  if (f.json) {
    nlohmann::json out = {{"range", range}, {"seconds", secs}, {"tables_before", before},
                          {"tables_after", after}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << fmt::format("compacted {} in {:.3f} s\n", range, secs);
  if (db.native == nullptr) return;  // no table shape to show
  std::cout << fmt::format("{:<5} {:>7} {:>7}\n", "level", "before", "after");
  for (int level = 0; level < engine::kNumLevels; ++level) {
    if (before[level] == 0 && after[level] == 0) continue;
    std::cout << fmt::format("L{:<4} {:>7} {:>7}\n", level, before[level], after[level]);
  }
}

}  // namespace

void AddDbInspectCommands(CLI::App* db) {
  auto st = std::make_shared<InspectFlags>();
  AddInspect(db, "stats", "engine statistics: sequence, tables, memtables, cache (read-only)",
             st.get())
      ->callback([st] { Stats(*st); });

  auto lsm = std::make_shared<InspectFlags>();
  CLI::App* lsm_cmd = AddInspect(
      db, "lsm", "the level shape: tables, bytes, score and key range per level (read-only)",
      lsm.get());
  lsm_cmd->add_flag("--tables", lsm->tables, "list every table under its level");
  lsm_cmd->callback([lsm] { Lsm(*lsm); });

  auto props = std::make_shared<InspectFlags>();
  AddInspect(db, "properties",
             "the properties of every live table, read from the tables (read-only)",
             props.get())
      ->callback([props] { Properties(*props); });

  auto c = std::make_shared<InspectFlags>();
  CLI::App* compact = AddInspect(
      db, "compact", "compact a key range (default: everything) down to the last level", c.get());
  compact->add_option("--start", c->start, "first user key of the range (inclusive)");
  compact->add_option("--end", c->end, "last user key of the range (inclusive)");
  compact->callback([c, compact] { Compact(*c, *compact); });
}

}  // namespace synapsed::storage::tools
