#include "server/auth.h"

#include <openssl/crypto.h>

#include "server/session.h"

namespace synapsed::storage::server {

bool LogIn(CommandContext& c, std::string_view user, std::string_view password) {
  SecuredStore* secured = c.state->secured;
  if (secured == nullptr) {
    // Redis with no password set: only "default" exists, and takes any.
    if (user == "default") return true;
    c.reply.Error(kWrongPassError);
    return false;
  }
  if (c.session->subscribed()) {
    // Its streams were opened as the current principal and filter by its
    // rules: a new identity would need new ones.
    c.reply.Error("ERR AUTH on a subscribed connection is not supported: unsubscribe first");
    return false;
  }
  absl::StatusOr<std::unique_ptr<Store>> store = secured->Authenticate(user, password);
  if (!store.ok()) {
    if (absl::IsUnauthenticated(store.status())) {
      c.reply.Error(kWrongPassError);
    } else {
      c.ReplyError(store.status());  // e.g. the audit log failed
    }
    return false;
  }
  c.session->SetPrincipal(std::string(user), *std::move(store));
  return true;
}

std::string StatusReply(const absl::Status& s) {
  if (absl::IsPermissionDenied(s)) return std::string(kNoPermKeyError);
  return "ERR " + std::string(s.message().empty() ? absl::StatusCodeToString(s.code())
                                                  : s.message());
}

void WipeArgs(std::vector<std::string>* args) {
  for (std::string& a : *args) {
    if (!a.empty()) OPENSSL_cleanse(a.data(), a.size());
    a.clear();
  }
}

}  // namespace synapsed::storage::server
