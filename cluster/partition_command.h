// What a partition's Raft log carries inside each framed entry
// (docs/format/raft_command.md, "Partition commands"), and what applying one
// returns to its proposer:
//
//   command := version:u8 (1) | kind:u8 | body
//   kind 1, write:        count:varint32 | op*
//   kind 2, transaction:  conditions:varint32 | condition* | count:varint32 | op*
//     op := 0x01 varint32(key_len) key varint32(value_len) value   (put)
//         | 0x00 varint32(key_len) key                               (delete)
//     condition := varint32(key_len) key | 0x00                      (key absent)
//                | varint32(key_len) key | 0x01 | SHA-256(value)     (key holds value)
//   result  := code:u8 (absl::StatusCode) | message (the rest)
//
// A write is applied atomically, like a WriteBatch (the ops are a
// WriteBatch's, without its sequence header). A transaction's ops are
// applied the same way, but only if every condition holds when the entry is
// applied (each key absent, or holding a value of that hash): that is how a
// transaction begun on the leader's snapshot commits first-committer-wins
// on every replica alike. A failed condition is Aborted naming the key.
#ifndef SYNAPSED_CLUSTER_PARTITION_COMMAND_H_
#define SYNAPSED_CLUSTER_PARTITION_COMMAND_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "synapsed/storage/write_batch.h"

namespace synapsed::storage::cluster {

inline constexpr uint8_t kPartitionCommandVersion = 1;
// On disk: do not change.
enum class PartitionCommandKind : uint8_t { kWrite = 1, kTransaction = 2 };

using ValueHash = std::array<uint8_t, 32>;  // SHA-256

// What a transaction read, checked again when its command is applied.
struct PartitionCondition {
  std::string key;
  std::optional<ValueHash> value_hash;  // nullopt: the key must be absent
  bool operator==(const PartitionCondition&) const = default;
};

struct PartitionCommand {
  PartitionCommandKind kind = PartitionCommandKind::kWrite;
  std::vector<PartitionCondition> conditions;  // transactions only
  WriteBatch batch;
};

std::string EncodeWriteCommand(const WriteBatch& batch);
std::string EncodeTransactionCommand(std::span<const PartitionCondition> conditions,
                                     const WriteBatch& batch);
// The command `command` holds, into `*out`. DataLoss naming what is wrong
// for bytes that are not a command; `*out` is then unchanged.
[[nodiscard]] absl::Status DecodePartitionCommand(std::string_view command,
                                                  PartitionCommand* out);
// As DecodePartitionCommand for a write command (its batch appended to
// `batch`); any other kind is DataLoss.
[[nodiscard]] absl::Status DecodeWriteCommand(std::string_view command, WriteBatch* batch);

// SHA-256 of a value, as conditions hold it.
[[nodiscard]] absl::StatusOr<ValueHash> HashValue(std::string_view value);

std::string EncodeResult(const absl::Status& status);
// The status a result carries; DataLoss for bytes that are not a result.
absl::Status DecodeResult(std::string_view result);

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_PARTITION_COMMAND_H_
