// libFuzzer target for the readers of the audit log: the chain walk of an
// audit file (VerifyAudit, security/audit_verify.h) and the checkpoint
// parser (ParseCheckpoints, security/audit_checkpoint.h), both fed from
// files an attacker may have edited. Input layout: fuzz_inputs.h.
//
// Invariants: no crash or sanitizer report, and
//   - a walk that fails names sequence records + 1 (the first record it
//     could not accept) with a reason, and covers no more than the file;
//   - a walk that succeeds covers the whole file, and each record it
//     returns encodes to a body that decodes to the same record;
//   - each parsed checkpoint, printed back as a line, parses to itself;
//   - verifying against checkpoints never accepts what the walk alone
//     rejects, and when it accepts, it reaches the same records and head;
//     when it rejects, it names a sequence no later than the walk's.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fmt/format.h"
#include "security/audit_checkpoint.h"
#include "security/audit_format.h"
#include "security/audit_verify.h"
#include "tests/fuzz/fuzz_inputs.h"

namespace {

using namespace synapsed::storage;  // NOLINT: a fuzz entry point
using namespace synapsed::storage::security;  // NOLINT

void CheckWalk(std::string_view file, const AuditVerdict& v,
               const std::vector<AuditRecord>& records) {
  FUZZ_CHECK(v.good_bytes <= file.size());
  FUZZ_CHECK(records.size() == v.records);
  if (!v.ok) {
    FUZZ_CHECK(v.first_bad_seq == v.records + 1);
    FUZZ_CHECK(!v.reason.empty());
    return;
  }
  FUZZ_CHECK(v.good_bytes == file.size());
  for (size_t i = 0; i < records.size(); ++i) {
    FUZZ_CHECK(records[i].seq == i + 1);
    AuditRecord again;
    FUZZ_CHECK(DecodeRecordBody(EncodeRecordBody(records[i]), &again));
    // A version 1 file has no commit sequence: 0 round-trips as itself.
    FUZZ_CHECK(again == records[i]);
  }
}

void CheckCheckpoints(const std::vector<Checkpoint>& cps) {
  for (const Checkpoint& cp : cps) {
    const std::string line = fmt::format(
        "synapsed-audit-checkpoint 1 seq={} hash={} hmac={}\n", cp.seq,
        ToHex(AsBytes(cp.hash)), ToHex(AsBytes(cp.mac)));
    absl::StatusOr<std::vector<Checkpoint>> again = ParseCheckpoints(line);
    FUZZ_CHECK(again.ok() && again->size() == 1);
    FUZZ_CHECK((*again)[0].seq == cp.seq && (*again)[0].hash == cp.hash &&
               (*again)[0].mac == cp.mac);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t cp_size = std::min<size_t>(
      size - 2, static_cast<size_t>(data[0]) | static_cast<size_t>(data[1]) << 8);
  const std::string_view cp_text = input.substr(2, cp_size);
  const std::string_view file = input.substr(2 + cp_size);

  std::vector<AuditRecord> records;
  const AuditVerdict walk = VerifyAudit(file, nullptr, std::nullopt,
                                        [&](const AuditRecord& r) { records.push_back(r); });
  CheckWalk(file, walk, records);

  absl::StatusOr<std::vector<Checkpoint>> cps = ParseCheckpoints(cp_text);
  if (!cps.ok()) {
    FUZZ_CHECK(cps.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  CheckCheckpoints(*cps);
  const auto key = fuzz::AuditFuzzKey();
  const AuditVerdict both = VerifyAudit(file, &*cps, std::span<const uint8_t>(key));
  if (both.ok) {
    FUZZ_CHECK(walk.ok);
    FUZZ_CHECK(both.records == walk.records && both.head == walk.head);
  } else {
    // The first failure by sequence number: never later than the walk's.
    FUZZ_CHECK(!both.reason.empty());
    FUZZ_CHECK(walk.ok || both.first_bad_seq <= walk.first_bad_seq);
  }
  return 0;
}
