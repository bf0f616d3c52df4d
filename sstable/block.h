// Block: the decoded (uncompressed) contents of one table block, immutable
// once built, and BlockIterator, which walks it (docs/format/sstable.md,
// "Blocks"). A Block may live in the block cache (it is a CacheValue) and be
// shared by any number of iterators on any threads; each iterator is used by
// one thread at a time.
//
// Seek binary-searches the restart array (restart keys are stored whole and
// compared in place), then scans forward. Prev re-scans from the previous
// restart point. Every decode is bounds-checked: a malformed block makes the
// iterator invalid with a DataLoss status naming the file and block offset.
#ifndef SYNAPSED_SSTABLE_BLOCK_H_
#define SYNAPSED_SSTABLE_BLOCK_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cache/cache.h"
#include "sstable/block_io.h"
#include "sstable/iterator.h"

namespace synapsed::storage::sstable {

// How a block's keys are ordered: internal keys (data and index blocks) or
// plain bytes (properties and meta-index blocks).
enum class KeyOrder : uint8_t { kInternal, kBytewise };

class Block final : public cache::CacheValue {
 public:
  // Validates the restart trailer. `file_offset` is where the block is
  // stored, for error messages.
  static absl::StatusOr<std::unique_ptr<Block>> Create(
      BlockBuffer contents, std::string_view file_name, uint64_t file_offset);

  size_t size() const { return contents_.size(); }
  uint64_t file_offset() const { return file_offset_; }
  uint32_t num_restarts() const { return num_restarts_; }
  std::string_view contents() const { return contents_.view(); }

 private:
  friend class BlockIterator;
  Block(BlockBuffer contents, uint64_t file_offset, uint32_t restarts_offset,
        uint32_t num_restarts)
      : contents_(std::move(contents)),
        file_offset_(file_offset),
        restarts_offset_(restarts_offset),
        num_restarts_(num_restarts) {}

  BlockBuffer contents_;
  uint64_t file_offset_;
  uint32_t restarts_offset_;  // where the restart array starts
  uint32_t num_restarts_;
};

class BlockIterator final : public Iterator {
 public:
  // An invalid iterator; Init before use.
  BlockIterator() = default;
  // `block` must outlive the iterator (or the next Init); `file_name` is
  // kept by reference for error messages and must outlive it too.
  BlockIterator(const Block* block, KeyOrder order, std::string_view file_name) {
    Init(block, order, file_name);
  }
  void Init(const Block* block, KeyOrder order, std::string_view file_name);

  bool Valid() const override { return current_ < restarts_; }
  void SeekToFirst() override;
  void SeekToLast() override;
  void Seek(std::string_view target) override;
  // its[i]->Seek(targets[i]) for every i, the binary searches over the
  // restart points run in lockstep: each step first starts loading every
  // search's next restart entry, then compares them all, so a batch of
  // seeks in cold blocks waits for its misses together. The same result as
  // the seeks one by one.
  static void SeekAll(std::span<BlockIterator* const> its,
                      std::span<const std::string_view> targets);
  // At the first entry of restart point `index` (in a block with a restart
  // at every entry, as index blocks are, entry number `index`); invalid,
  // as past the last entry, when index >= the block's restart count.
  void SeekToRestartPoint(uint32_t index);
  void Next() override;
  void Prev() override;
  std::string_view key() const override {
    return key_in_buf_ ? std::string_view(key_buf_.data(), key_buf_.size()) : key_view_;
  }
  std::string_view value() const override { return value_; }
  absl::Status status() const override { return status_; }

 private:
  int Compare(std::string_view a, std::string_view b) const;
  // Seek's end: from restart `index`, the first entry >= target.
  void ScanFromRestart(uint32_t index, std::string_view target);
  // Offset of the entry that restart `index` points to.
  uint32_t RestartOffset(uint32_t index) const;
  void SeekToRestart(uint32_t index);
  // Decodes the entry at next_; false at the end or on corruption.
  bool ParseNext();
  // Decodes a restart entry's key in place (shared must be 0).
  bool RestartKey(uint32_t index, std::string_view* key);
  void MarkCorrupt(std::string_view what);
  void Invalidate() { current_ = restarts_; }
  // No current key (before parsing the first entry of a restart, or none).
  void ClearKey() {
    key_view_ = {};
    key_in_buf_ = false;
  }

  const char* data_ = nullptr;
  uint32_t restarts_ = 0;       // offset of the restart array; end of entries
  uint32_t num_restarts_ = 0;
  uint64_t block_offset_ = 0;
  KeyOrder order_ = KeyOrder::kBytewise;
  std::string_view file_name_;

  uint32_t current_ = 0;        // offset of the current entry
  uint32_t next_ = 0;           // offset just past it
  uint32_t restart_index_ = 0;  // restart block holding current_
  // The current key: whole in data_ (key_view_) or, when it shares a prefix
  // with the previous one, rebuilt in key_buf_, which holds keys of up to 64
  // bytes without a heap allocation. A flag rather than a view into key_buf_,
  // so that a copied iterator's key is its own.
  absl::InlinedVector<char, 64> key_buf_;
  std::string_view key_view_;
  bool key_in_buf_ = false;
  std::string_view value_;
  absl::Status status_;
};

// A move-only pin on an immutable T (a Block, a filter): either a handle on a
// block-cache entry or sole ownership when there is no cache.
template <typename T>
class Pinned {
 public:
  Pinned() = default;
  explicit Pinned(cache::Handle handle)
      : handle_(std::move(handle)), ptr_(handle_.As<T>()) {}
  explicit Pinned(std::unique_ptr<T> owned)
      : owned_(std::move(owned)), ptr_(owned_.get()) {}
  Pinned(Pinned&& o) noexcept
      : handle_(std::move(o.handle_)),
        owned_(std::move(o.owned_)),
        ptr_(std::exchange(o.ptr_, nullptr)) {}
  Pinned& operator=(Pinned&& o) noexcept {
    if (this != &o) {
      handle_ = std::move(o.handle_);
      owned_ = std::move(o.owned_);
      ptr_ = std::exchange(o.ptr_, nullptr);
    }
    return *this;
  }

  const T* get() const { return ptr_; }
  const T* operator->() const { return ptr_; }
  const T& operator*() const { return *ptr_; }
  explicit operator bool() const { return ptr_ != nullptr; }
  bool cached() const { return static_cast<bool>(handle_); }
  void Reset() {
    handle_.Reset();
    owned_.reset();
    ptr_ = nullptr;
  }

 private:
  cache::Handle handle_;
  std::unique_ptr<T> owned_;
  const T* ptr_ = nullptr;
};

using BlockRef = Pinned<Block>;

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_BLOCK_H_
