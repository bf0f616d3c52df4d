// Identity commands: AUTH and ACL WHOAMI (server/auth.h says what logging
// in means). Reply shapes and error strings are Redis 7.0's.
#include <string>

#include "absl/strings/ascii.h"
#include "fmt/format.h"
#include "server/auth.h"
#include "server/command.h"
#include "server/session.h"

namespace synapsed::storage::server {
namespace {

constexpr std::string_view kNoPassword =
    "ERR AUTH <password> called without any password configured for the default user. "
    "Are you sure your configuration is correct?";

// AUTH password | AUTH user password
void Auth(CommandContext& c) {
  if (c.args.size() > 3) return c.reply.Error(kSyntaxError);
  if (c.args.size() == 2 && c.state->secured == nullptr) return c.reply.Error(kNoPassword);
  const std::string_view user =
      c.args.size() == 3 ? std::string_view(c.args[1]) : std::string_view("default");
  if (LogIn(c, user, c.args.back())) c.reply.Status("OK");
}

void Acl(CommandContext& c) {
  const std::string sub = absl::AsciiStrToLower(c.args[1]);
  if (sub == "whoami" && c.args.size() == 2) return c.reply.Bulk(c.session->user());
  if (sub == "whoami") {
    return c.reply.Error("ERR wrong number of arguments for 'acl|whoami' command");
  }
  c.reply.Error(fmt::format("ERR unknown subcommand '{}'. Try ACL HELP.",
                            std::string_view(c.args[1]).substr(0, 128)));
}

}  // namespace

void AddAuthCommands(std::vector<CommandSpec>* t) {
  t->push_back({"auth", -2, kFast | kNoAuth | kNotQueued | kSecretArgs, 0, 0, 0, Auth});
  t->push_back({"acl", -2, 0, 0, 0, 0, Acl});
}

}  // namespace synapsed::storage::server
