// An iterator whose values are decoded from an inner iterator's stored
// values, for the layers that store values in another form (compression,
// encryption). Keys pass through unchanged.
//
// A value that fails to decode ends iteration: Valid() is false and status()
// is the decoder's error (DataLoss for corruption), so a bad value is never
// returned as data. Moving the iterator again (a Seek*, or Next/Prev from a
// valid position) clears the error. Not thread-safe, as every Iterator.
#ifndef SYNAPSED_LAYERS_DECODING_ITERATOR_H_
#define SYNAPSED_LAYERS_DECODING_ITERATOR_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "synapsed/storage/iterator.h"

namespace synapsed::storage::layers {

// The value stored under `key`, decoded.
using ValueDecoder = std::function<absl::StatusOr<std::string>(
    std::string_view key, std::string_view stored)>;

std::unique_ptr<Iterator> NewDecodingIterator(std::unique_ptr<Iterator> inner,
                                              ValueDecoder decode);

}  // namespace synapsed::storage::layers

#endif  // SYNAPSED_LAYERS_DECODING_ITERATOR_H_
