#include "cluster/partition_command.h"

#include <cstring>

#include "fmt/format.h"
#include "security/audit_hash.h"
#include "util/coding.h"
#include "util/status_macros.h"

namespace synapsed::storage::cluster {
namespace {

void PutOps(const WriteBatch& batch, std::string* out_ptr) {
  std::string& out = *out_ptr;
  PutVarint32(&out, batch.Count());
  // Iterate cannot fail on a batch built through its own Put and Delete.
  (void)batch.Iterate(
      [&](std::string_view key, std::string_view value) {
        out.push_back('\x01');
        PutLengthPrefixed(&out, key);
        PutLengthPrefixed(&out, value);
      },
      [&](std::string_view key) {
        out.push_back('\x00');
        PutLengthPrefixed(&out, key);
      });
}

std::string Header(PartitionCommandKind kind) {
  std::string out;
  out.push_back(static_cast<char>(kPartitionCommandVersion));
  out.push_back(static_cast<char>(kind));
  return out;
}

}  // namespace

std::string EncodeWriteCommand(const WriteBatch& batch) {
  std::string out = Header(PartitionCommandKind::kWrite);
  PutOps(batch, &out);
  return out;
}

std::string EncodeTransactionCommand(std::span<const PartitionCondition> conditions,
                                     const WriteBatch& batch) {
  std::string out = Header(PartitionCommandKind::kTransaction);
  PutVarint32(&out, static_cast<uint32_t>(conditions.size()));
  for (const PartitionCondition& c : conditions) {
    PutLengthPrefixed(&out, c.key);
    out.push_back(c.value_hash ? '\x01' : '\x00');
    if (c.value_hash) out.append(reinterpret_cast<const char*>(c.value_hash->data()), 32);
  }
  PutOps(batch, &out);
  return out;
}

absl::StatusOr<ValueHash> HashValue(std::string_view value) {
  return security::Sha256(value);
}

absl::Status DecodeWriteCommand(std::string_view command, WriteBatch* batch) {
  PartitionCommand decoded;
  RETURN_IF_ERROR(DecodePartitionCommand(command, &decoded));
  if (decoded.kind != PartitionCommandKind::kWrite) {
    return absl::DataLossError(fmt::format(
        "malformed partition command ({} bytes): not a write", command.size()));
  }
  batch->Append(decoded.batch);
  return absl::OkStatus();
}

absl::Status DecodePartitionCommand(std::string_view command, PartitionCommand* out) {
  auto bad = [&](std::string_view what) {
    return absl::DataLossError(
        fmt::format("malformed partition command ({} bytes): {}", command.size(), what));
  };
  if (command.size() < 2) return bad("shorter than its header");
  if (static_cast<uint8_t>(command[0]) != kPartitionCommandVersion) {
    return bad(fmt::format("unknown version {}", static_cast<uint8_t>(command[0])));
  }
  const auto kind = static_cast<PartitionCommandKind>(command[1]);
  if (kind != PartitionCommandKind::kWrite && kind != PartitionCommandKind::kTransaction) {
    return bad(fmt::format("unknown kind {}", static_cast<uint8_t>(command[1])));
  }
  std::string_view in = command.substr(2);
  std::vector<PartitionCondition> conditions;
  if (kind == PartitionCommandKind::kTransaction) {
    uint32_t n = 0;
    if (!GetVarint32(&in, &n)) return bad("no condition count");
    for (uint32_t i = 0; i < n; ++i) {
      std::string_view key;
      if (!GetLengthPrefixed(&in, &key) || in.empty()) {
        return bad(fmt::format("condition {} of {} is truncated", i, n));
      }
      PartitionCondition c{.key = std::string(key)};
      const char present = in[0];
      in.remove_prefix(1);
      if (present == '\x01') {
        if (in.size() < 32) return bad(fmt::format("condition {}: truncated hash", i));
        c.value_hash.emplace();
        std::memcpy(c.value_hash->data(), in.data(), 32);
        in.remove_prefix(32);
      } else if (present != '\x00') {
        return bad(fmt::format("condition {}: unknown form {}", i, static_cast<int>(present)));
      }
      conditions.push_back(std::move(c));
    }
  }
  uint32_t count = 0;
  if (!GetVarint32(&in, &count)) return bad("no op count");
  WriteBatch decoded;
  for (uint32_t i = 0; i < count; ++i) {
    if (in.empty()) return bad(fmt::format("op {} of {} is missing", i, count));
    const char type = in[0];
    in.remove_prefix(1);
    std::string_view key, value;
    if (!GetLengthPrefixed(&in, &key)) return bad(fmt::format("op {}: truncated key", i));
    absl::Status s;
    if (type == '\x01') {
      if (!GetLengthPrefixed(&in, &value)) return bad(fmt::format("op {}: truncated value", i));
      s = decoded.Put(key, value);
    } else if (type == '\x00') {
      s = decoded.Delete(key);
    } else {
      return bad(fmt::format("op {}: unknown type {}", i, static_cast<int>(type)));
    }
    if (!s.ok()) return bad(fmt::format("op {}: {}", i, std::string(s.message())));
  }
  if (!in.empty()) return bad(fmt::format("{} bytes after the last op", in.size()));
  out->kind = kind;
  out->conditions = std::move(conditions);
  out->batch = std::move(decoded);
  return absl::OkStatus();
}

std::string EncodeResult(const absl::Status& status) {
  std::string out(1, static_cast<char>(status.code()));
  out.append(status.message().data(), status.message().size());
  return out;
}

absl::Status DecodeResult(std::string_view result) {
  if (result.empty() || static_cast<uint8_t>(result[0]) > 16) {
    return absl::DataLossError(fmt::format("malformed command result ({} bytes)", result.size()));
  }
  const auto code = static_cast<absl::StatusCode>(static_cast<uint8_t>(result[0]));
  return code == absl::StatusCode::kOk ? absl::OkStatus()
                                       : absl::Status(code, absl::string_view(result.data() + 1, result.size() - 1));
}

}  // namespace synapsed::storage::cluster
