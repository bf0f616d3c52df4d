// TableProperties: what a table says about itself, stored in its properties
// block as name -> value entries in a bytewise-ordered block (numbers as
// varint64, keys as raw bytes). Names and meanings are in
// docs/format/sstable.md, "Properties block". Readers ignore names they do
// not know, so new properties can be added without a format bump.
//
// Plain data; any thread.
#ifndef SYNAPSED_SSTABLE_PROPERTIES_H_
#define SYNAPSED_SSTABLE_PROPERTIES_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "sstable/block.h"
#include "sstable/format.h"

namespace synapsed::storage::sstable {

struct TableProperties {
  uint64_t format_version = kFormatVersion;
  uint64_t creation_time = 0;  // seconds since the Unix epoch
  uint64_t num_entries = 0;
  uint64_t num_deletions = 0;
  uint64_t num_data_blocks = 0;
  uint64_t raw_key_size = 0;    // sum of internal key lengths
  uint64_t raw_value_size = 0;  // sum of value lengths
  // Data block bytes before compression (prefix-compressed keys, values,
  // restarts) and as stored (payloads and trailers).
  uint64_t uncompressed_data_size = 0;
  uint64_t data_size = 0;
  uint64_t index_size = 0;   // stored index block, with trailer
  uint64_t filter_size = 0;  // stored filter block, with trailer; 0 if none
  uint64_t filter_bits_per_key = 0;
  uint64_t min_sequence = 0;
  uint64_t max_sequence = 0;
  // Data blocks stored with each codec, indexed by CompressionType.
  std::array<uint64_t, kNumCompressionTypes> blocks_by_codec{};
  // The codec the builder was asked for ("lz4", "zstd:3", "none").
  std::string compression;
  std::string smallest_key;  // internal keys; empty for an empty table
  std::string largest_key;

  bool operator==(const TableProperties&) const = default;
};

// The properties block contents.
std::string EncodeProperties(const TableProperties& props);
// Decodes a properties block. DataLoss naming the file and the block offset
// if an entry is malformed.
absl::Status DecodeProperties(const Block& block, std::string_view file_name,
                              TableProperties* props);

// Multi-line "name: value" text (for tools and logs).
std::string PropertiesToString(const TableProperties& props);

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_PROPERTIES_H_
