// BlockBuilder: lays out one block of sorted entries with prefix-compressed
// keys and a restart array (docs/format/sstable.md, "Blocks"). Used for data,
// index, properties and meta-index blocks.
//
//   block   := entry* restart* num_restarts
//   entry   := shared (varint32) | unshared (varint32) | value_len (varint32)
//              | key_delta[unshared] | value[value_len]
//   restart := fixed32 offset of an entry whose shared == 0
//   num_restarts := fixed32 (>= 1)
//
// Not thread-safe; one builder per table being written.
#ifndef SYNAPSED_SSTABLE_BLOCK_BUILDER_H_
#define SYNAPSED_SSTABLE_BLOCK_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace synapsed::storage::sstable {

class BlockBuilder {
 public:
  // REQUIRES: restart_interval >= 1.
  explicit BlockBuilder(int restart_interval);

  // REQUIRES: Finish() not called since the last Reset(); `key` sorts after
  // every key added before (the caller checks the order).
  void Add(std::string_view key, std::string_view value);
  // Appends the restart array and returns the block's contents, valid until
  // Reset() or destruction.
  std::string_view Finish();
  void Reset();

  // Size of the block if finished now.
  size_t EstimatedSize() const {
    if (finished_) return buffer_.size();
    return buffer_.size() + (restarts_.size() + 1) * sizeof(uint32_t);
  }
  bool empty() const { return counter_ == 0 && buffer_.empty(); }
  size_t num_restarts() const { return restarts_.size(); }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;  // entries since the last restart
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_BLOCK_BUILDER_H_
