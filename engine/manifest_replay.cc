#include "engine/manifest_replay.h"

#include <algorithm>
#include <memory>

#include "engine/filenames.h"
#include "fmt/format.h"
#include "util/internal_key.h"
#include "wal/log_reader.h"

namespace synapsed::storage::engine {

using compaction::FileRef;
using compaction::LsmShape;

absl::StatusOr<LsmShape> ApplyVersionEdit(const LsmShape& base, const VersionEdit& edit,
                                          std::string_view where) {
  LsmShape shape = base;
  for (const auto& [level, number] : edit.deleted_files) {
    auto& files = shape.levels[level];
    auto it = std::find_if(files.begin(), files.end(),
                           [n = number](const FileRef& f) { return f->number == n; });
    if (it == files.end()) {
      return absl::DataLossError(fmt::format(
          "{}: edit deletes table #{} from L{}, which does not hold it", where, number,
          level));
    }
    files.erase(it);
  }
  for (const auto& [level, f] : edit.new_files) {
    shape.levels[level].push_back(std::make_shared<const FileMetaData>(f));
  }
  // L0 tables may overlap; reads probe them newest (highest number) first.
  std::sort(shape.levels[0].begin(), shape.levels[0].end(),
            [](const FileRef& a, const FileRef& b) { return a->number < b->number; });
  // L1+ reads binary-search one table per level, which is only right if the
  // level's tables are disjoint and sorted.
  for (int level = 1; level < compaction::kNumLevels; ++level) {
    auto& files = shape.levels[level];
    std::sort(files.begin(), files.end(), [](const FileRef& a, const FileRef& b) {
      return CompareInternalKeys(a->smallest, b->smallest) < 0;
    });
    for (size_t i = 1; i < files.size(); ++i) {
      if (CompareInternalKeys(files[i - 1]->largest, files[i]->smallest) >= 0) {
        return absl::DataLossError(fmt::format("{}: tables #{} and #{} overlap in L{}",
                                               where, files[i - 1]->number,
                                               files[i]->number, level));
      }
    }
  }
  return shape;
}

absl::StatusOr<std::string> CurrentManifestPath(env::FileSystem* fs,
                                                const std::string& dir) {
  const std::string current = CurrentFileName(dir);
  auto exists = fs->FileExists(current);
  if (!exists.ok()) return exists.status();
  if (!*exists) {
    return absl::NotFoundError(fmt::format(
        "{} is not a synapsed database (it has no {} file)", dir, kCurrentName));
  }
  auto text = env::ReadFileToString(fs, current);
  if (!text.ok()) return text.status();
  std::string name = *text;
  // CURRENT is replaced by a rename of a synced temporary, so a missing
  // newline means damage, not a write in progress.
  if (name.empty() || name.back() != '\n') {
    return absl::DataLossError(
        fmt::format("{}: corrupt at offset {} (no newline)", current, name.size()));
  }
  name.pop_back();
  auto parsed = ParseFileName(name);
  if (!parsed || parsed->kind != FileKind::kManifest) {
    return absl::DataLossError(fmt::format(
        "{}: corrupt at offset 0: does not name a manifest: \"{}\"", current, name));
  }
  return env::JoinPath(dir, name);
}

ManifestReplay ReplayManifest(env::FileSystem* fs, const std::string& path,
                              bool keep_records, const KeyRegistry* keys) {
  ManifestReplay r;
  r.path = path;
  const std::string base = path.substr(path.rfind('/') + 1);
  auto parsed = ParseFileName(base);
  if (!parsed || parsed->kind != FileKind::kManifest) {
    r.status = absl::InvalidArgumentError(fmt::format(
        "{} is not named MANIFEST-NNNNNN (its number is the log number its "
        "records carry)",
        path));
    return r;
  }
  r.number = parsed->number;
  auto file = fs->NewSequentialFile(path);
  if (!file.ok()) {
    r.status = file.status();
    return r;
  }
  wal::LogReaderOptions ro;
  ro.last_log = true;  // a torn final edit was never acknowledged
  // Every edit is synced before anything acts on it, so a crash can only cut
  // the manifest short; a whole final edit that fails its checksum is damage
  // (dropping it would resurrect the files it deleted). docs/format/manifest.md
  ro.only_short_tails_are_torn = true;
  std::shared_ptr<const crypto::FileCipher> cipher;
  if (keys != nullptr) {
    auto c = keys->CipherFor(r.number, crypto::FileKind::kManifest);
    if (!c.ok()) {
      r.status = c.status();
      return r;
    }
    cipher = *std::move(c);
    ro.cipher = cipher.get();
  }
  wal::LogReader reader(std::move(*file), path, r.number, ro);
  std::string record;
  uint64_t offset = 0;
  while (true) {
    auto more = reader.ReadRecord(&record, &offset);
    if (!more.ok()) {
      r.status = more.status();
      return r;
    }
    if (!*more) break;
    const std::string where = fmt::format("{} at offset {}", path, offset);
    VersionEdit edit;
    if (absl::Status s = edit.Decode(record, where); !s.ok()) {
      r.status = s;
      return r;
    }
    if (r.num_records == 0 && !edit.format_version) {
      r.status = absl::DataLossError(
          fmt::format("{}: the first record has no format version", where));
      return r;
    }
    auto shape = ApplyVersionEdit(r.shape, edit, where);
    if (!shape.ok()) {
      r.status = shape.status();
      return r;
    }
    r.shape = std::move(*shape);
    if (edit.log_number) r.log_number = edit.log_number;
    if (edit.next_file_number) r.next_file_number = edit.next_file_number;
    if (edit.last_sequence) r.last_sequence = edit.last_sequence;
    ++r.num_records;
    if (keep_records) r.records.push_back({offset, std::move(edit)});
  }
  r.torn_tail_bytes = reader.dropped_tail_bytes();
  r.torn_tail_offset = reader.valid_end_offset();
  if (r.num_records == 0 || !r.log_number || !r.next_file_number || !r.last_sequence) {
    r.status = absl::DataLossError(fmt::format(
        "{}: incomplete manifest at offset {}: {} (no snapshot record with log "
        "number, next file number and last sequence)",
        path, reader.valid_end_offset(),
        r.num_records == 0 ? "no intact record" : "fields missing"));
  }
  return r;
}

}  // namespace synapsed::storage::engine
