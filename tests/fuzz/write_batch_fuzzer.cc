// libFuzzer target for the WriteBatch decoder: WriteBatchInternal::SetContents
// (api/write_batch_internal.h), which adopts a WAL record's payload at
// recovery and in the tools, and WriteBatch::Iterate over what it adopted.
// The input is the representation, header included.
//
// Invariants: no crash or sanitizer report. A batch SetContents accepts
// iterates without error; the ops seen match Count(); the header's sequence
// and the size are the input's; a Put appended afterwards counts and
// iterates too. A representation it refuses gets DataLoss and leaves the
// batch it was given exactly as it was.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/write_batch_internal.h"
#include "synapsed/storage/write_batch.h"
#include "tests/fuzz/fuzz_inputs.h"
#include "util/coding.h"

namespace {

using synapsed::storage::DecodeFixed64;
using synapsed::storage::WriteBatch;
using synapsed::storage::WriteBatchInternal;

// Counts the ops Iterate reports and the bytes they hold.
struct Ops {
  uint32_t puts = 0, deletes = 0;
  size_t bytes = 0;
  absl::Status Of(const WriteBatch& b) {
    return b.Iterate(
        [&](std::string_view k, std::string_view v) {
          ++puts;
          bytes += k.size() + v.size();
        },
        [&](std::string_view k) {
          ++deletes;
          bytes += k.size();
        });
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  // A batch with ops in it already: a refused representation must leave it so.
  WriteBatch batch;
  FUZZ_CHECK(batch.Put("held", "value").ok());
  FUZZ_CHECK(batch.Delete("gone").ok());
  WriteBatchInternal::SetSequence(&batch, 42);
  const std::string before(WriteBatchInternal::Contents(batch));

  const absl::Status s = WriteBatchInternal::SetContents(&batch, input);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == absl::StatusCode::kDataLoss);
    FUZZ_CHECK(WriteBatchInternal::Contents(batch) == before);
    FUZZ_CHECK(batch.Count() == 2 && WriteBatchInternal::Sequence(batch) == 42);
    return 0;
  }
  FUZZ_CHECK(WriteBatchInternal::Contents(batch) == input);
  FUZZ_CHECK(WriteBatchInternal::Sequence(batch) ==
             DecodeFixed64(input.data()));
  Ops ops;
  FUZZ_CHECK(ops.Of(batch).ok());
  FUZZ_CHECK(ops.puts + ops.deletes == batch.Count());
  FUZZ_CHECK(ops.bytes + WriteBatchInternal::kHeaderSize <= input.size());

  // The adopted batch goes on like one built by Put and Delete.
  FUZZ_CHECK(batch.Put("after", "x").ok());
  Ops more;
  FUZZ_CHECK(more.Of(batch).ok());
  FUZZ_CHECK(more.puts == ops.puts + 1 && more.deletes == ops.deletes);
  FUZZ_CHECK(batch.Count() == ops.puts + ops.deletes + 1);
  return 0;
}
