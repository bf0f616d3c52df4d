// The ACL's stored state: the rules as the admin calls left them and the
// revision, kept in the store itself under kAclReservedPrefix + "state"
// (synapsed/storage/access_control.h), written with sync at every change.
//
// Encoding (util/coding.h varints; "lp" is a varint length then the bytes;
// keys are bytes, so this is binary rather than JSON):
//   state   := version:u8 revision:varint64
//              nroles:varint32 role* nusers:varint32 lp* ngrants:varint32
//              grant* [npasswords:varint32 password*]
//              version 1: no password section; version 2: with it. The
//              encoder writes 1 when no principal has a password, so a
//              state without passwords keeps its old bytes.
//   role    := name:lp admin:u8 nrules:varint32 rule*
//   rule    := kind:u8 access:u8 a:lp [b:lp]
//              kind 0: prefix a; 1: [a, open); 2: [a, b)
//              access 0 read, 1 write, 2 readwrite (values do not change)
//   grant   := user:lp nroles:varint32 role-name:lp*
//   password := user:lp hash:lp    the salted hash, never the password
//              (security/password_hash.h, docs/format/password_hash.md)
// A role, a grant's user and a password's user each appear once (they are
// map keys); a repeat is corrupt.
#ifndef SYNAPSED_SECURITY_ACL_STATE_CODEC_H_
#define SYNAPSED_SECURITY_ACL_STATE_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "synapsed/storage/config.h"

namespace synapsed::storage::security {

struct AclState {
  AclConfig config;
  uint64_t revision = 0;
};

std::string EncodeAclState(const AclState& state);
// DataLoss if `encoded` is not a state this encoder wrote.
[[nodiscard]] absl::StatusOr<AclState> DecodeAclState(std::string_view encoded);

}  // namespace synapsed::storage::security

#endif  // SYNAPSED_SECURITY_ACL_STATE_CODEC_H_
