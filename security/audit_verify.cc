#include "security/audit_verify.h"

#include <map>

#include "fmt/format.h"
#include "util/coding.h"

namespace synapsed::storage::security {
namespace {

AuditVerdict Fail(AuditVerdict v, uint64_t seq, std::string reason) {
  v.ok = false;
  v.first_bad_seq = seq;
  v.reason = std::move(reason);
  return v;
}

// The chain walk alone; `hashes` collects each record's hash by seq.
AuditVerdict Walk(std::string_view in, std::map<uint64_t, Digest>* hashes,
                  const std::function<void(const AuditRecord&)>& visit) {
  AuditVerdict v;
  if (in.starts_with(kAuditHeader)) {
    v.version = kAuditVersion;
  } else if (in.starts_with(kAuditHeaderV1)) {
    v.version = 1;
  } else {
    return Fail(v, 1, "the file does not start with the audit header");
  }
  in.remove_prefix(kAuditHeader.size());  // both versions' are as long
  v.good_bytes = kAuditHeader.size();
  while (!in.empty()) {
    const uint64_t seq = v.records + 1;
    if (in.size() < kRecordFraming) {
      v.torn_tail = true;
      return Fail(v, seq,
                  fmt::format("record cut short at offset {}", v.good_bytes));
    }
    const uint32_t size = DecodeFixed32(in.data());
    if (size > kMaxBodySize || in.size() < kRecordFraming + size) {
      v.torn_tail = size <= kMaxBodySize;
      return Fail(v, seq,
                  fmt::format("record cut short at offset {}", v.good_bytes));
    }
    const std::string_view body = in.substr(4, size);
    const std::string_view stored = in.substr(4 + size, kDigestSize);
    absl::StatusOr<Digest> want = Sha256(AsBytes(v.head), body);
    if (!want.ok()) return Fail(v, seq, std::string(want.status().message()));
    AuditRecord r;
    if (AsBytes(*want) != stored || !DecodeRecordBody(body, &r, v.version)) {
      return Fail(
          v, seq,
          fmt::format("record at offset {} was altered (its hash does not "
                      "chain)",
                      v.good_bytes));
    }
    if (r.seq != seq) {
      return Fail(
          v, seq,
          fmt::format("record at offset {} has sequence {} where {} belongs "
                      "(dropped or reordered)",
                      v.good_bytes, r.seq, seq));
    }
    if (visit) visit(r);
    v.head = *want;
    (*hashes)[seq] = *want;
    ++v.records;
    v.good_bytes += kRecordFraming + size;
    in.remove_prefix(kRecordFraming + size);
  }
  v.ok = true;
  return v;
}

}  // namespace

AuditVerdict VerifyAudit(std::string_view contents,
                         const std::vector<Checkpoint>* checkpoints,
                         std::optional<std::span<const uint8_t>> key,
                         const std::function<void(const AuditRecord&)>& visit) {
  std::map<uint64_t, Digest> hashes;
  AuditVerdict v = Walk(contents, &hashes, visit);
  if (checkpoints == nullptr) return v;
  // The first failure by sequence number wins: a checkpoint may show an
  // earlier problem than the walk found.
  for (const Checkpoint& cp : *checkpoints) {
    if (!v.ok && cp.seq >= v.first_bad_seq) continue;
    if (key) {
      absl::StatusOr<Digest> mac = CheckpointMac(*key, cp.seq, cp.hash);
      if (!mac.ok() || *mac != cp.mac) {
        v = Fail(
            v, cp.seq,
            fmt::format("the checkpoint at sequence {} has a bad signature",
                        cp.seq));
        continue;
      }
    }
    if (cp.seq == 0) continue;
    auto it = hashes.find(cp.seq);
    if (it == hashes.end()) {
      v = Fail(
          v, v.records + 1,
          fmt::format(
              "truncated: a checkpoint covers sequence {} but the file ends "
              "after {}",
              cp.seq, v.records));
    } else if (it->second != cp.hash) {
      v = Fail(
          v, cp.seq,
          fmt::format("the chain at sequence {} differs from its checkpoint",
                      cp.seq));
    }
  }
  return v;
}

}  // namespace synapsed::storage::security
