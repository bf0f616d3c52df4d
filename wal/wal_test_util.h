// Helpers shared by the wal tests: write records into a file of an in-memory
// file system and read them back. Test-only.
#ifndef SYNAPSED_WAL_WAL_TEST_UTIL_H_
#define SYNAPSED_WAL_WAL_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "env/env.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"
#include "util/random.h"
#include "util/status_macros.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace synapsed::storage::wal::testing {

// Records of random bytes: one in ten up to `big` bytes long (a record that
// spans blocks), the others under 300. `count` of them, and more until they
// hold at least `min_bytes`.
inline std::vector<std::string> RandomRecords(Random* rnd, size_t count, size_t big,
                                              uint64_t min_bytes = 0) {
  std::vector<std::string> records;
  uint64_t total = 0;
  while (records.size() < count || total < min_bytes) {
    const size_t len = rnd->OneIn(10) ? rnd->Uniform(big) : rnd->Uniform(300);
    records.push_back(rnd->Bytes(len));
    total += len;
  }
  return records;
}

struct ReadResult {
  std::vector<std::string> records;
  std::vector<uint64_t> offsets;
  absl::Status status;  // the error that stopped reading, if any
  uint64_t dropped = 0;
  uint64_t ignored = 0;
  uint64_t skipped = 0;
  uint64_t valid_end = 0;
};

// Encodes `records` as log `log_number` and returns the file's bytes.
inline absl::StatusOr<std::string> EncodeLog(
    env::FileSystem* fs, const std::vector<std::string>& records,
    uint64_t log_number, LogWriterOptions options = {}) {
  const std::string path = "/encode.log";
  ASSIGN_OR_RETURN(std::unique_ptr<env::WritableFile> f,
                   fs->NewWritableFile(path));
  LogWriter w(std::move(f), log_number, options);
  for (const std::string& r : records) {
    RETURN_IF_ERROR(w.AddRecord(r, /*sync=*/false));
  }
  RETURN_IF_ERROR(w.Close());
  return env::ReadFileToString(fs, path);
}

// Reads every record of `bytes` (written to a scratch file) until the end or
// an error.
inline ReadResult ReadLog(env::FileSystem* fs, const std::string& bytes,
                          uint64_t log_number, LogReaderOptions options) {
  ReadResult out;
  const std::string path = "/read.log";
  out.status = env::WriteStringToFile(fs, bytes, path, /*sync=*/false);
  if (!out.status.ok()) return out;
  absl::StatusOr<std::unique_ptr<env::SequentialFile>> f =
      fs->NewSequentialFile(path);
  if (!f.ok()) {
    out.status = f.status();
    return out;
  }
  LogReader reader(std::move(*f), path, log_number, options);
  std::string record;
  uint64_t offset = 0;
  while (true) {
    absl::StatusOr<bool> more = reader.ReadRecord(&record, &offset);
    if (!more.ok()) {
      out.status = more.status();
      break;
    }
    if (!*more) break;
    out.records.push_back(record);
    out.offsets.push_back(offset);
  }
  out.dropped = reader.dropped_tail_bytes();
  out.ignored = reader.ignored_tail_bytes();
  out.skipped = reader.skipped_bytes();
  out.valid_end = reader.valid_end_offset();
  return out;
}

// What a crash leaves of a preallocated or mapped log whose records encode
// to `expected`: those bytes, then only zeros, which a last-log read takes
// as a clean end (every record back, nothing dropped).
inline void ExpectLogThenZeros(env::FileSystem* fs, const std::string& image,
                               const std::string& expected,
                               const std::vector<std::string>& records, uint64_t log_number) {
  ASSERT_GT(image.size(), expected.size());
  EXPECT_TRUE(image.substr(0, expected.size()) == expected);
  EXPECT_EQ(image.find_first_not_of('\0', expected.size()), std::string::npos);
  ReadResult r = ReadLog(fs, image, log_number, {.last_log = true});
  ASSERT_OK(r.status);
  EXPECT_EQ(r.records, records);
  EXPECT_EQ(r.dropped, 0u);
}

}  // namespace synapsed::storage::wal::testing

#endif  // SYNAPSED_WAL_WAL_TEST_UTIL_H_
