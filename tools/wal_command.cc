#include "tools/wal_command.h"

#include <iostream>

#include "absl/strings/escaping.h"
#include "engine/filenames.h"
#include "env/env.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "synapsed/storage/write_batch.h"
#include "wal/log_reader.h"

namespace synapsed::storage::tools {
namespace {

std::string Show(std::string_view bytes, size_t max) {
  std::string s = absl::CHexEscape(
      absl::string_view(bytes.data(), std::min(bytes.size(), max)));
  if (bytes.size() > max) s += fmt::format("...({} bytes)", bytes.size());
  return s;
}

struct WalDumpFlags {
  std::string file;
  int64_t log_number = -1;
  bool json = false;
  bool values = false;
};

int DumpWal(const WalDumpFlags& flags) {
  env::FileSystem* fs = env::DefaultFileSystem();
  uint64_t number;
  if (flags.log_number >= 0) {
    number = static_cast<uint64_t>(flags.log_number);
  } else {
    std::string base = flags.file.substr(flags.file.rfind('/') + 1);
    auto parsed = engine::ParseLogFileName(base);
    if (!parsed) {
      std::cerr << "synapsed: " << flags.file
                << " is not named NNNNNN.log; give its number with --log-number\n";
      return 2;
    }
    number = *parsed;
  }
  auto file = fs->NewSequentialFile(flags.file);
  if (!file.ok()) {
    std::cerr << "synapsed: " << file.status() << "\n";
    return 1;
  }
  // Read as the newest log, so a torn tail is reported rather than fatal.
  wal::LogReaderOptions ro;
  ro.last_log = true;
  wal::LogReader reader(std::move(*file), flags.file, number, ro);
  nlohmann::json records = nlohmann::json::array();
  std::string record;
  uint64_t offset = 0, count = 0, ops = 0;
  int rc = 0;
  while (true) {
    auto more = reader.ReadRecord(&record, &offset);
    if (!more.ok()) {
      std::cerr << "synapsed: corruption: " << more.status().message() << "\n";
      rc = 1;
      break;
    }
    if (!*more) break;
    ++count;
    WriteBatch batch;
    absl::Status s = batch.SetRep(record);
    if (!s.ok()) {
      std::cerr << fmt::format("synapsed: corruption: {} at offset {}: {}\n",
                               flags.file, offset, std::string(s.message()));
      rc = 1;
      break;
    }
    ops += batch.Count();
    nlohmann::json ops_json = nlohmann::json::array();
    std::string text;
    uint64_t seq = batch.Sequence();
    (void)batch.Iterate(
        [&](std::string_view k, std::string_view v) {
          if (flags.json) {
            nlohmann::json op = {{"seq", seq}, {"op", "put"}, {"key", Show(k, 1 << 20)}};
            if (flags.values) op["value"] = Show(v, 1 << 20);
            ops_json.push_back(op);
          } else {
            text += fmt::format("    {} put {}", seq, Show(k, 64));
            if (flags.values) text += " = " + Show(v, 64);
            text += "\n";
          }
          ++seq;
        },
        [&](std::string_view k) {
          if (flags.json) {
            ops_json.push_back({{"seq", seq}, {"op", "delete"}, {"key", Show(k, 1 << 20)}});
          } else {
            text += fmt::format("    {} delete {}\n", seq, Show(k, 64));
          }
          ++seq;
        });
    if (flags.json) {
      records.push_back({{"log", number},
                         {"offset", offset},
                         {"sequence", batch.Sequence()},
                         {"count", batch.Count()},
                         {"ops", ops_json}});
    } else {
      std::cout << fmt::format("log {} offset {} sequence {} count {}\n{}", number,
                               offset, batch.Sequence(), batch.Count(), text);
    }
  }
  if (flags.json) {
    nlohmann::json out = {{"file", flags.file},
                          {"log", number},
                          {"records", records},
                          {"torn_tail_bytes", reader.dropped_tail_bytes()},
                          {"ok", rc == 0}};
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << fmt::format("{} record(s), {} op(s)", count, ops);
    if (reader.dropped_tail_bytes() > 0) {
      std::cout << fmt::format("; torn tail of {} bytes at offset {}",
                               reader.dropped_tail_bytes(), reader.valid_end_offset());
    }
    std::cout << "\n";
  }
  return rc;
}

}  // namespace

void AddWalCommand(CLI::App* app) {
  CLI::App* wal = app->add_subcommand("wal", "inspect write-ahead log files (read-only)");
  wal->require_subcommand(1);
  auto flags = std::make_shared<WalDumpFlags>();
  CLI::App* dump = wal->add_subcommand(
      "dump", "print every record (log number, offset, sequence, count, keys)");
  dump->add_option("file", flags->file, "the log file (NNNNNN.log)")->required();
  dump->add_option("--log-number", flags->log_number,
                   "the log's number, if the file name does not say");
  dump->add_flag("--values", flags->values, "print values too");
  dump->add_flag("--json", flags->json, "print JSON");
  dump->callback([flags] {
    if (int rc = DumpWal(*flags); rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace synapsed::storage::tools
