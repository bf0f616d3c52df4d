#include "security/audit_format.h"

#include "util/coding.h"
#include "util/status_macros.h"

namespace synapsed::storage::security {

void AppendRecordBody(const AuditRecord& r, std::string* out) {
  PutVarint64(out, r.seq);
  PutVarint64(out, r.time_us);
  PutLengthPrefixed(out, r.principal);
  PutLengthPrefixed(out, r.operation);
  out->push_back(static_cast<char>(r.key_kind));
  if (r.key_kind != KeyKind::kNone) PutLengthPrefixed(out, r.key);
  out->push_back(static_cast<char>(r.end_kind));
  if (r.end_kind == EndKind::kClear || r.end_kind == EndKind::kHmac) {
    PutLengthPrefixed(out, r.end);
  }
  PutVarint64(out, r.count);
  out->push_back(static_cast<char>(r.code));
  PutVarint64(out, r.commit_seq);
}

std::string EncodeRecordBody(const AuditRecord& r) {
  std::string out;
  AppendRecordBody(r, &out);
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

namespace {

// Completes the record whose body_size field starts at `at` in `*out` and
// whose body runs to the end: fills in the size, appends the hash.
absl::Status SealFrame(const Digest& prev, size_t at, std::string* out,
                       Digest* hash) {
  const std::string_view body = std::string_view(*out).substr(at + 4);
  ASSIGN_OR_RETURN(*hash, Sha256(AsBytes(prev), body));
  EncodeFixed32(out->data() + at, static_cast<uint32_t>(body.size()));
  out->append(AsBytes(*hash));
  return absl::OkStatus();
}

}  // namespace

absl::Status AppendFramedRecord(const Digest& prev, const AuditRecord& r,
                                std::string* out, Digest* hash) {
  const size_t at = out->size();
  out->append(4, '\0');
  AppendRecordBody(r, out);
  absl::Status s = SealFrame(prev, at, out, hash);
  if (!s.ok()) out->resize(at);
  return s;
}

absl::StatusOr<std::string> FrameRecord(const Digest& prev,
                                        std::string_view body, Digest* hash) {
  std::string out(4, '\0');
  out.append(body);
  RETURN_IF_ERROR(SealFrame(prev, 0, &out, hash));
  return out;
}

}  // namespace synapsed::storage::security
