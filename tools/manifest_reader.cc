#include "tools/manifest_reader.h"

#include <algorithm>

#include "engine/filenames.h"
#include "fmt/format.h"
#include "tools/tool_util.h"
#include "util/internal_key.h"
#include "wal/log_reader.h"

namespace synapsed::storage::tools {
namespace {

// Applies `edit` to `r` (deletions first, as recovery does) and checks the
// result. `where` names the record for error messages.
absl::Status Apply(const engine::VersionEdit& edit, const std::string& where,
                   ManifestReplay* r) {
  for (const auto& [level, number] : edit.deleted_files) {
    if (r->levels[level].erase(number) == 0) {
      return absl::DataLossError(fmt::format(
          "{}: edit deletes table #{} from L{}, which does not hold it", where,
          number, level));
    }
  }
  for (const auto& [level, f] : edit.new_files) r->levels[level][f.number] = f;
  for (int level = 1; level < engine::kNumLevels; ++level) {
    std::vector<const engine::FileMetaData*> files;
    for (const auto& [n, f] : r->levels[level]) files.push_back(&f);
    std::sort(files.begin(), files.end(), [](const auto* a, const auto* b) {
      return CompareInternalKeys(a->smallest, b->smallest) < 0;
    });
    for (size_t i = 1; i < files.size(); ++i) {
      if (CompareInternalKeys(files[i - 1]->largest, files[i]->smallest) >= 0) {
        return absl::DataLossError(
            fmt::format("{}: tables #{} and #{} overlap in L{}", where,
                        files[i - 1]->number, files[i]->number, level));
      }
    }
  }
  if (edit.log_number) r->log_number = edit.log_number;
  if (edit.next_file_number) r->next_file_number = edit.next_file_number;
  if (edit.last_sequence) r->last_sequence = edit.last_sequence;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> CurrentManifestPath(env::FileSystem* fs,
                                                const std::string& dir) {
  const std::string current = engine::CurrentFileName(dir);
  auto exists = fs->FileExists(current);
  if (!exists.ok()) return exists.status();
  if (!*exists) {
    return absl::NotFoundError(fmt::format(
        "{} is not a synapsed database (it has no {} file)", dir,
        engine::kCurrentName));
  }
  auto text = env::ReadFileToString(fs, current);
  if (!text.ok()) return text.status();
  std::string name = *text;
  if (name.empty() || name.back() != '\n') {
    return absl::DataLossError(
        fmt::format("{}: corrupt at offset {} (no newline)", current, name.size()));
  }
  name.pop_back();
  auto parsed = engine::ParseFileName(name);
  if (!parsed || parsed->kind != engine::FileKind::kManifest) {
    return absl::DataLossError(fmt::format(
        "{}: corrupt at offset 0: does not name a manifest: \"{}\"", current,
        name));
  }
  return env::JoinPath(dir, name);
}

ManifestReplay ReplayManifest(env::FileSystem* fs, const std::string& path) {
  ManifestReplay r;
  r.path = path;
  const std::string base = path.substr(path.rfind('/') + 1);
  auto parsed = engine::ParseFileName(base);
  if (!parsed || parsed->kind != engine::FileKind::kManifest) {
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
  ro.only_short_tails_are_torn = true;  // as VersionSet::Recover (engine/version.cc)
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
    ManifestRecord rec;
    rec.offset = offset;
    if (absl::Status s = rec.edit.Decode(record, where); !s.ok()) {
      r.status = s;
      return r;
    }
    if (r.records.empty() && !rec.edit.format_version) {
      r.status = absl::DataLossError(
          fmt::format("{}: the first record has no format version", where));
      return r;
    }
    if (absl::Status s = Apply(rec.edit, where, &r); !s.ok()) {
      r.status = s;
      return r;
    }
    r.records.push_back(std::move(rec));
  }
  r.torn_tail_bytes = reader.dropped_tail_bytes();
  r.torn_tail_offset = reader.valid_end_offset();
  if (r.records.empty() || !r.log_number || !r.next_file_number ||
      !r.last_sequence) {
    r.status = absl::DataLossError(fmt::format(
        "{}: incomplete manifest at offset {}: {} (no snapshot record with log "
        "number, next file number and last sequence)",
        path, reader.valid_end_offset(),
        r.records.empty() ? "no intact record" : "fields missing"));
  }
  return r;
}

std::string ShowInternalKey(std::string_view ikey) {
  ParsedInternalKey p;
  if (!ParseInternalKey(ikey, &p)) return "<bad key " + Hex(ikey) + ">";
  return fmt::format("'{}'@{}{}", Escape(p.user_key), p.sequence,
                     p.type == ValueType::kDeletion ? "D" : "");
}

std::string TableMetaLine(const engine::FileMetaData& f) {
  return fmt::format("#{} {} bytes [{} .. {}] seq {}..{} entries {} deletions {}",
                     f.number, f.file_size, ShowInternalKey(f.smallest),
                     ShowInternalKey(f.largest), f.smallest_seq, f.largest_seq,
                     f.num_entries, f.num_deletions);
}

nlohmann::json TableMetaJson(int level, const engine::FileMetaData& f) {
  return {{"level", level},
          {"number", f.number},
          {"file_size", f.file_size},
          {"smallest", ShowInternalKey(f.smallest)},
          {"largest", ShowInternalKey(f.largest)},
          {"smallest_seq", f.smallest_seq},
          {"largest_seq", f.largest_seq},
          {"entries", f.num_entries},
          {"deletions", f.num_deletions}};
}

}  // namespace synapsed::storage::tools
