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
// sequence + i. Not thread-safe: one thread builds a batch.
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
  static constexpr size_t kHeaderSize = 12;

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
  // Bytes of the representation.
  size_t ByteSize() const { return rep_.size(); }

  uint64_t Sequence() const;
  void SetSequence(uint64_t seq);

  // Calls `put` / `del` for each op in order. DataLoss if the representation
  // is malformed (only possible for one built by FromRep).
  absl::Status Iterate(
      absl::FunctionRef<void(std::string_view, std::string_view)> put,
      absl::FunctionRef<void(std::string_view)> del) const;

  std::string_view Rep() const { return rep_; }
  // Adopts a representation read from a log. Fails with DataLoss if it is too
  // short, or if the ops do not parse or do not match the count.
  [[nodiscard]] absl::Status SetRep(std::string rep);

 private:
  std::string rep_;
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_WRITE_BATCH_H_
