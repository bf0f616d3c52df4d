// Identity in the server: what AUTH, HELLO ... AUTH and the error replies
// need from the access control layer (synapsed/storage/access_control.h).
//
// When the served store has access control (ServerState::secured), a
// connection starts logged out: only the commands flagged kNoAuth (AUTH,
// HELLO, QUIT) run, others get kNoAuthError, as Redis with a password set.
// AUTH user password (or AUTH password, for the principal "default") checks
// the password against the principal's salted hash
// (SecuredStore::Authenticate, docs/format/password_hash.md), and from then
// on every command of the connection runs through the store of that
// principal, so its rules decide each key. Without access control AUTH is
// not needed and answers as Redis with no password set.
//
// Loop-thread only, like the session it acts on.
#ifndef SYNAPSED_SERVER_AUTH_H_
#define SYNAPSED_SERVER_AUTH_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "server/command.h"

namespace synapsed::storage::server {

// Redis 7.0's error strings.
inline constexpr std::string_view kNoAuthError = "NOAUTH Authentication required.";
inline constexpr std::string_view kWrongPassError =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr std::string_view kNoPermKeyError =
    "NOPERM this user has no permissions to access one of the keys used as arguments";

// Logs the session of `c` in as `user`. On failure replies (WRONGPASS for
// a wrong password, unknown or passwordless user) and returns false; the
// session keeps the identity it had. Without access control: true for
// "default" (any password), WRONGPASS for another user.
bool LogIn(CommandContext& c, std::string_view user, std::string_view password);

// The error line for a store's status: Redis's NOPERM for a denial by the
// access control layer (the layer's message names principal and key, which
// Redis clients do not expect), else "ERR " and the message.
std::string StatusReply(const absl::Status& s);

// Overwrites the bytes of `args` (OPENSSL_cleanse) and empties them: the
// server's copy of a password lives no longer than its command. (The
// request parser's and the socket's buffers are reused, not wiped.)
void WipeArgs(std::vector<std::string>* args);

}  // namespace synapsed::storage::server

#endif  // SYNAPSED_SERVER_AUTH_H_
