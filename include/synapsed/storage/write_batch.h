// WriteBatch: an ordered list of puts and deletes applied atomically — readers
// and recovery see all of it or none of it.
//
// The representation is also the payload of a WAL record (docs/format/wal.md,
// "Record payloads"):
//
//   batch   := sequence: fixed64 | count: fixed32 | op*
//   op      := 0x01 varint32(key_len) key varint32(value_len) value   (put)
//            | 0x00 varint32(key_len) key                               (delete)
//
// `sequence` is 0 until the engine stamps the batch at commit; op i gets
// sequence + i. The header and the representation are the engine's business:
// it reaches them through WriteBatchInternal (api/write_batch_internal.h), so
// users cannot stamp a sequence or adopt unchecked bytes by accident.
// Not thread-safe: one thread builds a batch.
#ifndef SYNAPSED_STORAGE_WRITE_BATCH_H_
#define SYNAPSED_STORAGE_WRITE_BATCH_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"

namespace synapsed::storage {

class WriteBatch {
 public:
  WriteBatch();

  // InvalidArgument (naming the limit) for an oversized key or value; the
  // batch is unchanged then.
  [[nodiscard]] absl::Status Put(std::string_view key, std::string_view value);
  [[nodiscard]] absl::Status Delete(std::string_view key);
  // Appends every op of `other` (keeps this batch's sequence).
  void Append(const WriteBatch& other);
  void Clear();

  uint32_t Count() const;
  bool Empty() const { return Count() == 0; }
  // Bytes the batch occupies once encoded (what it adds to the log, give or
  // take the record framing); a guide for sizing batches.
  size_t ApproximateSize() const { return rep_.size(); }

  // Calls `put` / `del` for each op in order. DataLoss only for a malformed
  // representation, which a batch built through this interface never has.
  absl::Status Iterate(
      absl::FunctionRef<void(std::string_view, std::string_view)> put,
      absl::FunctionRef<void(std::string_view)> del) const;

 private:
  friend class WriteBatchInternal;

  std::string rep_;
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_WRITE_BATCH_H_
