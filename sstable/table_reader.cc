#include "sstable/table_reader.h"

#include <utility>

#include "fmt/format.h"
#include "sstable/table_iterator.h"
#include "util/coding.h"
#include "util/internal_key.h"
#include "util/status_macros.h"

namespace synapsed::storage::sstable {

TableReader::TableReader(const TableReaderOptions& options,
                         std::unique_ptr<env::RandomAccessFile> file,
                         uint64_t file_size, uint64_t file_number,
                         std::string file_name, cache::Cache* block_cache)
    : options_(options),
      file_(std::move(file)),
      file_size_(file_size),
      file_number_(file_number),
      file_name_(std::move(file_name)),
      cache_(block_cache) {}

TableReader::~TableReader() = default;

absl::StatusOr<std::unique_ptr<TableReader>> TableReader::Open(
    const TableReaderOptions& options,
    std::unique_ptr<env::RandomAccessFile> file, uint64_t file_size,
    uint64_t file_number, std::string file_name, cache::Cache* block_cache) {
  if (file == nullptr) return absl::InvalidArgumentError("no file");
  std::unique_ptr<TableReader> t(new TableReader(options, std::move(file),
                                                 file_size, file_number,
                                                 std::move(file_name),
                                                 block_cache));
  RETURN_IF_ERROR(t->LoadMetaBlocks());
  return t;
}

absl::Status TableReader::LoadMetaBlocks() {
  if (file_size_ < kFooterSize) {
    return CorruptionError(file_name_, 0,
                           fmt::format("file of {} bytes is too short to be "
                                       "an sstable",
                                       file_size_));
  }
  const uint64_t footer_offset = file_size_ - kFooterSize;
  char scratch[kFooterSize];
  auto read = file_->Read(footer_offset, kFooterSize, scratch);
  if (!read.ok()) return read.status();
  ASSIGN_OR_RETURN(layout_.footer,
                   Footer::Decode(*read, file_name_, footer_offset));
  const bool encrypted = IsEncryptedFormat(layout_.footer.format_version);
  if (encrypted && options_.cipher == nullptr) {
    return absl::FailedPreconditionError(fmt::format(
        "{}: the table is encrypted and no data key was given", file_name_));
  }
  if (!encrypted && options_.cipher != nullptr) {
    return CorruptionError(file_name_, footer_offset,
                           "a plain table where an encrypted one belongs");
  }

  // Meta-index: name -> handle.
  ASSIGN_OR_RETURN(BlockBuffer meta_contents,
                   ReadContents(layout_.footer.metaindex,
                                crypto::UnitKind::kMetaIndexBlock, nullptr));
  ASSIGN_OR_RETURN(std::unique_ptr<Block> meta,
                   Block::Create(std::move(meta_contents), file_name_,
                                 layout_.footer.metaindex.offset));
  bool has_properties = false;
  BlockIterator it(meta.get(), KeyOrder::kBytewise, file_name_);
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    std::string_view v = it.value();
    BlockHandle h;
    if (!BlockHandle::DecodeFrom(&v, &h) || !v.empty()) {
      return CorruptionError(file_name_, layout_.footer.metaindex.offset,
                             "bad block handle in meta-index");
    }
    if (it.key() == kMetaFilterName) {
      layout_.has_filter = true;
      layout_.filter = h;
    } else if (it.key() == kMetaPropertiesName) {
      has_properties = true;
      layout_.properties = h;
    }
  }
  RETURN_IF_ERROR(it.status());
  if (!has_properties) {
    return CorruptionError(file_name_, layout_.footer.metaindex.offset,
                           "meta-index has no properties block");
  }

  ASSIGN_OR_RETURN(BlockBuffer props_contents,
                   ReadContents(layout_.properties,
                                crypto::UnitKind::kPropertiesBlock, nullptr));
  ASSIGN_OR_RETURN(std::unique_ptr<Block> props,
                   Block::Create(std::move(props_contents), file_name_,
                                 layout_.properties.offset));
  RETURN_IF_ERROR(DecodeProperties(*props, file_name_, &properties_));

  ASSIGN_OR_RETURN(index_, LoadBlock(ReadOptions(), layout_.footer.index,
                                     BlockKind::kIndex,
                                     cache::Priority::kHigh));

  ASSIGN_OR_RETURN(fences_, PinMeta<IndexFences>(
                                BlockKind::kIndexFences, layout_.footer.index.offset,
                                [&]() -> absl::StatusOr<std::unique_ptr<IndexFences>> {
                                  return IndexFences::Build(*index_);
                                }));
  if (layout_.has_filter) {
    ASSIGN_OR_RETURN(filter_, PinMeta<BloomFilter>(
                                  BlockKind::kFilter, layout_.filter.offset,
                                  [&]() -> absl::StatusOr<std::unique_ptr<BloomFilter>> {
                                    ASSIGN_OR_RETURN(
                                        BlockBuffer contents,
                                        ReadContents(layout_.filter,
                                                     crypto::UnitKind::kFilterBlock,
                                                     nullptr));
                                    return BloomFilter::Create(std::move(contents),
                                                               file_name_,
                                                               layout_.filter.offset);
                                  }));
  }
  return absl::OkStatus();
}

namespace {
size_t ChargeOf(const BloomFilter& f) { return f.size() + sizeof(BloomFilter); }
size_t ChargeOf(const IndexFences& f) { return f.charge(); }
}  // namespace

template <typename T, typename Make>
absl::StatusOr<Pinned<T>> TableReader::PinMeta(BlockKind kind, uint64_t offset,
                                               const Make& make) const {
  const CacheKey key = MakeCacheKey(offset, kind);
  if (cache_ != nullptr) {
    if (cache::Handle h = cache_->Lookup(key.view())) return Pinned<T>(std::move(h));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<T> made, make());
  if (made == nullptr) return Pinned<T>();
  if (cache_ == nullptr) return Pinned<T>(std::move(made));
  const size_t charge = ChargeOf(*made);
  auto inserted = cache_->Insert(key.view(), std::move(made), charge,
                                 cache::Priority::kHigh);
  if (inserted.ok()) return Pinned<T>(*std::move(inserted));
  // The cache refused (strict capacity) and dropped it: make it again and
  // keep it outside the cache.
  ASSIGN_OR_RETURN(made, make());
  return Pinned<T>(std::move(made));
}

TableReader::CacheKey TableReader::MakeCacheKey(uint64_t offset,
                                               BlockKind kind) const {
  CacheKey key;
  EncodeFixed64(key.bytes, file_number_);
  EncodeFixed64(key.bytes + 8, offset);
  // The kind keeps a corrupt index that points a data handle at the filter
  // from getting a BloomFilter back as a Block.
  key.bytes[16] = static_cast<char>(kind);
  return key;
}

absl::StatusOr<BlockBuffer> TableReader::ReadContents(
    const BlockHandle& handle, crypto::UnitKind unit,
    StoredBlockInfo* info, Readahead* readahead) const {
  ReadBlockOptions ro;
  ro.readahead = readahead;
  ro.verify_checksum = options_.verify_checksums;
  ro.cipher = options_.cipher.get();
  ro.unit = unit;
  return ReadBlock(*file_, file_name_, file_size_, handle, ro, info);
}

absl::StatusOr<BlockRef> TableReader::LoadBlock(const ReadOptions& options,
                                                const BlockHandle& handle,
                                                BlockKind kind,
                                                cache::Priority priority) const {
  const CacheKey key = MakeCacheKey(handle.offset, kind);
  if (cache_ != nullptr) {
    if (cache::Handle h = cache_->Lookup(key.view())) {
      return BlockRef(std::move(h));
    }
  }
  const crypto::UnitKind unit = kind == BlockKind::kIndex
                                     ? crypto::UnitKind::kIndexBlock
                                     : crypto::UnitKind::kDataBlock;
  ASSIGN_OR_RETURN(BlockBuffer contents,
                   ReadContents(handle, unit, nullptr, options.readahead));
  ASSIGN_OR_RETURN(std::unique_ptr<Block> block,
                   Block::Create(std::move(contents), file_name_,
                                 handle.offset));
  if (cache_ != nullptr && options.fill_cache) {
    const size_t charge = block->size() + sizeof(Block);
    auto inserted =
        cache_->Insert(key.view(), std::move(block), charge, priority);
    if (inserted.ok()) return BlockRef(*std::move(inserted));
    // Refused under strict capacity; the cache dropped the block, so read
    // it again for this caller alone.
    ASSIGN_OR_RETURN(BlockBuffer again,
                     ReadContents(handle, unit, nullptr, options.readahead));
    ASSIGN_OR_RETURN(block, Block::Create(std::move(again), file_name_,
                                          handle.offset));
  }
  return BlockRef(std::move(block));
}

absl::StatusOr<BlockRef> TableReader::ReadDataBlock(
    const ReadOptions& options, const BlockHandle& handle,
    StoredBlockInfo* info) const {
  if (info == nullptr) {
    return LoadBlock(options, handle, BlockKind::kData, cache::Priority::kLow);
  }
  ASSIGN_OR_RETURN(BlockBuffer contents,
                   ReadContents(handle, crypto::UnitKind::kDataBlock, info,
                                options.readahead));
  ASSIGN_OR_RETURN(std::unique_ptr<Block> block,
                   Block::Create(std::move(contents), file_name_,
                                 handle.offset));
  return BlockRef(std::move(block));
}

absl::StatusOr<BlockHandle> TableReader::DecodeIndexValue(
    std::string_view value) const {
  BlockHandle h;
  if (!BlockHandle::DecodeFrom(&value, &h) || !value.empty()) {
    return CorruptionError(file_name_, layout_.footer.index.offset,
                           "bad block handle in index");
  }
  return h;
}

BlockIterator TableReader::NewIndexIterator() const {
  return BlockIterator(index_.get(), KeyOrder::kInternal, file_name_);
}

absl::StatusOr<std::optional<BlockHandle>> TableReader::FindDataBlock(
    std::string_view lookup_key) const {
  if (fences_ && lookup_key.size() >= 8) {
    const size_t i = fences_->Find(lookup_key, *index_);
    if (i == fences_->size()) return std::nullopt;
    return fences_->handle(i);
  }
  BlockIterator index = NewIndexIterator();
  index.Seek(lookup_key);
  if (!index.Valid()) {
    RETURN_IF_ERROR(index.status());
    return std::nullopt;
  }
  return DecodeIndexValue(index.value());
}

bool TableReader::KeyMayMatch(uint64_t user_key_hash) const {
  return !filter_ || filter_->MayMatch(user_key_hash);
}

absl::Status TableReader::Get(const ReadOptions& options,
                              std::string_view lookup_key,
                              GetResult* result) const {
  if (lookup_key.size() < 8) {
    return absl::InvalidArgumentError("lookup key is not an internal key");
  }
  return Get(options, lookup_key, FilterHash(ExtractUserKey(lookup_key)),
             result);
}

absl::Status TableReader::Get(const ReadOptions& options,
                              std::string_view lookup_key,
                              uint64_t user_key_hash,
                              GetResult* result) const {
  result->Clear();
  if (lookup_key.size() < 8) {
    return absl::InvalidArgumentError("lookup key is not an internal key");
  }
  // The filter's line loads while the fences are searched: the two are
  // independent, and a key the filter passes needs both.
  PrefetchFilter(user_key_hash);
  ASSIGN_OR_RETURN(const std::optional<BlockHandle> handle,
                   FindDataBlock(lookup_key));
  if (!KeyMayMatch(user_key_hash) || !handle.has_value()) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(BlockRef block,
                   LoadBlock(options, *handle, BlockKind::kData,
                             cache::Priority::kLow));
  BlockIterator it(block.get(), KeyOrder::kInternal, file_name_);
  it.Seek(lookup_key);
  // Past the block's end the answer would be the next block's first key,
  // whose user key is beyond the separator and so beyond the lookup's.
  if (!it.Valid()) return it.status();
  if (ExtractUserKey(it.key()) == ExtractUserKey(lookup_key)) {
    result->found = true;
    result->SetKey(it.key());
    result->value = it.value();
    result->pin = std::move(block);
  }
  return absl::OkStatus();
}

absl::Status TableReader::MultiGet(const ReadOptions& options,
                                   std::span<MultiGetKey* const> keys) const {
  BlockRef block;
  uint64_t block_offset = 0;
  BlockIterator it;
  for (MultiGetKey* k : keys) {
    k->found = false;
    if (k->lookup_key.size() < 8) {
      return absl::InvalidArgumentError("lookup key is not an internal key");
    }
    if (!KeyMayMatch(k->user_key_hash)) continue;
    ASSIGN_OR_RETURN(const std::optional<BlockHandle> handle,
                     FindDataBlock(k->lookup_key));
    if (!handle.has_value()) continue;  // past the last key
    if (!block || handle->offset != block_offset) {
      ASSIGN_OR_RETURN(block, LoadBlock(options, *handle, BlockKind::kData,
                                        cache::Priority::kLow));
      block_offset = handle->offset;
      it.Init(block.get(), KeyOrder::kInternal, file_name_);
    }
    it.Seek(k->lookup_key);
    RETURN_IF_ERROR(MatchAt(it, k));
  }
  return absl::OkStatus();
}

absl::Status TableReader::MatchAt(const BlockIterator& it, MultiGetKey* k) const {
  k->found = false;
  if (!it.Valid()) return it.status();
  if (ExtractUserKey(it.key()) == ExtractUserKey(k->lookup_key)) {
    k->found = true;
    k->trailer = ExtractTrailer(it.key());
    k->value->assign(it.value());
  }
  return absl::OkStatus();
}

std::unique_ptr<TableIterator> TableReader::NewIterator(
    const ReadOptions& options) const {
  return std::make_unique<TableIterator>(this, options);
}

uint64_t TableReader::ApproximateOffsetOf(std::string_view internal_key) const {
  auto h = FindDataBlock(internal_key);
  if (h.ok() && h->has_value()) return (*h)->offset;
  // Past the last key (or a damaged index): the data ends where the
  // meta blocks begin.
  return properties_.data_size;
}

}  // namespace synapsed::storage::sstable
