// libFuzzer target for the log reader (wal/log_reader.h), which reads every
// WAL and every MANIFEST (LogReaderOptions::only_short_tails_are_torn).
//
// Input (tests/fuzz/fuzz_inputs.h): flags:u8, then either the file image
// itself (raw) or, with kLogStructured,
//
//   records:u8 seed:u8 shape:u8 [cut:u24 if shape & kCut] edit*
//   edit := offset:u24 xor:u8
//
// LogWriter writes `records % 13` records (sizes from `seed`, some spanning
// blocks, some ending next to a block boundary) as log kLogNumber, over an
// older log's bytes (a recycled file) with kRecycled, followed by zeros
// (preallocated space) with kZeroTail. Then the file is cut inside a record
// (`cut` picks the record and the offset in it) and the edits xor single
// bytes. With kFixChecksums every fragment header is given the checksum of
// its bytes after the edits: intact fragments with another kind, version,
// length or log number, which a reader must survive too (and the records
// they make are no longer the ones written). This reaches deep states
// without a seed corpus.
//
// Invariants checked, for every input:
//   - no crash, hang, leak or sanitizer report;
//   - an error is DataLoss or FailedPrecondition (another format version)
//     and names the file and an offset inside it;
//   - a returned record is what the bytes hold: the fragments at its offset
//     decode (checksums, kinds, log number) to exactly its bytes; offsets
//     increase;
//   - at the end: valid_end_offset + dropped + ignored bytes = file size
//     (no dropped bytes unless last_log), and cutting the file at
//     valid_end_offset and appending with LogWriter gives back the same
//     records and then the new one (the promise of valid_end_offset()).
// And for structured inputs, against what was written:
//   - returned records are written ones at their offsets, in order (a prefix
//     of them unless skip_corruption);
//   - an undamaged file gives every record (and, unless recycled, no error);
//   - a file only cut short, read as the last log, gives every record that
//     ends before the cut and no error, in both torn-tail modes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/fuzz/fuzz_inputs.h"
#include "util/coding.h"
#include "util/random.h"
#include "wal/log_format.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace {

using namespace synapsed::storage;  // NOLINT: a fuzz entry point
using fuzz::kLogNumber;
using wal::FragmentKind;

constexpr uint8_t kRecycled = 1 << 0;
constexpr uint8_t kCut = 1 << 1;
constexpr uint8_t kZeroTail = 1 << 2;
constexpr uint8_t kFixChecksums = 1 << 3;

struct Record {
  uint64_t offset = 0;
  uint64_t end = 0;  // just past its last fragment
  std::string bytes;
};

struct ReadResult {
  std::vector<Record> records;
  absl::Status status;
  bool ended = false;  // ReadRecord returned false
  uint64_t dropped = 0, ignored = 0, skipped = 0, valid_end = 0;
};

ReadResult ReadAll(const std::string& image, uint8_t flags) {
  wal::LogReaderOptions o;
  o.last_log = flags & fuzz::kLogLastLog;
  o.only_short_tails_are_torn = flags & fuzz::kLogOnlyShortTailsAreTorn;
  o.skip_corruption = flags & fuzz::kLogSkipCorruption;
  constexpr size_t kChunks[] = {0, 4093, 7, 0};
  const int chunking = (flags >> fuzz::kLogChunkShift) & 3;
  wal::LogReader reader(std::make_unique<fuzz::ChunkedFile>(
                            image, kChunks[chunking], chunking >= 2),
                        std::string(fuzz::kLogFileName), kLogNumber, o);
  ReadResult r;
  // Every record takes at least one header, so this bounds a reader that
  // makes no progress.
  const size_t max_calls = image.size() / wal::kHeaderSize + 2;
  for (size_t calls = 0;; ++calls) {
    FUZZ_CHECK(calls <= max_calls);
    Record rec;
    absl::StatusOr<bool> more = reader.ReadRecord(&rec.bytes, &rec.offset);
    if (!more.ok()) {
      r.status = more.status();
      // Sticky: asking again gives the same error.
      FUZZ_CHECK(reader.ReadRecord(&rec.bytes, &rec.offset).status() ==
                 r.status);
      break;
    }
    if (!*more) {
      r.ended = true;
      FUZZ_CHECK(reader.ReadRecord(&rec.bytes, &rec.offset).value_or(true) ==
                 false);
      break;
    }
    r.records.push_back(std::move(rec));
  }
  r.dropped = reader.dropped_tail_bytes();
  r.ignored = reader.ignored_tail_bytes();
  r.skipped = reader.skipped_bytes();
  r.valid_end = reader.valid_end_offset();
  return r;
}

// The record whose first fragment is at `offset`, decoded independently of
// the reader; false if the bytes there are not an intact record of the log.
bool RecordAt(std::string_view image, uint64_t offset, Record* out) {
  out->offset = offset;
  out->bytes.clear();
  uint64_t pos = offset;
  uint8_t version = 0;  // the record's: every fragment has the first one's
  for (bool first = true;; first = false) {
    const size_t room = wal::kBlockSize - pos % wal::kBlockSize;
    if (room < wal::kHeaderSize) {  // block padding
      if (first) return false;
      pos += room;
      continue;
    }
    if (pos + wal::kHeaderSize > image.size()) return false;
    const char* h = image.data() + pos;
    const size_t len = DecodeFixed16(h + wal::kLengthOffset);
    if (wal::kHeaderSize + len > room ||
        pos + wal::kHeaderSize + len > image.size()) {
      return false;
    }
    if (DecodeFixed32(h + wal::kChecksumOffset) !=
            wal::FragmentChecksum(h + wal::kLengthOffset,
                                  wal::kChecksummedHeaderBytes + len) ||
        DecodeFixed64(h + wal::kLogNumberOffset) != kLogNumber) {
      return false;
    }
    const uint8_t type = static_cast<uint8_t>(h[wal::kTypeOffset]);
    if (wal::TypeVersion(type) != wal::kFormatVersion &&
        wal::TypeVersion(type) != wal::kSealedRunVersion) {
      return false;
    }
    if (!first && wal::TypeVersion(type) != version) return false;
    version = wal::TypeVersion(type);
    const auto kind = static_cast<FragmentKind>(wal::TypeKind(type));
    const bool starts =
        kind == FragmentKind::kFull || kind == FragmentKind::kFirst;
    const bool goes_on =
        kind == FragmentKind::kMiddle || kind == FragmentKind::kLast;
    if (first ? !starts : !goes_on) return false;
    out->bytes.append(h + wal::kHeaderSize, len);
    pos += wal::kHeaderSize + len;
    if (kind == FragmentKind::kFull || kind == FragmentKind::kLast) {
      out->end = pos;
      return true;
    }
  }
}

// The offset at which a record added to a log of `size` bytes starts.
uint64_t NextRecordOffset(uint64_t size) {
  const size_t room = wal::kBlockSize - size % wal::kBlockSize;
  return room < wal::kHeaderSize ? size + room : size;
}

bool SameRecords(const std::vector<Record>& a, const std::vector<Record>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].offset != b[i].offset || a[i].bytes != b[i].bytes) return false;
  }
  return true;
}

void CheckError(const absl::Status& s, size_t size) {
  FUZZ_CHECK(s.code() == absl::StatusCode::kDataLoss ||
             s.code() == absl::StatusCode::kFailedPrecondition);
  const std::string_view msg = fuzz::Message(s);
  FUZZ_CHECK(msg.starts_with(fuzz::kLogFileName));
  const size_t at = msg.find("offset ");
  FUZZ_CHECK(at != std::string_view::npos);
  const uint64_t offset = std::strtoull(msg.data() + at + 7, nullptr, 10);
  FUZZ_CHECK(offset <= size);
}

// The invariants every read must keep, whatever the bytes.
void CheckRead(const std::string& image, uint8_t flags, const ReadResult& r) {
  const bool skip = flags & fuzz::kLogSkipCorruption;
  uint64_t last_end = 0;
  for (size_t i = 0; i < r.records.size(); ++i) {
    const Record& rec = r.records[i];
    Record decoded;
    FUZZ_CHECK(RecordAt(image, rec.offset, &decoded));
    FUZZ_CHECK(decoded.bytes == rec.bytes);
    FUZZ_CHECK(i == 0 || rec.offset >= last_end);
    last_end = decoded.end;
  }
  if (!r.ended) {
    CheckError(r.status, image.size());
    return;
  }
  FUZZ_CHECK(r.valid_end >= last_end);
  if (!(flags & fuzz::kLogLastLog)) FUZZ_CHECK(r.dropped == 0);
  if (skip) {
    FUZZ_CHECK(r.valid_end + r.ignored <= image.size());
    FUZZ_CHECK(r.skipped <= image.size());
    return;
  }
  FUZZ_CHECK(r.skipped == 0);
  FUZZ_CHECK(r.valid_end + r.dropped + r.ignored == image.size());

  // Cut at valid_end_offset() and a record appended by a writer: the same
  // records, then the new one, and a clean end.
  std::string cut = image.substr(0, r.valid_end);
  Record appended{NextRecordOffset(cut.size()), 0,
                  "appended after valid_end_offset"};
  {
    wal::LogWriter w(std::make_unique<fuzz::StringFile>(&cut), kLogNumber);
    FUZZ_CHECK(w.AddRecord(appended.bytes, /*sync=*/false).ok());
    FUZZ_CHECK(w.Close().ok());
  }
  const ReadResult again = ReadAll(cut, flags);
  std::vector<Record> expected = r.records;
  expected.push_back(appended);
  FUZZ_CHECK(again.ended && SameRecords(again.records, expected));
  FUZZ_CHECK(again.dropped == 0 && again.ignored == 0 &&
             again.valid_end == cut.size());
}

// A record size for the structured mode: often small, sometimes spanning
// blocks, sometimes ending within a header's length of a block boundary.
size_t RecordSize(Random& rnd, uint64_t log_size) {
  switch (rnd.Uniform(8)) {
    case 0:
      return 0;
    case 1:
    case 2:
    case 3:
      return 1 + rnd.Uniform(200);
    case 4:
      return 200 + rnd.Uniform(4000);
    case 5:
      return 4000 + rnd.Uniform(40000);
    default: {
      const size_t room =
          wal::kBlockSize - NextRecordOffset(log_size) % wal::kBlockSize;
      const size_t near_end =
          room - wal::kHeaderSize;  // fills the block exactly
      const size_t back = rnd.Uniform(2 * wal::kHeaderSize);
      return near_end > back ? near_end - back : rnd.Uniform(50);
    }
  }
}

// Random bytes up front, then filler. A damaged region makes the reader scan
// for intact fragments, trying a checksum wherever a plausible header starts,
// which on random bytes costs about a hash of half a block per byte; filler
// (a type byte no writer makes) keeps the fuzzer fast. The raw mode has
// random bytes throughout.
std::string Payload(Random& rnd, size_t size) {
  std::string bytes = rnd.Bytes(std::min<size_t>(size, 40));
  bytes.resize(size, rnd.OneIn(2) ? '\0' : '.');
  return bytes;
}

std::vector<Record> WriteLog(Random& rnd, size_t n, uint64_t log_number,
                             std::string* out) {
  std::vector<Record> written;
  wal::LogWriter w(std::make_unique<fuzz::StringFile>(out), log_number);
  for (size_t i = 0; i < n; ++i) {
    Record r;
    r.offset = NextRecordOffset(out->size());
    r.bytes = Payload(rnd, RecordSize(rnd, out->size()));
    FUZZ_CHECK(w.AddRecord(r.bytes, /*sync=*/false).ok());
    r.end = out->size();
    written.push_back(std::move(r));
  }
  FUZZ_CHECK(w.Close().ok());
  return written;
}

uint32_t U24(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16; }

// The offsets of the fragments of a log written from offset 0.
std::vector<uint64_t> FragmentOffsets(std::string_view log) {
  std::vector<uint64_t> offsets;
  uint64_t pos = 0;
  while (pos + wal::kHeaderSize <= log.size()) {
    const size_t room = wal::kBlockSize - pos % wal::kBlockSize;
    if (room < wal::kHeaderSize) {
      pos += room;
      continue;
    }
    offsets.push_back(pos);
    pos +=
        wal::kHeaderSize + DecodeFixed16(log.data() + pos + wal::kLengthOffset);
  }
  return offsets;
}

// Gives each fragment at `offsets` that lies whole in `image` (by its
// current length field) the checksum of its current bytes.
void FixChecksums(const std::vector<uint64_t>& offsets, std::string* image) {
  for (uint64_t o : offsets) {
    if (o + wal::kHeaderSize > image->size()) continue;
    char* h = image->data() + o;
    const size_t len = DecodeFixed16(h + wal::kLengthOffset);
    if (wal::kHeaderSize + len > wal::kBlockSize - o % wal::kBlockSize ||
        o + wal::kHeaderSize + len > image->size()) {
      continue;
    }
    EncodeFixed32(h + wal::kChecksumOffset,
                  wal::FragmentChecksum(h + wal::kLengthOffset,
                                        wal::kChecksummedHeaderBytes + len));
  }
}

void RunStructured(uint8_t flags, const uint8_t* p, size_t n) {
  if (n < 3) return;
  const uint8_t shape = p[2];
  Random rnd(p[1]);
  std::string image;
  const std::vector<Record> written =
      WriteLog(rnd, p[0] % 13, kLogNumber, &image);
  std::vector<uint64_t> fragments = FragmentOffsets(image);
  if (shape & kRecycled) {
    // An older log that ran further, overwritten from the start.
    std::string older;
    Random older_rnd(p[1] + 1000);
    while (older.size() <= image.size() + rnd.Uniform(20000)) {
      WriteLog(older_rnd, 1, fuzz::kOlderLogNumber, &older);
    }
    for (uint64_t o : FragmentOffsets(older)) {
      if (o >= image.size()) fragments.push_back(o);
    }
    image += older.substr(image.size());
  }
  if (shape & kZeroTail) image.append(rnd.Uniform(wal::kBlockSize + 100), '\0');
  const std::string pristine = image;
  p += 3;
  n -= 3;
  uint64_t cut_at = image.size();
  if (shape & kCut) {
    if (n < 3) return;
    if (written.empty()) {
      cut_at = U24(p) % (image.size() + 1);
    } else {
      const Record& in = written[p[0] % written.size()];
      cut_at = in.offset + (p[1] | p[2] << 8) % (in.end - in.offset + 1);
    }
    image.resize(cut_at);
    p += 3;
    n -= 3;
  }
  for (; n >= 4 && !image.empty(); p += 4, n -= 4) {
    image[U24(p) % image.size()] ^= static_cast<char>(p[3]);
  }
  if (shape & kFixChecksums) FixChecksums(fragments, &image);

  const ReadResult r = ReadAll(image, flags);
  CheckRead(image, flags, r);

  // Against what was written (unless edited fragments were made intact).
  const bool skip = flags & fuzz::kLogSkipCorruption;
  size_t w = 0;
  for (const Record& rec : r.records) {
    if (shape & kFixChecksums) break;
    if (skip) {
      while (w < written.size() && written[w].offset != rec.offset) ++w;
    }
    FUZZ_CHECK(w < written.size() && written[w].offset == rec.offset &&
               written[w].bytes == rec.bytes);
    ++w;
  }
  if (image == pristine) {
    FUZZ_CHECK(r.records.size() == written.size());
    if (!(shape & kRecycled)) {
      FUZZ_CHECK(r.ended && r.dropped == 0 && r.skipped == 0);
      const uint64_t log_end = written.empty() ? 0 : written.back().end;
      FUZZ_CHECK(r.valid_end >= log_end &&
                 r.valid_end < log_end + wal::kHeaderSize);
    }
  } else if (image == std::string_view(pristine).substr(0, cut_at) &&
             !(shape & kRecycled) && (flags & fuzz::kLogLastLog)) {
    size_t whole = 0;
    while (whole < written.size() && written[whole].end <= cut_at) ++whole;
    FUZZ_CHECK(r.ended && r.records.size() == whole);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  if (flags & fuzz::kLogStructured) {
    RunStructured(flags, data + 1, size - 1);
    return 0;
  }
  const std::string image(reinterpret_cast<const char*>(data + 1), size - 1);
  CheckRead(image, flags, ReadAll(image, flags));
  return 0;
}
