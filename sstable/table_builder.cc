#include "sstable/table_builder.h"

#include <chrono>

#include "fmt/format.h"
#include "sstable/block_io.h"
#include "sstable/separator.h"
#include "util/internal_key.h"

namespace synapsed::storage::sstable {

namespace {
// Adaptive mode: 4 failed tries in a row (16 KiB of 4 KiB blocks) is enough
// to call the data incompressible without reacting to one odd block; then
// one block in 16 is sampled, which bounds the codec work on incompressible
// data to ~1/16 and the compressible blocks stored raw, when the data turns
// compressible, to 15.
constexpr int kFailuresToSkip = 4;
constexpr int kSampleInterval = 16;

std::string CompressionLabel(const TableBuilderOptions& o) {
  if (o.compression == CompressionType::kZstd) {
    return fmt::format("zstd:{}", o.zstd_level);
  }
  return std::string(CompressionTypeName(o.compression));
}
}  // namespace

TableBuilder::TableBuilder(const TableBuilderOptions& options,
                           env::WritableFile* file)
    : options_(options),
      file_(file),
      data_block_(options.restart_interval),
      index_block_(options.index_restart_interval),
      sampler_(kFailuresToSkip, kSampleInterval) {
  if (options_.bloom_bits_per_key > 0) {
    filter_.emplace(options_.bloom_bits_per_key);
    props_.filter_bits_per_key = options_.bloom_bits_per_key;
  }
  props_.compression = CompressionLabel(options_);
}

TableBuilder::~TableBuilder() = default;

absl::Status TableBuilder::Add(std::string_view key, std::string_view value) {
  if (!status_.ok()) return status_;
  if (closed_) return absl::FailedPreconditionError("table already finished");
  if (key.size() < 8 || !IsKnownValueType(ExtractTrailer(key) & 0xff)) {
    return absl::InvalidArgumentError("malformed internal key");
  }
  // The entry must fit a block the reader is willing to decode.
  if (key.size() + value.size() + 64 > kMaxBlockRawSize) {
    return absl::InvalidArgumentError(
        fmt::format("entry of {} bytes exceeds the block limit",
                    key.size() + value.size()));
  }
  if (props_.num_entries > 0 && CompareInternalKeys(last_key_, key) >= 0) {
    // Sticky: a builder fed out of order cannot produce a valid table.
    status_ = absl::InvalidArgumentError(
        "keys added to a table out of order (or duplicated)");
    return status_;
  }
  if (pending_index_entry_) {
    std::string sep = ShortestSeparator(last_key_, key);
    std::string handle;
    pending_handle_.EncodeTo(&handle);
    index_block_.Add(sep, handle);
    pending_index_entry_ = false;
  }
  if (filter_) filter_->AddKey(ExtractUserKey(key));

  const SequenceNumber seq = ExtractSequence(key);
  if (props_.num_entries == 0) {
    props_.smallest_key.assign(key);
    props_.min_sequence = props_.max_sequence = seq;
  } else {
    props_.min_sequence = std::min(props_.min_sequence, seq);
    props_.max_sequence = std::max(props_.max_sequence, seq);
  }
  ++props_.num_entries;
  if (ExtractValueType(key) == ValueType::kDeletion) ++props_.num_deletions;
  props_.raw_key_size += key.size();
  props_.raw_value_size += value.size();
  last_key_.assign(key);

  data_block_.Add(key, value);
  if (data_block_.EstimatedSize() >= options_.block_size) FlushDataBlock();
  return status_;
}

void TableBuilder::FlushDataBlock() {
  if (data_block_.empty() || !status_.ok()) return;
  std::string_view raw = data_block_.Finish();
  props_.uncompressed_data_size += raw.size();
  CompressionType used;
  const uint64_t start = offset_;
  const bool adaptive = options_.adaptive_compression &&
                        options_.compression != CompressionType::kNone;
  const bool compress = !adaptive || sampler_.ShouldTry();
  pending_handle_ = WriteBlock(raw, compress, crypto::UnitKind::kDataBlock, &used);
  if (adaptive && compress) sampler_.Record(used != CompressionType::kNone);
  props_.data_size += offset_ - start;
  ++props_.blocks_by_codec[static_cast<uint8_t>(used)];
  ++props_.num_data_blocks;
  data_block_.Reset();
  pending_index_entry_ = true;
}

void TableBuilder::WriteRaw(std::string_view bytes) {
  if (!status_.ok()) return;
  status_ = file_->Append(bytes);
  if (status_.ok()) offset_ += bytes.size();
}

BlockHandle TableBuilder::WriteBlock(std::string_view raw, bool compress,
                                     crypto::UnitKind unit,
                                     CompressionType* used) {
  CompressionType type = CompressionType::kNone;
  std::string_view payload = raw;
  if (compress && options_.compression != CompressionType::kNone) {
    type = CompressBlock(raw, options_.compression, options_.zstd_level,
                         &compressed_);
    if (type != CompressionType::kNone) payload = compressed_;
  }
  // compress -> seal -> checksum: the checksum covers the stored bytes, so
  // it can be verified without the key.
  if (options_.cipher != nullptr && status_.ok()) {
    sealed_.clear();
    status_ = options_.cipher->Seal(offset_, unit, static_cast<uint8_t>(type),
                                    payload, &sealed_);
    payload = sealed_;
  }
  if (used != nullptr) *used = type;
  return WriteStored(payload, type);
}

BlockHandle TableBuilder::WriteStored(std::string_view payload, CompressionType type) {
  BlockHandle handle{offset_, payload.size()};
  std::string trailer;
  AppendBlockTrailer(payload, type, &trailer);
  WriteRaw(payload);
  WriteRaw(trailer);
  block_map_.Add(payload.size());
  return handle;
}

absl::StatusOr<FinishedTable> TableBuilder::Finish() {
  if (closed_) return absl::FailedPreconditionError("table already finished");
  FlushDataBlock();
  closed_ = true;
  if (!status_.ok()) return status_;

  BlockBuilder metaindex(/*restart_interval=*/1);

  BlockHandle filter_handle;
  if (filter_) {
    std::string filter = filter_->Finish();
    const uint64_t start = offset_;
    filter_handle =
        WriteBlock(filter, /*compress=*/false, crypto::UnitKind::kFilterBlock);
    props_.filter_size = offset_ - start;
  }

  if (pending_index_entry_) {
    std::string handle;
    pending_handle_.EncodeTo(&handle);
    index_block_.Add(ShortSuccessor(last_key_), handle);
    pending_index_entry_ = false;
  }
  const uint64_t index_start = offset_;
  const BlockHandle index_handle =
      WriteBlock(index_block_.Finish(), /*compress=*/true,
                 crypto::UnitKind::kIndexBlock);
  props_.index_size = offset_ - index_start;

  props_.largest_key = last_key_;
  props_.creation_time =
      options_.creation_time != 0
          ? options_.creation_time
          : static_cast<uint64_t>(
                std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count());
  const BlockHandle props_handle =
      WriteBlock(EncodeProperties(props_), /*compress=*/true,
                 crypto::UnitKind::kPropertiesBlock);

  // Meta-index names sort bytewise: "filter.bloom" < "properties".
  std::string h;
  if (filter_) {
    filter_handle.EncodeTo(&h);
    metaindex.Add(kMetaFilterName, h);
    h.clear();
  }
  props_handle.EncodeTo(&h);
  metaindex.Add(kMetaPropertiesName, h);
  const BlockHandle metaindex_handle =
      WriteBlock(metaindex.Finish(), /*compress=*/false,
                 crypto::UnitKind::kMetaIndexBlock);

  Footer footer;
  footer.metaindex = metaindex_handle;
  footer.index = index_handle;
  if (options_.cipher != nullptr) {
    // In clear, so that the checksums can be verified without the key.
    footer.block_map = WriteStored(block_map_.Finish(), CompressionType::kNone);
    footer.format_version = kEncryptedFormatVersion;
  }
  std::string f;
  if (status_.ok()) status_ = footer.EncodeTo(&f);
  WriteRaw(f);
  if (!status_.ok()) return status_;
  return FinishedTable{props_, offset_};
}

void TableBuilder::Abandon() { closed_ = true; }

}  // namespace synapsed::storage::sstable
