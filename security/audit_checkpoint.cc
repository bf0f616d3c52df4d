#include "security/audit_checkpoint.h"

#include "absl/strings/numbers.h"
#include "fmt/format.h"
#include "util/coding.h"
#include "util/status_macros.h"

namespace synapsed::storage::security {
namespace {

constexpr std::string_view kMagic = "synapsed-audit-checkpoint";

}  // namespace

absl::StatusOr<Digest> CheckpointMac(std::span<const uint8_t> key, uint64_t seq,
                                     const Digest& hash) {
  std::string data;
  PutFixed64(&data, seq);
  data.append(AsBytes(hash));
  return HmacSha256(key, kMagic, data);
}

absl::StatusOr<std::string> FormatCheckpoint(std::span<const uint8_t> key,
                                             uint64_t seq, const Digest& hash) {
  ASSIGN_OR_RETURN(Digest mac, CheckpointMac(key, seq, hash));
  return fmt::format("{} 1 seq={} hash={} hmac={}\n", kMagic, seq,
                     ToHex(AsBytes(hash)), ToHex(AsBytes(mac)));
}

absl::StatusOr<std::vector<Checkpoint>> ParseCheckpoints(
    std::string_view text) {
  std::vector<Checkpoint> out;
  int n = 0;
  while (!text.empty()) {
    ++n;
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (line.empty()) continue;
    std::vector<std::string_view> f;
    for (size_t sp; (sp = line.find(' ')) != std::string_view::npos;
         line.remove_prefix(sp + 1)) {
      f.push_back(line.substr(0, sp));
    }
    f.push_back(line);
    Checkpoint cp;
    const auto value = [&](size_t i, std::string_view name) {
      return f[i].starts_with(name) ? f[i].substr(name.size())
                                    : std::string_view("!");
    };
    if (f.size() != 5 || f[0] != kMagic || f[1] != "1" ||
        !absl::SimpleAtoi(
            absl::string_view(value(2, "seq=").data(), value(2, "seq=").size()),
            &cp.seq) ||
        !DigestFromHex(value(3, "hash="), &cp.hash) ||
        !DigestFromHex(value(4, "hmac="), &cp.mac)) {
      return absl::InvalidArgumentError(fmt::format(
          "checkpoint line {} is not \"{} 1 seq=N hash=HEX hmac=HEX\"", n,
          kMagic));
    }
    out.push_back(cp);
  }
  return out;
}

}  // namespace synapsed::storage::security
