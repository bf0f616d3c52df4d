// `synapsed audit`: the audit log of a secured store (docs/format/audit.md).
//
//   audit verify FILE [--checkpoint CP] [--hmac-key-file KEY]
//       walks the chain; with CP, checks that the file still reaches every
//       checkpoint with the same hash, and with KEY each checkpoint's
//       signature. Prints "OK: N records, head HEX" (exit 0), or the first
//       sequence number that fails and why (exit 2).
//   audit show FILE [--json]
//       prints the records (one JSON object per line with --json), then
//       fails as verify does if the chain breaks.
//
// Exit codes: tools/tool_util.h.
#ifndef SYNAPSED_TOOLS_AUDIT_COMMAND_H_
#define SYNAPSED_TOOLS_AUDIT_COMMAND_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddAuditCommand(CLI::App* app);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_AUDIT_COMMAND_H_
