#include "sstable/block.h"

#include <algorithm>

#include "absl/container/inlined_vector.h"
#include "fmt/format.h"
#include "util/coding.h"
#include "util/internal_key.h"

namespace synapsed::storage::sstable {

absl::StatusOr<std::unique_ptr<Block>> Block::Create(BlockBuffer contents,
                                                     std::string_view file_name,
                                                     uint64_t file_offset) {
  const size_t size = contents.size();
  if (size < sizeof(uint32_t)) {
    return CorruptionError(file_name, file_offset, "block too short");
  }
  const char* data = contents.data();
  const uint32_t num = DecodeFixed32(data + size - 4);
  if (num == 0 || num > (size - 4) / 4) {
    return CorruptionError(file_name, file_offset,
                           fmt::format("bad restart count {}", num));
  }
  const uint32_t restarts_offset =
      static_cast<uint32_t>(size - 4 - size_t{num} * 4);
  // Restarts start at 0, strictly increase and point inside the entries
  // (an empty block has the single restart 0 == restarts_offset). Checked
  // once here so the iterator can trust the order.
  uint32_t prev = 0;
  for (uint32_t i = 0; i < num; ++i) {
    const uint32_t r = DecodeFixed32(data + restarts_offset + 4 * i);
    const bool ok = (i == 0) ? (r == 0 && (restarts_offset > 0 || num == 1))
                             : (r > prev && r < restarts_offset);
    if (!ok) {
      return CorruptionError(file_name, file_offset,
                             fmt::format("bad restart point {} ({})", i, r));
    }
    prev = r;
  }
  return std::unique_ptr<Block>(
      new Block(std::move(contents), file_offset, restarts_offset, num));
}

void BlockIterator::Init(const Block* block, KeyOrder order,
                         std::string_view file_name) {
  data_ = block->contents_.data();
  restarts_ = block->restarts_offset_;
  num_restarts_ = block->num_restarts_;
  block_offset_ = block->file_offset_;
  order_ = order;
  file_name_ = file_name;
  status_ = absl::OkStatus();
  ClearKey();
  value_ = {};
  restart_index_ = 0;
  next_ = 0;
  Invalidate();
}

int BlockIterator::Compare(std::string_view a, std::string_view b) const {
  return order_ == KeyOrder::kInternal ? CompareInternalKeys(a, b)
                                       : a.compare(b);
}

uint32_t BlockIterator::RestartOffset(uint32_t index) const {
  return DecodeFixed32(data_ + restarts_ + 4 * size_t{index});
}

void BlockIterator::MarkCorrupt(std::string_view what) {
  if (status_.ok()) {
    status_ = CorruptionError(file_name_, block_offset_,
                              fmt::format("corrupt block entry ({})", what));
  }
  ClearKey();
  value_ = {};
  Invalidate();
}

void BlockIterator::SeekToRestart(uint32_t index) {
  restart_index_ = index;
  ClearKey();
  next_ = RestartOffset(index);
}

namespace {
// Decodes the three entry varints; the common one-byte case skips the loop.
inline const char* DecodeEntry(const char* p, const char* limit,
                               uint32_t* shared, uint32_t* unshared,
                               uint32_t* value_len) {
  if (limit - p < 3) return nullptr;
  *shared = static_cast<uint8_t>(p[0]);
  *unshared = static_cast<uint8_t>(p[1]);
  *value_len = static_cast<uint8_t>(p[2]);
  if ((*shared | *unshared | *value_len) < 128) {
    p += 3;
  } else {
    if ((p = GetVarint32Ptr(p, limit, shared)) == nullptr) return nullptr;
    if ((p = GetVarint32Ptr(p, limit, unshared)) == nullptr) return nullptr;
    if ((p = GetVarint32Ptr(p, limit, value_len)) == nullptr) return nullptr;
  }
  if (static_cast<size_t>(limit - p) < size_t{*unshared} + *value_len) {
    return nullptr;
  }
  return p;
}
}  // namespace

bool BlockIterator::ParseNext() {
  current_ = next_;
  if (current_ >= restarts_) {
    Invalidate();
    return false;
  }
  const char* limit = data_ + restarts_;
  uint32_t shared, unshared, value_len;
  const char* p =
      DecodeEntry(data_ + current_, limit, &shared, &unshared, &value_len);
  if (p == nullptr) {
    MarkCorrupt("entry overruns the block");
    return false;
  }
  if (shared > key().size()) {
    MarkCorrupt("shared prefix longer than the previous key");
    return false;
  }
  if (shared == 0) {
    key_view_ = std::string_view(p, unshared);
    key_in_buf_ = false;
  } else {
    if (key_in_buf_) {
      key_buf_.resize(shared);
    } else {
      key_buf_.assign(key_view_.data(), key_view_.data() + shared);
    }
    key_buf_.insert(key_buf_.end(), p, p + unshared);
    key_in_buf_ = true;
  }
  if (order_ == KeyOrder::kInternal && key().size() < 8) {
    MarkCorrupt("internal key shorter than 8 bytes");
    return false;
  }
  value_ = std::string_view(p + unshared, value_len);
  next_ = static_cast<uint32_t>(p + unshared + value_len - data_);
  while (restart_index_ + 1 < num_restarts_ &&
         RestartOffset(restart_index_ + 1) <= current_) {
    ++restart_index_;
  }
  return true;
}

bool BlockIterator::RestartKey(uint32_t index, std::string_view* key) {
  const uint32_t offset = RestartOffset(index);
  uint32_t shared, unshared, value_len;
  const char* p = DecodeEntry(data_ + offset, data_ + restarts_, &shared,
                              &unshared, &value_len);
  if (p == nullptr || shared != 0) {
    MarkCorrupt("bad restart entry");
    return false;
  }
  *key = std::string_view(p, unshared);
  if (order_ == KeyOrder::kInternal && key->size() < 8) {
    MarkCorrupt("internal key shorter than 8 bytes");
    return false;
  }
  return true;
}

void BlockIterator::SeekToFirst() {
  if (!status_.ok() || data_ == nullptr) return Invalidate();
  SeekToRestart(0);
  ParseNext();
}

void BlockIterator::SeekToLast() {
  if (!status_.ok() || data_ == nullptr) return Invalidate();
  SeekToRestart(num_restarts_ - 1);
  while (ParseNext() && next_ < restarts_) {
  }
}

void BlockIterator::SeekToRestartPoint(uint32_t index) {
  if (!status_.ok() || data_ == nullptr || index >= num_restarts_) {
    return Invalidate();
  }
  SeekToRestart(index);
  ParseNext();
}

void BlockIterator::Seek(std::string_view target) {
  if (!status_.ok() || data_ == nullptr) return Invalidate();
  // Find the last restart whose key is < target; entries before it are all
  // smaller than target.
  uint32_t left = 0;
  uint32_t right = num_restarts_ - 1;
  while (left < right) {
    const uint32_t mid = left + (right - left + 1) / 2;
    std::string_view k;
    if (!RestartKey(mid, &k)) return;
    if (Compare(k, target) < 0) {
      left = mid;
    } else {
      right = mid - 1;
    }
  }
  ScanFromRestart(left, target);
}

void BlockIterator::ScanFromRestart(uint32_t index, std::string_view target) {
  SeekToRestart(index);
  // The scan reads the restart's run of entries in order: start loading all
  // of its lines now rather than one miss per entry.
  {
    const uint32_t begin = next_;
    uint32_t end = index + 1 < num_restarts_ ? RestartOffset(index + 1) : restarts_;
    end = std::min(end, restarts_);
    for (uint32_t off = begin; off < end; off += 64) __builtin_prefetch(data_ + off);
  }
  while (ParseNext()) {
    if (Compare(key(), target) >= 0) return;
  }
}

void BlockIterator::SeekAll(std::span<BlockIterator* const> its,
                            std::span<const std::string_view> targets) {
  // Per search: [left, right] as in Seek; searching while left < right.
  struct Range {
    uint32_t left = 0;
    uint32_t right = 0;
  };
  absl::InlinedVector<Range, 32> ranges(its.size());
  for (size_t i = 0; i < its.size(); ++i) {
    BlockIterator* it = its[i];
    if (!it->status_.ok() || it->data_ == nullptr) {
      it->Invalidate();
      continue;
    }
    ranges[i].right = it->num_restarts_ - 1;
  }
  auto mid = [](const Range& r) { return r.left + (r.right - r.left + 1) / 2; };
  bool searching = true;
  while (searching) {
    searching = false;
    for (size_t i = 0; i < its.size(); ++i) {
      if (ranges[i].left < ranges[i].right) {
        __builtin_prefetch(its[i]->data_ + its[i]->restarts_ + 4 * size_t{mid(ranges[i])});
      }
    }
    for (size_t i = 0; i < its.size(); ++i) {
      if (ranges[i].left < ranges[i].right) {
        const uint32_t offset = its[i]->RestartOffset(mid(ranges[i]));
        if (offset < its[i]->restarts_) __builtin_prefetch(its[i]->data_ + offset);
      }
    }
    for (size_t i = 0; i < its.size(); ++i) {
      Range& r = ranges[i];
      if (r.left >= r.right) continue;
      BlockIterator* it = its[i];
      const uint32_t m = mid(r);
      std::string_view k;
      if (!it->RestartKey(m, &k)) {
        r = Range{};  // corrupt: the iterator is invalid with its status
        continue;
      }
      if (it->Compare(k, targets[i]) < 0) {
        r.left = m;
      } else {
        r.right = m - 1;
      }
      searching = searching || r.left < r.right;
    }
  }
  for (size_t i = 0; i < its.size(); ++i) {
    BlockIterator* it = its[i];
    if (!it->status_.ok() || it->data_ == nullptr) continue;
    it->ScanFromRestart(ranges[i].left, targets[i]);
  }
}

void BlockIterator::Next() {
  ParseNext();
}

void BlockIterator::Prev() {
  const uint32_t original = current_;
  while (RestartOffset(restart_index_) >= original) {
    if (restart_index_ == 0) {
      // Before the first entry.
      ClearKey();
      value_ = {};
      next_ = restarts_;
      return Invalidate();
    }
    --restart_index_;
  }
  SeekToRestart(restart_index_);
  // Each parsed entry starts before `original`, so Prev always moves back.
  while (ParseNext() && next_ < original) {
  }
}

}  // namespace synapsed::storage::sstable
