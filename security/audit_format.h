// The audit file's format; the spec is docs/format/audit.md (update both
// together).
//
//   file    := header record*
//   header  := "synapsed-audit 2\n"          (version 1: no commit_seq)
//   record  := body_size:fixed32 body hash:32
//   hash_i  := SHA-256(hash_{i-1} ‖ body_i), hash_0 = 32 zero bytes
//   body    := seq:varint64 time_us:varint64 principal:lp operation:lp
//              key_kind:u8 [key:lp] end_kind:u8 [end:lp]
//              count:varint64 code:u8 commit_seq:varint64
// key_kind: 0 none, 1 the key in clear, 2 HMAC-SHA-256 of the key (32
// bytes, domain "synapsed-audit-key"). end_kind: 0 not a range, 1 open,
// 2 in clear, 3 HMAC. code: absl::StatusCode of the outcome. The numbers
// are stored: do not change them. commit_seq: the sequence number the
// engine committed the write at, 0 for none. Records never hold values.
#ifndef SYNAPSED_SECURITY_AUDIT_FORMAT_H_
#define SYNAPSED_SECURITY_AUDIT_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "security/audit_hash.h"

namespace synapsed::storage::security {

// The header of the files this build writes. Version 1 files (no
// commit_seq) are still read and verified, not appended to.
inline constexpr std::string_view kAuditHeader = "synapsed-audit 2\n";
inline constexpr std::string_view kAuditHeaderV1 = "synapsed-audit 1\n";
inline constexpr uint32_t kAuditVersion = 2;
inline constexpr size_t kRecordFraming = 4 + kDigestSize;  // size + hash
// A body larger than this is a corrupt size field (keys are at most 64 KiB).
inline constexpr uint32_t kMaxBodySize = 1 << 20;
inline constexpr std::string_view kKeyMacDomain = "synapsed-audit-key";

enum class KeyKind : uint8_t { kNone = 0, kClear = 1, kHmac = 2 };
enum class EndKind : uint8_t { kNone = 0, kOpen = 1, kClear = 2, kHmac = 3 };

struct AuditRecord {
  uint64_t seq = 0;
  uint64_t time_us = 0;  // since the Unix epoch
  std::string principal;
  std::string operation;
  KeyKind key_kind = KeyKind::kNone;
  std::string key;  // the key, or its 32-byte HMAC
  EndKind end_kind = EndKind::kNone;
  std::string end;
  uint64_t count = 0;
  uint8_t code = 0;
  uint64_t commit_seq = 0;  // 0: none (and always in a version 1 file)
  bool operator==(const AuditRecord&) const = default;
};

// The body in the current version's form.
std::string EncodeRecordBody(const AuditRecord& r);
// The same, appended to `*out`.
void AppendRecordBody(const AuditRecord& r, std::string* out);
// False if `body` is not exactly one encoded record of file version
// `version` (1 or 2).
bool DecodeRecordBody(std::string_view body, AuditRecord* r,
                      uint32_t version = kAuditVersion);

// `r` framed as the record following `prev`, appended to `*out` (the
// writer reuses one buffer: no allocation per record), and its hash in
// `*hash`.
[[nodiscard]] absl::Status AppendFramedRecord(const Digest& prev,
                                              const AuditRecord& r,
                                              std::string* out, Digest* hash);
// The framed record following `prev`, and its hash in `*hash`.
[[nodiscard]] absl::StatusOr<std::string> FrameRecord(const Digest& prev,
                                                      std::string_view body,
                                                      Digest* hash);

}  // namespace synapsed::storage::security

#endif  // SYNAPSED_SECURITY_AUDIT_FORMAT_H_
