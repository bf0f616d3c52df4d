#include "tools/sst_command.h"

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "env/env.h"
#include "fmt/format.h"
#include "tools/file_keys.h"
#include "nlohmann/json.hpp"
#include "sstable/block_map.h"
#include "sstable/table_iterator.h"
#include "sstable/table_reader.h"
#include "util/internal_key.h"

namespace synapsed::storage::tools {
namespace {

using sstable::BlockHandle;
using sstable::BlockIterator;
using sstable::TableReader;

struct SstFlags {
  std::string file;
  std::string key_file;
  bool json = false;
  bool hex = false;
  int64_t limit = -1;
};

int ExitCodeFor(const absl::Status& s) {
  return s.code() == absl::StatusCode::kDataLoss ? kSstExitCorrupt
                                                 : kSstExitError;
}

int Fail(const absl::Status& s) {
  std::cerr << "synapsed sst: " << (s.code() == absl::StatusCode::kDataLoss
                                        ? "corruption: "
                                        : "")
            << std::string(s.message()) << "\n";
  return ExitCodeFor(s);
}

// Opens FILE read-only, checksums on, no block cache. The caller is
// expected to report the error through Fail().
absl::StatusOr<std::unique_ptr<TableReader>> OpenFile(
    const std::string& path, std::shared_ptr<const crypto::FileCipher> cipher) {
  env::FileSystem* fs = env::DefaultFileSystem();
  auto size = fs->GetFileSize(path);
  if (!size.ok()) return size.status();
  auto file = fs->NewRandomAccessFile(path);
  if (!file.ok()) return file.status();
  sstable::TableReaderOptions ro;
  ro.cipher = std::move(cipher);
  return TableReader::Open(ro, std::move(*file), *size, /*file_number=*/0,
                           path, /*block_cache=*/nullptr);
}

// The data key of `path` when it belongs to an encrypted database.
std::shared_ptr<const crypto::FileCipher> SstCipher(const std::string& path,
                                                    const std::string& key_file,
                                                    std::string_view command) {
  auto keys = OpenFileKeys(env::DirName(path), key_file, command);
  return CipherForFile(keys.get(), path, command);
}

std::string Show(std::string_view bytes, bool hex) {
  absl::string_view a(bytes.data(), bytes.size());
  return hex ? absl::BytesToHexString(a) : absl::CHexEscape(a);
}

std::string TypeName(uint8_t t) {
  switch (t) {
    case static_cast<uint8_t>(ValueType::kValue):
      return "value";
    case static_cast<uint8_t>(ValueType::kDeletion):
      return "deletion";
    default:
      return fmt::format("unknown({})", t);
  }
}

int Properties(const SstFlags& f) {
  auto t = OpenFile(f.file, SstCipher(f.file, f.key_file, "sst properties"));
  if (!t.ok()) return Fail(t.status());
  const sstable::TableProperties& p = (*t)->properties();
  const sstable::TableLayout& l = (*t)->layout();
  if (!f.json) {
    std::cout << "file: " << f.file << "\nfile.size: " << (*t)->file_size()
              << "\n"
              << sstable::PropertiesToString(p);
    return 0;
  }
  nlohmann::json j;
  j["file"] = f.file;
  j["file_size"] = (*t)->file_size();
  j["format_version"] = p.format_version;
  j["creation_time"] = p.creation_time;
  j["entries"] = p.num_entries;
  j["deletions"] = p.num_deletions;
  j["data_blocks"] = p.num_data_blocks;
  j["raw_key_size"] = p.raw_key_size;
  j["raw_value_size"] = p.raw_value_size;
  j["uncompressed_data_size"] = p.uncompressed_data_size;
  j["data_size"] = p.data_size;
  j["index_size"] = p.index_size;
  j["filter_size"] = p.filter_size;
  j["filter_bits_per_key"] = p.filter_bits_per_key;
  j["min_sequence"] = p.min_sequence;
  j["max_sequence"] = p.max_sequence;
  j["compression"] = p.compression;
  j["blocks_by_codec"] = {{"none", p.blocks_by_codec[0]},
                          {"lz4", p.blocks_by_codec[1]},
                          {"zstd", p.blocks_by_codec[2]}};
  j["smallest_key"] = Show(p.smallest_key, true);
  j["largest_key"] = Show(p.largest_key, true);
  j["index_handle"] = {l.footer.index.offset, l.footer.index.size};
  j["metaindex_handle"] = {l.footer.metaindex.offset, l.footer.metaindex.size};
  std::cout << j.dump(2) << "\n";
  return 0;
}

int Dump(const SstFlags& f) {
  auto t = OpenFile(f.file, SstCipher(f.file, f.key_file, "sst dump"));
  if (!t.ok()) return Fail(t.status());
  sstable::ReadOptions ro;
  ro.fill_cache = false;
  auto it = (*t)->NewIterator(ro);
  nlohmann::json entries = nlohmann::json::array();
  int64_t n = 0;
  for (it->SeekToFirst(); it->Valid() && (f.limit < 0 || n < f.limit);
       it->Next(), ++n) {
    // Block decoding guarantees at least the 8-byte trailer.
    const std::string_view user = ExtractUserKey(it->key());
    const uint64_t trailer = ExtractTrailer(it->key());
    const uint64_t seq = trailer >> 8;
    const std::string type = TypeName(trailer & 0xff);
    if (f.json) {
      entries.push_back({{"key", Show(user, f.hex)},
                         {"sequence", seq},
                         {"type", type},
                         {"value", Show(it->value(), f.hex)}});
    } else {
      std::cout << fmt::format("'{}' @ {} : {} => '{}'\n", Show(user, f.hex),
                               seq, type, Show(it->value(), f.hex));
    }
  }
  if (f.json) std::cout << entries.dump(2) << "\n";
  if (!it->status().ok()) return Fail(it->status());
  return 0;
}

struct BlockReport {
  BlockHandle handle;
  sstable::StoredBlockInfo info;
  uint64_t raw_size = 0;
  uint32_t restarts = 0;
  uint64_t entries = 0;
};

// Reads every data block through the index, verifying checksums, entries
// and key order. `visit` sees each good block; the first error stops.
absl::Status WalkBlocks(const TableReader& t,
                        const std::function<void(const BlockReport&)>& visit,
                        uint64_t* total_entries) {
  BlockIterator index = t.NewIndexIterator();
  std::string prev_key;
  bool have_prev = false;
  *total_entries = 0;
  sstable::ReadOptions ro;
  ro.fill_cache = false;
  for (index.SeekToFirst(); index.Valid(); index.Next()) {
    auto handle = t.DecodeIndexValue(index.value());
    if (!handle.ok()) return handle.status();
    BlockReport r;
    r.handle = *handle;
    auto block = t.ReadDataBlock(ro, *handle, &r.info);
    if (!block.ok()) return block.status();
    r.raw_size = (*block)->size();
    r.restarts = (*block)->num_restarts();
    BlockIterator it(block->get(), sstable::KeyOrder::kInternal, t.file_name());
    for (it.SeekToFirst(); it.Valid(); it.Next()) {
      ParsedInternalKey parsed;
      if (!ParseInternalKey(it.key(), &parsed)) {
        return sstable::CorruptionError(t.file_name(), handle->offset,
                                        "entry with an unknown value type");
      }
      if ((have_prev && CompareInternalKeys(prev_key, it.key()) >= 0) ||
          CompareInternalKeys(it.key(), index.key()) > 0) {
        return sstable::CorruptionError(t.file_name(), handle->offset,
                                        "keys out of order");
      }
      prev_key.assign(it.key());
      have_prev = true;
      ++r.entries;
    }
    if (!it.status().ok()) return it.status();
    *total_entries += r.entries;
    visit(r);
  }
  return index.status();
}

}  // namespace

SstCheckResult CheckSstChecksums(const std::string& path) {
  SstCheckResult r;
  env::FileSystem* fs = env::DefaultFileSystem();
  auto size = fs->GetFileSize(path);
  auto file = size.ok() ? fs->NewRandomAccessFile(path) : size.status();
  if (!file.ok()) {
    r.status = file.status();
    return r;
  }
  auto walked = sstable::VerifyStoredBlocks(**file, path, *size);
  r.status = walked.status();
  if (walked.ok()) r.stored_blocks = walked->blocks;
  return r;
}

SstCheckResult CheckSstFile(const std::string& path,
                            std::shared_ptr<const crypto::FileCipher> cipher) {
  SstCheckResult r;
  if (cipher != nullptr) {
    r = CheckSstChecksums(path);
    // A table from before block maps has none to walk; the read below
    // still checks every block it reaches.
    if (absl::IsFailedPrecondition(r.status)) r.status = absl::OkStatus();
    if (!r.status.ok()) return r;
  }
  auto t = OpenFile(path, std::move(cipher));
  r.status = t.status();
  if (r.status.ok()) {
    r.status = WalkBlocks(
        **t, [&](const BlockReport&) { ++r.data_blocks; }, &r.entries);
    const auto& p = (*t)->properties();
    if (r.status.ok() &&
        (r.entries != p.num_entries || r.data_blocks != p.num_data_blocks)) {
      r.status = sstable::CorruptionError(
          path, (*t)->layout().properties.offset,
          fmt::format("properties say {} entries in {} blocks, found {} in {}",
                      p.num_entries, p.num_data_blocks, r.entries,
                      r.data_blocks));
    }
  }
  return r;
}

namespace {

int Check(const SstFlags& f) {
  // An encrypted database's table without --key-file: its checksums only.
  const bool checksums_only =
      f.key_file.empty() && IsEncryptedDatabase(env::DirName(f.file), "sst check");
  const SstCheckResult r = checksums_only
                               ? CheckSstChecksums(f.file)
                               : CheckSstFile(f.file, SstCipher(f.file, f.key_file, "sst check"));
  const absl::Status& s = r.status;
  const uint64_t blocks = r.data_blocks, entries = r.entries;
  if (f.json) {
    nlohmann::json j = {{"file", f.file}, {"ok", s.ok()}};
    if (checksums_only) {
      j["checksums_only"] = true;
      j["stored_blocks"] = r.stored_blocks;
    } else {
      j["data_blocks"] = blocks;
      j["entries"] = entries;
    }
    if (!s.ok()) j["error"] = std::string(s.message());
    std::cout << j.dump(2) << "\n";
  } else if (s.ok() && checksums_only) {
    std::cout << fmt::format(
        "{}: checksums OK ({} stored blocks; encrypted: give --key-file to authenticate "
        "and check the entries)\n",
        f.file, r.stored_blocks);
  } else if (s.ok()) {
    std::cout << fmt::format("{}: OK ({} data blocks, {} entries)\n", f.file,
                             blocks, entries);
  }
  if (!s.ok()) return Fail(s);
  return 0;
}

int Blocks(const SstFlags& f) {
  auto t = OpenFile(f.file, SstCipher(f.file, f.key_file, "sst blocks"));
  if (!t.ok()) return Fail(t.status());
  nlohmann::json rows = nlohmann::json::array();
  if (!f.json) {
    std::cout << fmt::format("{:>6} {:>12} {:>10} {:>10} {:>6} {:>7} {:>8} {:>8}\n",
                             "block", "offset", "stored", "raw", "codec",
                             "ratio", "restarts", "entries");
  }
  uint64_t i = 0, entries = 0;
  absl::Status s = WalkBlocks(
      **t,
      [&](const BlockReport& r) {
        const double ratio =
            r.info.stored_size ? double(r.raw_size) / r.info.stored_size : 0;
        const std::string_view codec = sstable::CompressionTypeName(r.info.type);
        if (f.json) {
          rows.push_back({{"block", i},
                          {"offset", r.handle.offset},
                          {"stored_size", r.info.stored_size},
                          {"raw_size", r.raw_size},
                          {"codec", std::string(codec)},
                          {"ratio", ratio},
                          {"restarts", r.restarts},
                          {"entries", r.entries}});
        } else {
          std::cout << fmt::format(
              "{:>6} {:>12} {:>10} {:>10} {:>6} {:>7.2f} {:>8} {:>8}\n", i,
              r.handle.offset, r.info.stored_size, r.raw_size, codec, ratio,
              r.restarts, r.entries);
        }
        ++i;
      },
      &entries);
  const sstable::TableLayout& l = (*t)->layout();
  nlohmann::json meta = nlohmann::json::array();
  auto add_meta = [&](const char* name, const BlockHandle& h) {
    if (f.json) {
      meta.push_back({{"block", name}, {"offset", h.offset}, {"size", h.size}});
    } else {
      std::cout << fmt::format("{:>10} {:>12} {:>10}\n", name, h.offset, h.size);
    }
  };
  if (!f.json) std::cout << "meta blocks (offset, stored size):\n";
  if (l.has_filter) add_meta("filter", l.filter);
  add_meta("index", l.footer.index);
  add_meta("properties", l.properties);
  add_meta("metaindex", l.footer.metaindex);
  add_meta("footer",
           BlockHandle{(*t)->file_size() - sstable::kFooterSize,
                       sstable::kFooterSize});
  if (f.json) {
    std::cout << nlohmann::json({{"data_blocks", rows}, {"meta_blocks", meta}})
                     .dump(2)
              << "\n";
  }
  if (!s.ok()) return Fail(s);
  return 0;
}

void AddFileCommand(CLI::App* sst, const char* name, const char* help,
                    int (*run)(const SstFlags&), bool hex, bool limit,
                    bool json) {
  auto flags = std::make_shared<SstFlags>();
  CLI::App* cmd = sst->add_subcommand(name, help);
  cmd->add_option("file", flags->file, "the .sst file")->required();
  AddKeyFileFlag(cmd, &flags->key_file);
  if (json) cmd->add_flag("--json", flags->json, "print JSON");
  if (hex) cmd->add_flag("--hex", flags->hex, "print keys and values in hex");
  if (limit) {
    cmd->add_option("--limit", flags->limit, "print at most N entries");
  }
  cmd->callback([flags, run] {
    if (int rc = run(*flags); rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace

void AddSstCommand(CLI::App* app) {
  CLI::App* sst =
      app->add_subcommand("sst", "inspect SSTable files (read-only)");
  sst->require_subcommand(1);
  AddFileCommand(sst, "properties", "print the table's properties", Properties,
                 false, false, true);
  AddFileCommand(sst, "dump",
                 "print every entry: key, sequence, type, value", Dump, true,
                 true, true);
  AddFileCommand(sst, "check",
                 "verify every checksum and entry; report the first bad block",
                 Check, false, false, true);
  AddFileCommand(sst, "blocks",
                 "per-block offset, sizes, codec, ratio and restart count",
                 Blocks, false, false, true);
}

}  // namespace synapsed::storage::tools
