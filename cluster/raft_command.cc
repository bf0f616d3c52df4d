#include "cluster/raft_command.h"

#include "util/coding.h"

namespace synapsed::storage::cluster {

std::string FrameCommand(std::string_view command) {
  std::string entry;
  PutFixed32(&entry, static_cast<uint32_t>(command.size()));
  entry.append(command);
  entry.resize((entry.size() + 7) / 8 * 8, '\0');
  return entry;
}

std::optional<std::string_view> UnframeCommand(std::string_view entry) {
  if (entry.size() < 4 || entry.size() % 8 != 0) return std::nullopt;
  const uint32_t length = DecodeFixed32(entry.data());
  if (length > entry.size() - 4 || entry.size() - 4 - length >= 8) return std::nullopt;
  for (size_t i = 4 + length; i < entry.size(); ++i) {
    if (entry[i] != '\0') return std::nullopt;
  }
  return entry.substr(4, length);
}

}  // namespace synapsed::storage::cluster
