#include "sstable/properties.h"

#include <map>
#include <utility>

#include "absl/strings/escaping.h"
#include "fmt/format.h"
#include "sstable/block_builder.h"
#include "util/coding.h"

namespace synapsed::storage::sstable {

namespace {

// Property names, on disk: do not rename.
constexpr std::string_view kBlocksLz4 = "blocks.lz4";
constexpr std::string_view kBlocksNone = "blocks.none";
constexpr std::string_view kBlocksZstd = "blocks.zstd";
constexpr std::string_view kCompression = "compression";
constexpr std::string_view kCreationTime = "creation.time";
constexpr std::string_view kDataBlocks = "data.blocks";
constexpr std::string_view kDataSize = "data.size";
constexpr std::string_view kDataUncompressed = "data.uncompressed.size";
constexpr std::string_view kDeletions = "deletions";
constexpr std::string_view kEntries = "entries";
constexpr std::string_view kFilterBits = "filter.bits.per.key";
constexpr std::string_view kFilterSize = "filter.size";
constexpr std::string_view kFormatVersionName = "format.version";
constexpr std::string_view kIndexSize = "index.size";
constexpr std::string_view kKeyLargest = "key.largest";
constexpr std::string_view kKeySmallest = "key.smallest";
constexpr std::string_view kRawKeySize = "raw.key.size";
constexpr std::string_view kRawValueSize = "raw.value.size";
constexpr std::string_view kSeqMax = "seq.max";
constexpr std::string_view kSeqMin = "seq.min";

// The numeric properties and where they live, for both directions.
template <typename Props>
auto NumericFields(Props& p) {
  using T = decltype(&p.num_entries);
  return std::array<std::pair<std::string_view, T>, 17>{{
      {kBlocksLz4, &p.blocks_by_codec[1]},
      {kBlocksNone, &p.blocks_by_codec[0]},
      {kBlocksZstd, &p.blocks_by_codec[2]},
      {kCreationTime, &p.creation_time},
      {kDataBlocks, &p.num_data_blocks},
      {kDataSize, &p.data_size},
      {kDataUncompressed, &p.uncompressed_data_size},
      {kDeletions, &p.num_deletions},
      {kEntries, &p.num_entries},
      {kFilterBits, &p.filter_bits_per_key},
      {kFilterSize, &p.filter_size},
      {kFormatVersionName, &p.format_version},
      {kIndexSize, &p.index_size},
      {kRawKeySize, &p.raw_key_size},
      {kRawValueSize, &p.raw_value_size},
      {kSeqMax, &p.max_sequence},
      {kSeqMin, &p.min_sequence},
  }};
}

}  // namespace

std::string EncodeProperties(const TableProperties& props) {
  std::map<std::string_view, std::string> entries;  // sorted by name
  TableProperties copy = props;
  for (const auto& [name, field] : NumericFields(copy)) {
    if (field == nullptr) continue;
    std::string v;
    PutVarint64(&v, *field);
    entries.emplace(name, std::move(v));
  }
  entries.emplace(kCompression, props.compression);
  entries.emplace(kKeySmallest, props.smallest_key);
  entries.emplace(kKeyLargest, props.largest_key);
  BlockBuilder builder(/*restart_interval=*/1);
  for (const auto& [name, value] : entries) builder.Add(name, value);
  return std::string(builder.Finish());
}

absl::Status DecodeProperties(const Block& block, std::string_view file_name,
                              TableProperties* props) {
  *props = TableProperties();
  props->format_version = 0;
  auto fields = NumericFields(*props);
  BlockIterator it(&block, KeyOrder::kBytewise, file_name);
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    const std::string_view name = it.key();
    const std::string_view value = it.value();
    if (name == kCompression) {
      props->compression = std::string(value);
    } else if (name == kKeySmallest) {
      props->smallest_key = std::string(value);
    } else if (name == kKeyLargest) {
      props->largest_key = std::string(value);
    } else {
      for (const auto& [fname, field] : fields) {
        if (fname != name || field == nullptr) continue;
        std::string_view in = value;
        if (!GetVarint64(&in, field) || !in.empty()) {
          return CorruptionError(file_name, block.file_offset(),
                                 fmt::format("bad property {}", name));
        }
      }
    }
  }
  if (!it.status().ok()) return it.status();
  if (props->format_version != kFormatVersion) {
    return CorruptionError(
        file_name, block.file_offset(),
        fmt::format("properties format version {}", props->format_version));
  }
  return absl::OkStatus();
}

std::string PropertiesToString(const TableProperties& p) {
  auto key = [](const std::string& k) { return absl::CHexEscape(k); };
  std::string s;
  s += fmt::format("format.version: {}\n", p.format_version);
  s += fmt::format("creation.time: {}\n", p.creation_time);
  s += fmt::format("entries: {}\n", p.num_entries);
  s += fmt::format("deletions: {}\n", p.num_deletions);
  s += fmt::format("data.blocks: {}\n", p.num_data_blocks);
  s += fmt::format("raw.key.size: {}\n", p.raw_key_size);
  s += fmt::format("raw.value.size: {}\n", p.raw_value_size);
  s += fmt::format("data.uncompressed.size: {}\n", p.uncompressed_data_size);
  s += fmt::format("data.size: {}\n", p.data_size);
  s += fmt::format("index.size: {}\n", p.index_size);
  s += fmt::format("filter.size: {}\n", p.filter_size);
  s += fmt::format("filter.bits.per.key: {}\n", p.filter_bits_per_key);
  s += fmt::format("seq.min: {}\n", p.min_sequence);
  s += fmt::format("seq.max: {}\n", p.max_sequence);
  s += fmt::format("compression: {}\n", p.compression);
  s += fmt::format("blocks.none: {}\nblocks.lz4: {}\nblocks.zstd: {}\n",
                   p.blocks_by_codec[0], p.blocks_by_codec[1],
                   p.blocks_by_codec[2]);
  s += fmt::format("key.smallest: \"{}\"\n", key(p.smallest_key));
  s += fmt::format("key.largest: \"{}\"\n", key(p.largest_key));
  return s;
}

}  // namespace synapsed::storage::sstable
