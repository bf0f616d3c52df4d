// The native engine's change stream: commits before the subscription read
// back from the write-ahead logs, then the live ones from the engine's
// ChangeHub (api/change_hub.h), without a gap or a duplicate
// (synapsed/storage/change_stream.h has the contract).
//
// How the seam is exact: Subscribe registers the live queue first and is
// told the last sequence published before it (`last_replayed` here); every
// commit up to it is in a log the engine keeps (it holds off deleting logs
// while a stream replays, and makes buffered log bytes reach the file
// first). The stream replays records from `from` through `last_replayed`,
// then hands out the queue's batches, which start right after it.
//
// Records are read one per step, on the consumer's thread, inside Next; a
// Next with a short timeout returns DeadlineExceeded after a step that found
// nothing in the range (and calls the notify callback, so a notify-driven
// consumer polls again).
//
// Thread safety: as ChangeStream. The engine must outlive the stream.
#ifndef SYNAPSED_ENGINE_LOG_CHANGE_STREAM_H_
#define SYNAPSED_ENGINE_LOG_CHANGE_STREAM_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "api/change_queue.h"
#include "crypto/file_cipher.h"
#include "env/env.h"
#include "synapsed/storage/change_stream.h"

namespace synapsed::storage::engine {

struct LogHistory {
  env::FileSystem* fs = nullptr;
  std::string dir;
  std::vector<uint64_t> logs;  // ascending; every one present and pinned
  // The cipher of an encrypted log (null function: a plain database).
  std::function<absl::StatusOr<std::shared_ptr<const crypto::FileCipher>>(uint64_t)> cipher_for;
};

// The first sequence in the logs (the oldest a stream can start from), or
// nullopt if they hold no record.
absl::StatusOr<std::optional<uint64_t>> OldestLoggedSequence(const LogHistory& history);

// REQUIRES: from <= last_replayed, and the logs hold every sequence from
// `from` through `last_replayed`. `unpin` runs once replay no longer needs
// the logs (at the switch to live, or at destruction); `on_close` at
// destruction.
std::unique_ptr<ChangeStream> NewLogChangeStream(LogHistory history, KeyRange range,
                                                 uint64_t from, uint64_t last_replayed,
                                                 std::shared_ptr<ChangeQueue> live,
                                                 std::function<void()> unpin,
                                                 std::function<void()> on_close);

}  // namespace synapsed::storage::engine

#endif  // SYNAPSED_ENGINE_LOG_CHANGE_STREAM_H_
