#include "tools/acl_command.h"

#include <openssl/crypto.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "fmt/format.h"
#include "security/password_hash.h"
#include "tools/tool_util.h"

namespace synapsed::storage::tools {
namespace {

// A string wiped when it goes.
struct Secret {
  std::string text;
  ~Secret() {
    if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
  }
};

// One line of standard input without its line end; false at end of input.
bool ReadLine(Secret* out) {
  out->text.clear();
  out->text.reserve(4096);  // growing would leave unwiped copies behind
  for (int ch; (ch = std::getchar()) != EOF;) {
    if (ch == '\n') {
      if (!out->text.empty() && out->text.back() == '\r') out->text.pop_back();
      return true;
    }
    out->text.push_back(static_cast<char>(ch));
  }
  return !out->text.empty();
}

// Asks on the terminal (stderr) with echo off.
bool Prompt(const char* prompt, Secret* out) {
  std::fputs(prompt, stderr);
  std::fflush(stderr);
  termios saved{};
  const bool restore = tcgetattr(STDIN_FILENO, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  const bool got = ReadLine(out);
  if (restore) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  std::fputs("\n", stderr);
  return got;
}

void Passwd(int log2_n) {
  if (log2_n < 10 || log2_n > 20) {
    FailWith(kExitError, "acl passwd: --cost must be 10..20 (scrypt's log2 N)");
  }
  Secret password;
  if (isatty(STDIN_FILENO)) {
    Secret again;
    if (!Prompt("Password: ", &password) || !Prompt("Again: ", &again)) {
      FailWith(kExitError, "acl passwd: no password read");
    }
    if (password.text != again.text) {
      FailWith(kExitError, "acl passwd: the two passwords differ; nothing printed");
    }
  } else if (!ReadLine(&password)) {
    FailWith(kExitError, "acl passwd: no password on standard input");
  }
  if (password.text.empty()) FailWith(kExitError, "acl passwd: the password is empty");
  security::ScryptCost cost;
  cost.log2_n = log2_n;
  absl::StatusOr<std::string> hash = security::HashPassword(password.text, cost);
  CheckOk(hash.status(), "acl passwd");
  std::cout << *hash << std::endl;
}

}  // namespace

void AddAclCommand(CLI::App* app) {
  CLI::App* acl = app->add_subcommand("acl", "access control: password hashes for AUTH");
  acl->require_subcommand(1);
  auto log2_n = std::make_shared<int>(security::ScryptCost().log2_n);
  CLI::App* passwd = acl->add_subcommand(
      "passwd",
      "read a password from the terminal or one line of stdin and print its salted scrypt "
      "hash, for \"access_control.passwords\" (docs/format/password_hash.md)");
  passwd->add_option("--cost", *log2_n, "scrypt's log2 N: each step doubles time and memory")
      ->capture_default_str();
  passwd->callback([log2_n] { Passwd(*log2_n); });
}

}  // namespace synapsed::storage::tools
