// A ChangeStream seen through a layer: each batch of the inner stream is
// passed through `map` (decode values, drop keys the caller may not read),
// the way the layer maps reads. A batch the map leaves empty is skipped, not
// returned; a map error ends the stream with that error.
//
// Thread safety: as ChangeStream; `map` runs on the consumer's thread.
#ifndef SYNAPSED_API_MAPPED_CHANGE_STREAM_H_
#define SYNAPSED_API_MAPPED_CHANGE_STREAM_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "synapsed/storage/change_stream.h"

namespace synapsed::storage {

// `map` edits the batch in place; next_sequence must stay as it is.
using ChangeBatchMap = std::function<absl::Status(ChangeBatch*)>;

std::unique_ptr<ChangeStream> NewMappedChangeStream(std::unique_ptr<ChangeStream> inner,
                                                    ChangeBatchMap map);

// Decodes the value of every put with `decode(key, stored)`, as a layer's
// decoding iterator does (deletes carry no value). A value that does not
// decode ends the stream with decode's error.
using ChangeValueDecoder =
    std::function<absl::StatusOr<std::string>(std::string_view key, std::string_view stored)>;
std::unique_ptr<ChangeStream> NewValueDecodingChangeStream(std::unique_ptr<ChangeStream> inner,
                                                           ChangeValueDecoder decode);

}  // namespace synapsed::storage

#endif  // SYNAPSED_API_MAPPED_CHANGE_STREAM_H_
