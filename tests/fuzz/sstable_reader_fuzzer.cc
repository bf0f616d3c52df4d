// libFuzzer target for the SSTable reader: any input must give OK or
// DataLoss, never a crash, hang, leak or sanitizer report.
//
// Input: the first byte picks the mode.
//   bit 0: verify checksums (on: the realistic reader; off: damaged bytes
//          reach the block, index, filter and properties decoders).
//   bit 1 clear: the rest of the input is the table file, byte for byte.
//   bit 1 set:   structured mode. A valid table is built from parameters in
//          the next 4 bytes (codec, entry count, block size and restart
//          interval, value seed); the remaining input is a list of
//          (u16 offset, u8 xor) edits applied to it, and bit 2 truncates
//          the result by the last input byte. This reaches deep states
//          from a few bytes; corpus/sstable_reader/ holds some such inputs
//          and a small table (tests/fuzz/seed_corpus_test.cc).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sstable/table_builder.h"
#include "sstable/table_exerciser.h"
#include "util/internal_key.h"
#include "util/random.h"

namespace {

using namespace synapsed::storage;  // NOLINT: a fuzz entry point

std::string BuildStructured(const uint8_t* p) {
  sstable::TableBuilderOptions o;
  o.compression = static_cast<sstable::CompressionType>(p[0] % 3);
  o.zstd_level = 1;
  o.block_size = 64u << (p[2] % 7);
  o.restart_interval = 1 + (p[2] >> 4);
  o.bloom_bits_per_key = (p[0] >> 4) % 3 == 0 ? 0 : 10;
  o.creation_time = 1;
  const int n = p[1] * 2;
  Random rnd(p[3]);
  std::string out;
  sstable::testing::StringSink sink(&out);
  sstable::TableBuilder b(o, &sink);
  for (int i = 0; i < n; ++i) {
    char user[24];
    std::snprintf(user, sizeof(user), "k%06d", i * 7);
    std::string v = rnd.Bytes(rnd.Uniform(40));
    v.append(rnd.Uniform(40), 'v');
    const ValueType t =
        rnd.OneIn(5) ? ValueType::kDeletion : ValueType::kValue;
    if (!b.Add(MakeInternalKey(user, 1000 - i % 900, t), v).ok()) return out;
  }
  (void)b.Finish();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  const bool verify = mode & 1;
  std::string table;
  if ((mode & 2) == 0) {
    table.assign(reinterpret_cast<const char*>(data + 1), size - 1);
  } else {
    if (size < 5) return 0;
    table = BuildStructured(data + 1);
    if (table.empty()) return 0;
    size_t i = 5;
    for (; i + 3 <= size; i += 3) {
      const size_t at = (data[i] | (data[i + 1] << 8)) % table.size();
      table[at] ^= static_cast<char>(data[i + 2]);
    }
    if ((mode & 4) && size > 5) {
      table.resize(table.size() - std::min<size_t>(table.size(), data[size - 1]));
    }
  }
  absl::Status s = sstable::testing::ExerciseTableBytes(table, verify);
  if (!s.ok() && s.code() != absl::StatusCode::kDataLoss) __builtin_trap();
  return 0;
}
