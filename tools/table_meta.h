// How the `synapsed` subcommands show tables and internal keys: one line
// per table for people, one JSON object per table for scripts. Shared by
// `manifest dump` and `db properties`, so a table reads the same in both.
// (Reading the manifest itself is the engine's: engine/manifest_replay.h.)
//
// Any thread; pure functions.
#ifndef SYNAPSED_TOOLS_TABLE_META_H_
#define SYNAPSED_TOOLS_TABLE_META_H_

#include <string>
#include <string_view>

#include "engine/version_edit.h"
#include "nlohmann/json.hpp"

namespace synapsed::storage::tools {

// A table's metadata for people ("#12 4096 bytes ['a'@1 .. 'z'@9] ...")
// and for JSON (keys C-escaped, with sequence and type).
std::string TableMetaLine(const engine::FileMetaData& f);
nlohmann::json TableMetaJson(int level, const engine::FileMetaData& f);
// An internal key as 'user_key'@seq (D suffix for a deletion).
std::string ShowInternalKey(std::string_view ikey);

}  // namespace synapsed::storage::tools

#endif  // SYNAPSED_TOOLS_TABLE_META_H_
