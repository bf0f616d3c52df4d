// What a partition's Raft log carries inside each framed entry
// (docs/format/raft_command.md, "Partition commands"), and what applying one
// returns to its proposer:
//
//   command := version:u8 (1) | kind:u8 | body
//   kind 1, write:  count:varint32 | op*
//     op := 0x01 varint32(key_len) key varint32(value_len) value   (put)
//         | 0x00 varint32(key_len) key                               (delete)
//   result  := code:u8 (absl::StatusCode) | message (the rest)
//
// A write is applied atomically, like a WriteBatch (the ops are a
// WriteBatch's, without its sequence header).
#ifndef SYNAPSED_CLUSTER_PARTITION_COMMAND_H_
#define SYNAPSED_CLUSTER_PARTITION_COMMAND_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "synapsed/storage/write_batch.h"

namespace synapsed::storage::cluster {

inline constexpr uint8_t kPartitionCommandVersion = 1;
enum class PartitionCommandKind : uint8_t { kWrite = 1 };  // on disk: do not change

std::string EncodeWriteCommand(const WriteBatch& batch);
// The batch a command carries (appended to `batch`). DataLoss naming what is
// wrong for bytes that are not a write command; `batch` is then unchanged.
[[nodiscard]] absl::Status DecodeWriteCommand(std::string_view command, WriteBatch* batch);

std::string EncodeResult(const absl::Status& status);
// The status a result carries; DataLoss for bytes that are not a result.
absl::Status DecodeResult(std::string_view result);

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_PARTITION_COMMAND_H_
