// `synapsed acl`: managing access control from the command line.
//
//   acl passwd [--cost LN]
//       reads a password — from the terminal with echo off, asked twice, or
//       as one line of standard input — and prints its salted scrypt hash
//       (docs/format/password_hash.md), for "access_control.passwords" in a
//       store's config (docs/layers.md). Never from the command line, where
//       `ps` and shell history would show it; the buffers that held it are
//       wiped once the hash is made. LN is scrypt's log2(N), 10..20
//       (default 15).
//
// Exit codes: tools/tool_util.h.
#ifndef SYNAPSED_TOOLS_ACL_COMMAND_H_
#define SYNAPSED_TOOLS_ACL_COMMAND_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddAclCommand(CLI::App* app);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_ACL_COMMAND_H_
