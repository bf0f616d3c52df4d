#include "security/audit_format.h"

#include "util/coding.h"
#include "util/status_macros.h"

namespace synapsed::storage::security {

std::string EncodeRecordBody(const AuditRecord& r) {
  std::string out;
  PutVarint64(&out, r.seq);
  PutVarint64(&out, r.time_us);
  PutLengthPrefixed(&out, r.principal);
  PutLengthPrefixed(&out, r.operation);
  out.push_back(static_cast<char>(r.key_kind));
  if (r.key_kind != KeyKind::kNone) PutLengthPrefixed(&out, r.key);
  out.push_back(static_cast<char>(r.end_kind));
  if (r.end_kind == EndKind::kClear || r.end_kind == EndKind::kHmac) {
    PutLengthPrefixed(&out, r.end);
  }
  PutVarint64(&out, r.count);
  out.push_back(static_cast<char>(r.code));
  PutVarint64(&out, r.commit_seq);
  return out;
}

bool DecodeRecordBody(std::string_view in, AuditRecord* r, uint32_t version) {
  uint8_t key_kind = 0, end_kind = 0;
  if (!GetVarint64(&in, &r->seq) || !GetVarint64(&in, &r->time_us) ||
      !GetLengthPrefixed(&in, &r->principal) || !GetLengthPrefixed(&in, &r->operation) ||
      !GetFixed8(&in, &key_kind) || key_kind > 2) {
    return false;
  }
  r->key_kind = static_cast<KeyKind>(key_kind);
  if (r->key_kind != KeyKind::kNone && !GetLengthPrefixed(&in, &r->key)) return false;
  if (!GetFixed8(&in, &end_kind) || end_kind > 3) return false;
  r->end_kind = static_cast<EndKind>(end_kind);
  if ((r->end_kind == EndKind::kClear || r->end_kind == EndKind::kHmac) &&
      !GetLengthPrefixed(&in, &r->end)) {
    return false;
  }
  if (!GetVarint64(&in, &r->count) || !GetFixed8(&in, &r->code)) return false;
  r->commit_seq = 0;
  if (version >= 2 && !GetVarint64(&in, &r->commit_seq)) return false;
  return in.empty();
}

absl::StatusOr<std::string> FrameRecord(const Digest& prev,
                                        std::string_view body, Digest* hash) {
  ASSIGN_OR_RETURN(*hash, Sha256(AsBytes(prev), body));
  std::string out;
  PutFixed32(&out, static_cast<uint32_t>(body.size()));
  out.append(body);
  out.append(AsBytes(*hash));
  return out;
}

}  // namespace synapsed::storage::security
