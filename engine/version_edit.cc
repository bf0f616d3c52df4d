#include "engine/version_edit.h"

#include "absl/strings/escaping.h"
#include "fmt/format.h"
#include "util/coding.h"

namespace synapsed::storage::engine {
namespace {

// On disk: do not change. (docs/format/manifest.md)
enum Tag : uint32_t {
  kFormatVersion = 1,
  kLogNumber = 2,
  kNextFileNumber = 3,
  kLastSequence = 4,
  kDeletedFile = 5,
  kNewFile = 6,
};

std::string Show(std::string_view ikey) {
  ParsedInternalKey p;
  if (!ParseInternalKey(ikey, &p)) return "<bad key>";
  return fmt::format("'{}'@{}{}",
                     absl::CHexEscape(absl::string_view(p.user_key.data(), p.user_key.size())),
                     p.sequence, p.type == ValueType::kDeletion ? "D" : "");
}

}  // namespace

std::string VersionEdit::Encode() const {
  std::string out;
  if (format_version) {
    PutVarint32(&out, kFormatVersion);
    PutVarint32(&out, *format_version);
  }
  if (log_number) {
    PutVarint32(&out, kLogNumber);
    PutVarint64(&out, *log_number);
  }
  if (next_file_number) {
    PutVarint32(&out, kNextFileNumber);
    PutVarint64(&out, *next_file_number);
  }
  if (last_sequence) {
    PutVarint32(&out, kLastSequence);
    PutVarint64(&out, *last_sequence);
  }
  for (const auto& [level, number] : deleted_files) {
    PutVarint32(&out, kDeletedFile);
    PutVarint32(&out, level);
    PutVarint64(&out, number);
  }
  for (const auto& [level, f] : new_files) {
    PutVarint32(&out, kNewFile);
    PutVarint32(&out, level);
    PutVarint64(&out, f.number);
    PutVarint64(&out, f.file_size);
    PutLengthPrefixed(&out, f.smallest);
    PutLengthPrefixed(&out, f.largest);
    PutVarint64(&out, f.smallest_seq);
    PutVarint64(&out, f.largest_seq);
    PutVarint64(&out, f.num_entries);
    PutVarint64(&out, f.num_deletions);
  }
  return out;
}

absl::Status VersionEdit::Decode(std::string_view in, std::string_view where) {
  Clear();
  const size_t total = in.size();
  auto bad = [&](std::string_view what) {
    return absl::DataLossError(fmt::format("{}: bad version edit ({}) at byte {}",
                                           where, what, total - in.size()));
  };
  auto level_ok = [](uint32_t l) { return l < static_cast<uint32_t>(kNumLevels); };
  while (!in.empty()) {
    uint32_t tag;
    if (!GetVarint32(&in, &tag)) return bad("truncated tag");
    switch (tag) {
      case kFormatVersion: {
        uint32_t v;
        if (!GetVarint32(&in, &v)) return bad("format version");
        if (v != kManifestFormatVersion) {
          return absl::FailedPreconditionError(fmt::format(
              "{}: manifest format version {} (this build reads {})", where, v,
              kManifestFormatVersion));
        }
        format_version = v;
        break;
      }
      case kLogNumber: {
        uint64_t v;
        if (!GetVarint64(&in, &v)) return bad("log number");
        log_number = v;
        break;
      }
      case kNextFileNumber: {
        uint64_t v;
        if (!GetVarint64(&in, &v)) return bad("next file number");
        next_file_number = v;
        break;
      }
      case kLastSequence: {
        uint64_t v;
        if (!GetVarint64(&in, &v)) return bad("last sequence");
        last_sequence = v;
        break;
      }
      case kDeletedFile: {
        uint32_t level;
        uint64_t number;
        if (!GetVarint32(&in, &level) || !level_ok(level) || !GetVarint64(&in, &number)) {
          return bad("deleted file");
        }
        deleted_files.emplace_back(level, number);
        break;
      }
      case kNewFile: {
        uint32_t level;
        FileMetaData f;
        std::string_view smallest, largest;
        if (!GetVarint32(&in, &level) || !level_ok(level) ||
            !GetVarint64(&in, &f.number) || !GetVarint64(&in, &f.file_size) ||
            !GetLengthPrefixed(&in, &smallest) || !GetLengthPrefixed(&in, &largest) ||
            !GetVarint64(&in, &f.smallest_seq) || !GetVarint64(&in, &f.largest_seq) ||
            !GetVarint64(&in, &f.num_entries) || !GetVarint64(&in, &f.num_deletions)) {
          return bad("new file");
        }
        ParsedInternalKey p;
        if (!ParseInternalKey(smallest, &p) || !ParseInternalKey(largest, &p)) {
          return bad("new file key range");
        }
        f.smallest.assign(smallest);
        f.largest.assign(largest);
        new_files.emplace_back(level, std::move(f));
        break;
      }
      default:
        return bad(fmt::format("unknown tag {}", tag));
    }
  }
  return absl::OkStatus();
}

std::string VersionEdit::DebugString() const {
  std::string s;
  if (format_version) s += fmt::format("  format_version: {}\n", *format_version);
  if (log_number) s += fmt::format("  log_number: {}\n", *log_number);
  if (next_file_number) s += fmt::format("  next_file_number: {}\n", *next_file_number);
  if (last_sequence) s += fmt::format("  last_sequence: {}\n", *last_sequence);
  for (const auto& [level, number] : deleted_files) {
    s += fmt::format("  delete: L{} #{}\n", level, number);
  }
  for (const auto& [level, f] : new_files) {
    s += fmt::format("  add: L{} #{} {} bytes [{} .. {}] seq {}..{} entries {} deletions {}\n",
                     level, f.number, f.file_size, Show(f.smallest), Show(f.largest),
                     f.smallest_seq, f.largest_seq, f.num_entries, f.num_deletions);
  }
  return s;
}

}  // namespace synapsed::storage::engine
