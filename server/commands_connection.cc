// Connection commands: PING, ECHO, HELLO, SELECT, QUIT, CLIENT, COMMAND.
// Reply shapes and error strings are Redis 7.0's. AUTH, and HELLO's AUTH
// option, log in as server/auth.h says (commands_auth.cc).
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "fmt/format.h"
#include "server/auth.h"
#include "server/command.h"
#include "server/session.h"

namespace synapsed::storage::server {
namespace {

constexpr std::string_view kHelloNoAuth =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
    "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
    "select the RESP protocol version at the same time";

void Ping(CommandContext& c) {
  if (c.args.size() > 2) {
    return c.reply.Error("ERR wrong number of arguments for 'ping' command");
  }
  // A subscribed RESP2 connection gets Redis's [pong, message] array.
  if (c.session->subscribed() && c.reply.protocol() < 3) {
    c.reply.Array(2);
    c.reply.Bulk("pong");
    return c.reply.Bulk(c.args.size() == 2 ? std::string_view(c.args[1]) : "");
  }
  if (c.args.size() == 2) return c.reply.Bulk(c.args[1]);
  c.reply.Status("PONG");
}

void Echo(CommandContext& c) { c.reply.Bulk(c.args[1]); }

// Redis's rule for client names: printable, no spaces.
bool ValidClientName(std::string_view name) {
  for (char ch : name) {
    if (ch < '!' || ch > '~') return false;
  }
  return true;
}

void SetName(CommandContext& c, const std::string& name) {
  MutexLock lock(&c.session->info()->mu);
  c.session->info()->name = name;
}

void Hello(CommandContext& c) {
  int protocol = c.session->reply().protocol();
  size_t i = 1;
  if (c.args.size() >= 2) {
    long long v = 0;
    if (!absl::SimpleAtoi(c.args[1], &v)) {
      return c.reply.Error("ERR Protocol version is not an integer or out of range");
    }
    if (v < 2 || v > 3) return c.reply.Error("NOPROTO unsupported protocol version");
    protocol = static_cast<int>(v);
    i = 2;
  }
  std::string name;
  bool set_name = false;
  std::optional<size_t> auth;  // index of AUTH's user
  for (; i < c.args.size(); ++i) {
    const bool more = i + 1 < c.args.size();
    if (EqualsIgnoreCase(c.args[i], "auth") && i + 2 < c.args.size()) {
      auth = i + 1;
      i += 2;
    } else if (EqualsIgnoreCase(c.args[i], "setname") && more) {
      name = c.args[++i];
      if (!ValidClientName(name)) {
        return c.reply.Error(
            "ERR Client names cannot contain spaces, newlines or special characters.");
      }
      set_name = true;
    } else {
      return c.reply.Error(fmt::format("ERR Syntax error in HELLO option '{}'", c.args[i]));
    }
  }
  // As Redis: options are checked first, then the login, then the rest.
  if (auth) {
    if (!LogIn(c, c.args[*auth], c.args[*auth + 1])) return;
  } else if (!c.session->authenticated()) {
    return c.reply.Error(kHelloNoAuth);
  }
  if (set_name) SetName(c, name);
  c.session->SetProtocol(protocol);
  c.reply.Map(7);
  c.reply.Bulk("server");
  c.reply.Bulk("redis");
  c.reply.Bulk("version");
  c.reply.Bulk("7.0.0");
  c.reply.Bulk("proto");
  c.reply.Integer(protocol);
  c.reply.Bulk("id");
  c.reply.Integer(static_cast<int64_t>(c.session->info()->id));
  c.reply.Bulk("mode");
  c.reply.Bulk("standalone");
  c.reply.Bulk("role");
  c.reply.Bulk("master");
  c.reply.Bulk("modules");
  c.reply.Array(0);
}

void Select(CommandContext& c) {
  long long db = 0;
  if (!absl::SimpleAtoi(c.args[1], &db)) return c.reply.Error(kNotInteger);
  if (db != 0) return c.reply.Error("ERR DB index is out of range");
  c.reply.Status("OK");
}

void Quit(CommandContext& c) {
  c.reply.Status("OK");
  c.session->RequestClose();
}

void Client(CommandContext& c) {
  const std::string sub = absl::AsciiStrToLower(c.args[1]);
  auto arity = [&](size_t n) {
    if (c.args.size() == n) return true;
    c.reply.Error(fmt::format("ERR wrong number of arguments for 'client|{}' command", sub));
    return false;
  };
  ClientInfo* info = c.session->info();
  if (sub == "id") {
    if (arity(2)) c.reply.Integer(static_cast<int64_t>(info->id));
  } else if (sub == "getname") {
    if (!arity(2)) return;
    MutexLock lock(&info->mu);
    if (info->name.empty()) {
      c.reply.Null();
    } else {
      c.reply.Bulk(info->name);
    }
  } else if (sub == "setname") {
    if (!arity(3)) return;
    if (!ValidClientName(c.args[2])) {
      return c.reply.Error(
          "ERR Client names cannot contain spaces, newlines or special characters.");
    }
    SetName(c, c.args[2]);
    c.reply.Status("OK");
  } else if (sub == "list") {
    if (c.args.size() != 2) return c.reply.Error(kSyntaxError);
    c.reply.Verbatim(c.state->clients.List());
  } else {
    c.reply.Error(fmt::format("ERR unknown subcommand '{}'. Try CLIENT HELP.",
                              std::string_view(c.args[1]).substr(0, 128)));
  }
}

void CommandFlagsReply(CommandContext& c, const CommandSpec& spec) {
  std::vector<std::string_view> flags;
  if (spec.flags & kWrite) flags.push_back("write");
  if (spec.flags & kReadOnly) flags.push_back("readonly");
  if (spec.flags & kAdmin) flags.push_back("admin");
  if (spec.flags & kFast) flags.push_back("fast");
  if (spec.flags & kNoAuth) flags.push_back("no_auth");
  c.reply.Set(flags.size());
  for (std::string_view f : flags) c.reply.Status(f);
}

// COMMAND's per-command entry: Redis 7's ten fields.
void CommandInfoReply(CommandContext& c, const CommandSpec& spec) {
  c.reply.Array(10);
  c.reply.Bulk(spec.name);
  c.reply.Integer(spec.arity);
  CommandFlagsReply(c, spec);
  c.reply.Integer(spec.first_key);
  c.reply.Integer(spec.last_key);
  c.reply.Integer(spec.step);
  c.reply.Set(0);    // ACL categories
  c.reply.Set(0);    // tips
  c.reply.Array(0);  // key specs
  c.reply.Array(0);  // subcommands
}

void Command(CommandContext& c) {
  const auto& all = AllCommands();
  if (c.args.size() == 1) {
    c.reply.Array(all.size());
    for (const CommandSpec& spec : all) CommandInfoReply(c, spec);
    return;
  }
  const std::string sub = absl::AsciiStrToLower(c.args[1]);
  if (sub == "count" && c.args.size() == 2) {
    c.reply.Integer(static_cast<int64_t>(all.size()));
  } else if (sub == "list" && c.args.size() == 2) {
    c.reply.Array(all.size());
    for (const CommandSpec& spec : all) c.reply.Bulk(spec.name);
  } else if (sub == "info") {
    c.reply.Array(c.args.size() - 2);
    for (size_t i = 2; i < c.args.size(); ++i) {
      const CommandSpec* spec = FindCommand(c.args[i]);
      if (spec == nullptr) {
        c.reply.NullArray();
      } else {
        CommandInfoReply(c, *spec);
      }
    }
  } else if (sub == "docs") {
    std::vector<const CommandSpec*> specs;
    if (c.args.size() == 2) {
      for (const CommandSpec& spec : all) specs.push_back(&spec);
    } else {
      for (size_t i = 2; i < c.args.size(); ++i) {
        if (const CommandSpec* spec = FindCommand(c.args[i])) specs.push_back(spec);
      }
    }
    c.reply.Map(specs.size());
    for (const CommandSpec* spec : specs) {
      c.reply.Bulk(spec->name);
      c.reply.Map(3);
      c.reply.Bulk("summary");
      c.reply.Bulk(fmt::format("the Redis {} command, served by synapsed", spec->name));
      c.reply.Bulk("since");
      c.reply.Bulk("1.0.0");
      c.reply.Bulk("group");
      c.reply.Bulk(spec->flags & kWrite ? "string" : "server");
    }
  } else {
    c.reply.Error(fmt::format("ERR unknown subcommand '{}'. Try COMMAND HELP.",
                              std::string_view(c.args[1]).substr(0, 128)));
  }
}

}  // namespace

void AddConnectionCommands(std::vector<CommandSpec>* t) {
  t->push_back({"ping", -1, kFast, 0, 0, 0, Ping});
  t->push_back({"echo", 2, kFast, 0, 0, 0, Echo});
  t->push_back({"hello", -1, kFast | kNoAuth | kNotQueued | kSecretArgs, 0, 0, 0, Hello});
  t->push_back({"select", 2, kFast, 0, 0, 0, Select});
  t->push_back({"quit", -1, kFast | kNoAuth | kNotQueued, 0, 0, 0, Quit});
  t->push_back({"client", -2, 0, 0, 0, 0, Client});
  t->push_back({"command", -1, 0, 0, 0, 0, Command});
}

}  // namespace synapsed::storage::server
