// `synapsed manifest dump DIR-or-FILE [--json]`: every version edit of a
// MANIFEST (docs/format/manifest.md), decoded, with its offset, then the
// state they add up to (tables per level). Given a database directory it
// reads the manifest CURRENT names. Read-only. Exit codes: tools/tool_util.h
// (2 when the manifest is corrupt: the edits before the damage are still
// printed, the problem goes to stderr with file and offset).
#ifndef SYNAPSED_TOOLS_MANIFEST_COMMAND_H_
#define SYNAPSED_TOOLS_MANIFEST_COMMAND_H_

#include <CLI/CLI.hpp>

namespace synapsed::storage::tools {

void AddManifestCommand(CLI::App* app);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_MANIFEST_COMMAND_H_
