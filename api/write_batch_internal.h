// WriteBatchInternal: the engine's and the tools' access to a WriteBatch's
// encoded form (header and ops; see write_batch.h and docs/format/wal.md),
// kept out of the public header so that users see only Put/Delete/Iterate.
//
// Who calls it: the native engine (stamps sequences, logs the bytes, replays
// them at recovery) and the WAL tools (decode records). Backends that convert
// a batch op by op use WriteBatch::Iterate instead. Same thread rules as the
// batch itself: one thread at a time per batch.
#ifndef SYNAPSED_API_WRITE_BATCH_INTERNAL_H_
#define SYNAPSED_API_WRITE_BATCH_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "synapsed/storage/write_batch.h"

namespace synapsed::storage {

class WriteBatchInternal {
 public:
  // sequence: fixed64 | count: fixed32 — on disk, do not change.
  static constexpr size_t kHeaderSize = 12;

  // The sequence stamped at commit (0 for a batch not yet committed).
  static uint64_t Sequence(const WriteBatch& batch);
  static void SetSequence(WriteBatch* batch, uint64_t seq);

  // The encoded batch, header included: the payload of a WAL record.
  static std::string_view Contents(const WriteBatch& batch) { return batch.rep_; }
  static size_t ByteSize(const WriteBatch& batch) { return batch.rep_.size(); }

  // Adopts a representation read from a log. DataLoss if it is shorter than
  // the header, or its ops do not parse or do not match the count; the batch
  // is unchanged then.
  [[nodiscard]] static absl::Status SetContents(WriteBatch* batch, std::string rep);

  // The key of every op, in order (views into the batch).
  [[nodiscard]] static absl::StatusOr<std::vector<std::string_view>> Keys(const WriteBatch& batch);
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_API_WRITE_BATCH_INTERNAL_H_
