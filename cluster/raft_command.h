// The framing of a command in a Raft log entry (cluster/raft_node.h):
//
//   [u32 length, little endian][length bytes of command][0..7 zero bytes]
//
// padded so the entry is a multiple of 8 bytes long: libraft 0.15 writes an
// entry of any length but fails to load a log holding one that is not (the
// restart reads the padding it assumed). A frame is checked when read: a
// length past the entry, or padding that is not zero, is Malformed.
#ifndef SYNAPSED_CLUSTER_RAFT_COMMAND_H_
#define SYNAPSED_CLUSTER_RAFT_COMMAND_H_

#include <optional>
#include <string>
#include <string_view>

namespace synapsed::storage::cluster {

// The entry bytes for `command`.
std::string FrameCommand(std::string_view command);

// The command an entry frames, or nullopt if the entry is not a frame.
std::optional<std::string_view> UnframeCommand(std::string_view entry);

}  // namespace synapsed::storage::cluster

#endif  // SYNAPSED_CLUSTER_RAFT_COMMAND_H_
