// Test support shared by sstable_test and the libFuzzer target in
// tests/fuzz/: in-memory files over a std::string, and ExerciseTableBytes,
// which opens arbitrary bytes as a table and drives every read path (open,
// forward and backward scans, seeks, point lookups). Not used by the engine.
//
// Header-only so the fuzz build can compile it with its own flags. Each
// object is used by one thread.
#ifndef SYNAPSED_SSTABLE_TABLE_EXERCISER_H_
#define SYNAPSED_SSTABLE_TABLE_EXERCISER_H_

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "env/env.h"
#include "sstable/table_iterator.h"
#include "sstable/table_reader.h"
#include "util/internal_key.h"

namespace synapsed::storage::sstable::testing {

// A WritableFile appending to a caller-owned string.
class StringSink final : public env::WritableFile {
 public:
  explicit StringSink(std::string* dst) : dst_(dst) {}
  absl::Status Append(std::string_view data) override {
    dst_->append(data);
    return absl::OkStatus();
  }
  absl::Status Sync() override { return absl::OkStatus(); }
  absl::Status Close() override { return absl::OkStatus(); }
  uint64_t Size() const override { return dst_->size(); }

 private:
  std::string* dst_;
};

// A RandomAccessFile over its own copy of some bytes.
class StringSource final : public env::RandomAccessFile {
 public:
  // `in_place`: reads return views of the bytes, as a mapped file's do.
  explicit StringSource(std::string_view bytes, bool in_place = false)
      : bytes_(bytes), in_place_(in_place) {}
  absl::StatusOr<std::string_view> Read(uint64_t offset, size_t n,
                                        char* scratch) const override {
    if (offset >= bytes_.size()) return std::string_view();
    n = std::min<uint64_t>(n, bytes_.size() - offset);
    if (in_place_) return std::string_view(bytes_.data() + offset, n);
    // Copy, as a disk read would: the reader must not rely on the bytes
    // staying put.
    std::memcpy(scratch, bytes_.data() + offset, n);
    return std::string_view(scratch, n);
  }
  uint64_t Size() const override { return bytes_.size(); }
  bool ReadsInPlace() const override { return in_place_; }

 private:
  std::string bytes_;
  bool in_place_;
};

// Runs every read path over `bytes`; returns the first error found (OK if
// the table reads cleanly). Never crashes on any input: that is what the
// callers check. Bounded work: at most `max_entries` entries are visited per
// pass.
inline absl::Status ExerciseTableBytes(std::string_view bytes,
                                       bool verify_checksums,
                                       cache::Cache* cache = nullptr,
                                       size_t max_entries = 4096) {
  TableReaderOptions options;
  options.verify_checksums = verify_checksums;
  auto opened = TableReader::Open(options, std::make_unique<StringSource>(bytes),
                                  bytes.size(), /*file_number=*/1, "fuzz.sst",
                                  cache);
  if (!opened.ok()) return opened.status();
  const TableReader& table = **opened;
  ReadOptions ro;
  std::vector<std::string> keys;
  absl::Status first;
  auto note = [&first](const absl::Status& s) {
    if (first.ok() && !s.ok()) first = s;
  };
  {
    std::unique_ptr<TableIterator> it = table.NewIterator(ro);
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid() && n < max_entries; it->Next(), ++n) {
      if (keys.size() < 64) keys.emplace_back(it->key());
      (void)it->value();
    }
    note(it->status());
    n = 0;
    for (it->SeekToLast(); it->Valid() && n < max_entries; it->Prev(), ++n) {
    }
    note(it->status());
  }
  for (const std::string& k : keys) {
    std::unique_ptr<TableIterator> it = table.NewIterator(ro);
    it->Seek(k);
    if (it->Valid()) it->Prev();
    note(it->status());
    if (k.size() >= 8) {
      std::string lookup = MakeInternalKey(ExtractUserKey(k),
                                           kMaxSequenceNumber,
                                           kValueTypeForSeek);
      GetResult r;
      note(table.Get(ro, lookup, &r));
    }
  }
  // Lookups of keys that are probably absent.
  for (std::string_view u : {"", "a", "m", "zzzz"}) {
    GetResult r;
    note(table.Get(ro, MakeInternalKey(u, kMaxSequenceNumber,
                                       kValueTypeForSeek),
                   &r));
  }
  (void)table.ApproximateOffsetOf(
      MakeInternalKey("m", kMaxSequenceNumber, kValueTypeForSeek));
  return first;
}

}  // namespace synapsed::storage::sstable::testing

#endif  // SYNAPSED_SSTABLE_TABLE_EXERCISER_H_
