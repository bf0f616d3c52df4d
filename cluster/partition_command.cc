#include "cluster/partition_command.h"

#include "fmt/format.h"
#include "util/coding.h"

namespace synapsed::storage::cluster {

std::string EncodeWriteCommand(const WriteBatch& batch) {
  std::string out;
  out.push_back(static_cast<char>(kPartitionCommandVersion));
  out.push_back(static_cast<char>(PartitionCommandKind::kWrite));
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
  return out;
}

absl::Status DecodeWriteCommand(std::string_view command, WriteBatch* batch) {
  auto bad = [&](std::string_view what) {
    return absl::DataLossError(
        fmt::format("malformed partition command ({} bytes): {}", command.size(), what));
  };
  if (command.size() < 2) return bad("shorter than its header");
  if (static_cast<uint8_t>(command[0]) != kPartitionCommandVersion) {
    return bad(fmt::format("unknown version {}", static_cast<uint8_t>(command[0])));
  }
  if (static_cast<uint8_t>(command[1]) != static_cast<uint8_t>(PartitionCommandKind::kWrite)) {
    return bad(fmt::format("unknown kind {}", static_cast<uint8_t>(command[1])));
  }
  std::string_view in = command.substr(2);
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
  batch->Append(decoded);
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
