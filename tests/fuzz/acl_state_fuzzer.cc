// libFuzzer target for the ACL state codec (DecodeAclState,
// security/acl_state_codec.h): the roles, grants and password hashes the
// store keeps under its reserved key, read back at every open. The input is
// the stored value.
//
// What the codec promises, and the invariants checked here: no crash or
// sanitizer report, and
//   - a failure is DataLoss (the header's "not a state this encoder
//     wrote"), never another code;
//   - what decodes, encoded again, decodes to the same state, and encodes
//     once more to the same bytes: the encoding of a state is canonical,
//     and never longer than any bytes that decode to it (repeated names
//     collapse, long varints shorten);
//   - the version byte is kept: 2 exactly when the state has password
//     hashes (version 2 with none is rejected), so a state without
//     passwords keeps its version 1 bytes;
//   - each decoded rule has one shape: a prefix, or [begin, end) with no
//     prefix, as the encoder's rule kinds say.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "security/acl_state_codec.h"
#include "tests/fuzz/fuzz_inputs.h"

namespace {

using namespace synapsed::storage;  // NOLINT: a fuzz entry point
using security::AclState;

void CheckRules(const AclConfig& config) {
  for (const auto& [name, role] : config.roles) {
    for (const AclRule& r : role.rules) {
      FUZZ_CHECK(!r.prefix || (r.begin.empty() && !r.end));
      FUZZ_CHECK(r.access == AclRule::Access::kRead ||
                 r.access == AclRule::Access::kWrite ||
                 r.access == AclRule::Access::kReadWrite);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<AclState> state = security::DecodeAclState(input);
  if (!state.ok()) {
    FUZZ_CHECK(state.status().code() == absl::StatusCode::kDataLoss);
    return 0;
  }
  CheckRules(state->config);
  const std::string encoded = security::EncodeAclState(*state);
  FUZZ_CHECK(!input.empty() && !encoded.empty() && encoded[0] == input[0]);
  FUZZ_CHECK((input[0] == 2) == !state->config.passwords.empty());
  FUZZ_CHECK(encoded.size() <= input.size());
  absl::StatusOr<AclState> again = security::DecodeAclState(encoded);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->revision == state->revision && again->config == state->config);
  FUZZ_CHECK(security::EncodeAclState(*again) == encoded);
  return 0;
}
