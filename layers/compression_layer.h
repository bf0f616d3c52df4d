// The compression layer: a Store decorator that compresses values (the
// seed's CompressionConfig) over any backend, forwarding all four
// capabilities.
//
// Every value the layer writes carries a one-byte codec tag, so values of
// different codecs (and raw ones) mix freely; the encoding is specified in
// docs/format/compression_layer.md. Values shorter than min_size, and values
// that would not shrink, are stored raw. The "adaptive" algorithm chooses
// the codec per value (layers/adaptive_codec.h). Keys are never changed, so order,
// ranges and prefixes are the inner store's.
//
// A store must always be opened with the same layer stack: values written
// without the layer are not readable through it (they fail with DataLoss
// unless they happen to start with a valid tag) and vice versa.
//
// Thread-safe, as the inner store is.
#ifndef SYNAPSED_LAYERS_COMPRESSION_LAYER_H_
#define SYNAPSED_LAYERS_COMPRESSION_LAYER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "layers/adaptive_codec.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage::layers {

[[nodiscard]] absl::StatusOr<std::unique_ptr<Store>> NewCompressionLayer(
    std::unique_ptr<Store> inner, const CompressionConfig& config);

// The value encoding, exposed for tests, tools and benchmarks. With the
// adaptive algorithm, `adaptive` chooses the codec and learns from the
// result (without one, LZ4 is used).
std::string EncodeCompressedValue(std::string_view value, const CompressionConfig& config,
                                  AdaptiveCodec* adaptive = nullptr);
[[nodiscard]] absl::StatusOr<std::string> DecodeCompressedValue(std::string_view stored);

}  // namespace synapsed::storage::layers

#endif  // SYNAPSED_LAYERS_COMPRESSION_LAYER_H_
