#include "tools/table_meta.h"

#include "fmt/format.h"
#include "tools/tool_util.h"
#include "util/internal_key.h"

namespace synapsed::storage::tools {

std::string ShowInternalKey(std::string_view ikey) {
  ParsedInternalKey p;
  if (!ParseInternalKey(ikey, &p)) return "<bad key " + Hex(ikey) + ">";
  return fmt::format("'{}'@{}{}", Escape(p.user_key), p.sequence,
                     p.type == ValueType::kDeletion ? "D" : "");
}

std::string TableMetaLine(const engine::FileMetaData& f) {
  return fmt::format("#{} {} bytes [{} .. {}] seq {}..{} entries {} deletions {}",
                     f.number, f.file_size, ShowInternalKey(f.smallest),
                     ShowInternalKey(f.largest), f.smallest_seq, f.largest_seq,
                     f.num_entries, f.num_deletions);
}

nlohmann::json TableMetaJson(int level, const engine::FileMetaData& f) {
  return {{"level", level},
          {"number", f.number},
          {"file_size", f.file_size},
          {"smallest", ShowInternalKey(f.smallest)},
          {"largest", ShowInternalKey(f.largest)},
          {"smallest_seq", f.smallest_seq},
          {"largest_seq", f.largest_seq},
          {"entries", f.num_entries},
          {"deletions", f.num_deletions}};
}

}  // namespace synapsed::storage::tools
