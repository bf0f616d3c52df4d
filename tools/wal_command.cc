#include "tools/wal_command.h"

#include <iostream>

#include "api/write_batch_internal.h"
#include "engine/filenames.h"
#include "env/env.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "synapsed/storage/write_batch.h"
#include "tools/file_keys.h"
#include "tools/tool_util.h"
#include "wal/log_reader.h"

namespace synapsed::storage::tools {
namespace {

struct WalDumpFlags {
  std::string file;
  int64_t log_number = -1;
  bool json = false;
  bool values = false;
  bool strict = false;
  std::string key_file;
};

void DumpWal(const WalDumpFlags& flags) {
  env::FileSystem* fs = env::DefaultFileSystem();
  uint64_t number;
  if (flags.log_number >= 0) {
    number = static_cast<uint64_t>(flags.log_number);
  } else {
    std::string base = flags.file.substr(flags.file.rfind('/') + 1);
    auto parsed = engine::ParseLogFileName(base);
    if (!parsed) {
      FailWith(kExitError,
               fmt::format("wal dump: {} is not named NNNNNN.log; give its number with "
                           "--log-number",
                           flags.file));
    }
    number = *parsed;
  }
  auto size = fs->GetFileSize(flags.file);
  if (!size.ok()) Fail(size.status(), "wal dump");
  auto file = fs->NewSequentialFile(flags.file);
  if (!file.ok()) Fail(file.status(), "wal dump");
  wal::LogReaderOptions ro;
  ro.last_log = !flags.strict;
  auto keys = OpenFileKeys(env::DirName(flags.file), flags.key_file, "wal dump");
  std::shared_ptr<const crypto::FileCipher> cipher;
  if (keys != nullptr) {
    auto c = keys->CipherFor(number, crypto::FileKind::kLog);
    if (!c.ok()) Fail(c.status(), "wal dump");
    cipher = *std::move(c);
    ro.cipher = cipher.get();
  }
  wal::LogReader reader(std::move(*file), flags.file, number, ro);
  nlohmann::json records = nlohmann::json::array();
  std::string record;
  uint64_t offset = 0, count = 0, ops = 0;
  absl::Status error;
  Progress progress("reading records");
  constexpr size_t kJsonMax = 1 << 20;  // bytes of a key or value in JSON
  while (true) {
    auto more = reader.ReadRecord(&record, &offset);
    if (!more.ok()) {
      error = more.status();
      break;
    }
    if (!*more) break;
    WriteBatch batch;
    if (absl::Status s = WriteBatchInternal::SetContents(&batch, record); !s.ok()) {
      error = absl::DataLossError(
          fmt::format("{} at offset {}: {}", flags.file, offset, std::string(s.message())));
      break;
    }
    ++count;
    ops += batch.Count();
    progress.Update(count, 0, "records");
    nlohmann::json ops_json = nlohmann::json::array();
    std::string text;
    uint64_t seq = WriteBatchInternal::Sequence(batch);
    absl::Status it = batch.Iterate(
        [&](std::string_view k, std::string_view v) {
          if (flags.json) {
            nlohmann::json op = {{"seq", seq}, {"op", "put"}, {"key", Escape(k, kJsonMax)}};
            if (flags.values) op["value"] = Escape(v, kJsonMax);
            ops_json.push_back(op);
          } else {
            text += fmt::format("    {} put {}", seq, Escape(k, 64));
            if (flags.values) text += " = " + Escape(v, 64);
            text += "\n";
          }
          ++seq;
        },
        [&](std::string_view k) {
          if (flags.json) {
            ops_json.push_back({{"seq", seq}, {"op", "delete"}, {"key", Escape(k, kJsonMax)}});
          } else {
            text += fmt::format("    {} delete {}\n", seq, Escape(k, 64));
          }
          ++seq;
        });
    // A batch with no ops is the log's header (its first record) or a sync
    // mark (docs/format/wal.md, "Headers and sync marks").
    const char* kind = batch.Count() > 0 ? "batch" : count == 1 ? "header" : "sync mark";
    if (flags.json) {
      records.push_back({{"log", number},
                         {"offset", offset},
                         {"kind", kind},
                         {"sequence", WriteBatchInternal::Sequence(batch)},
                         {"count", batch.Count()},
                         {"ops", ops_json}});
    } else {
      std::cout << fmt::format("log {} offset {} sequence {} count {}{}\n{}", number, offset,
                               WriteBatchInternal::Sequence(batch), batch.Count(),
                               batch.Count() > 0 ? "" : fmt::format(" ({})", kind), text);
    }
    if (!it.ok()) {
      error = absl::DataLossError(
          fmt::format("{} at offset {}: {}", flags.file, offset, std::string(it.message())));
      break;
    }
  }
  if (error.ok() && count == 0 && reader.dropped_tail_bytes() > 0) {
    // Nothing of this log decodes: not a log, another log's number, or a
    // log whose only record was torn. Say so rather than print "0 records".
    error = absl::DataLossError(fmt::format(
        "{}: no intact record of log {} in {} bytes at offset 0 (not a synapsed log, or "
        "give the right --log-number)",
        flags.file, number, *size));
  }
  if (flags.json) {
    nlohmann::json out = {{"file", flags.file},
                          {"log", number},
                          {"records", records},
                          {"record_count", count},
                          {"op_count", ops},
                          {"torn_tail_bytes", reader.dropped_tail_bytes()},
                          {"ok", error.ok()}};
    if (reader.dropped_tail_bytes() > 0) out["torn_tail_offset"] = reader.valid_end_offset();
    if (!error.ok()) out["error"] = std::string(error.message());
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << fmt::format("{} record(s), {} op(s)", count, ops);
    if (reader.dropped_tail_bytes() > 0 && error.ok()) {
      std::cout << fmt::format("; torn tail of {} bytes at offset {}",
                               reader.dropped_tail_bytes(), reader.valid_end_offset());
    }
    std::cout << "\n";
  }
  if (!error.ok()) Fail(error, "wal dump");
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
  dump->add_flag("--strict", flags->strict,
                 "read as an older log: a damaged final record is corruption, not a torn tail");
  dump->add_flag("--json", flags->json, "print JSON");
  AddKeyFileFlag(dump, &flags->key_file);
  dump->callback([flags] { DumpWal(*flags); });
}

}  // namespace synapsed::storage::tools
