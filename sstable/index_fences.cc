#include "sstable/index_fences.h"

#include <algorithm>
#include <cstring>

#include "util/internal_key.h"

namespace synapsed::storage::sstable {
namespace {

// The 8 bytes of `user_key` after its first `skip`, zero-padded, as a
// big-endian integer: integers compare as the padded bytes do.
uint64_t FenceOf(std::string_view user_key, size_t skip) {
  unsigned char b[8] = {};
  std::memcpy(b, user_key.data() + skip, std::min<size_t>(8, user_key.size() - skip));
  uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return v;
}

}  // namespace

std::unique_ptr<IndexFences> IndexFences::Build(const Block& index) {
  std::unique_ptr<IndexFences> f(new IndexFences());
  std::vector<std::string_view> user_keys;
  BlockIterator it(&index, KeyOrder::kInternal, /*file_name=*/"");
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    std::string_view v = it.value();
    BlockHandle h;
    if (!BlockHandle::DecodeFrom(&v, &h) || !v.empty()) return nullptr;
    f->handles_.push_back(h);
    // With a restart at every entry no key shares bytes with the one
    // before, so the key is a view into the block itself.
    user_keys.push_back(ExtractUserKey(it.key()));
    f->last_key_.assign(it.key());
  }
  if (!it.status().ok() || user_keys.empty() ||
      user_keys.size() != index.num_restarts()) {
    return nullptr;
  }
  const size_t fenced = user_keys.size() - 1;
  if (fenced > 0) {
    std::string_view prefix = user_keys[0];
    for (size_t i = 1; i < fenced; ++i) {
      const std::string_view k = user_keys[i];
      size_t n = 0;
      while (n < prefix.size() && n < k.size() && prefix[n] == k[n]) ++n;
      prefix = prefix.substr(0, n);
    }
    f->prefix_.assign(prefix);
  }
  f->fences_.reserve(fenced);
  for (size_t i = 0; i < fenced; ++i) {
    f->fences_.push_back(FenceOf(user_keys[i], f->prefix_.size()));
    // Sorted keys give sorted fences; anything else is not a usable index.
    if (i > 0 && f->fences_[i] < f->fences_[i - 1]) return nullptr;
  }
  f->handles_.shrink_to_fit();
  return f;
}

bool IndexFences::EntryAtLeast(size_t ordinal, std::string_view target,
                               const Block& index) const {
  if (ordinal + 1 == handles_.size()) {
    return CompareInternalKeys(last_key_, target) >= 0;
  }
  BlockIterator it(&index, KeyOrder::kInternal, /*file_name=*/"");
  it.SeekToRestartPoint(static_cast<uint32_t>(ordinal));
  // Build decoded every entry, so this one decodes again.
  return it.Valid() && CompareInternalKeys(it.key(), target) >= 0;
}

size_t IndexFences::Find(std::string_view target, const Block& index) const {
  const std::string_view user_key = ExtractUserKey(target);
  const size_t fenced = fences_.size();
  size_t i = fenced;  // the first fenced entry not yet known to be smaller
  if (user_key.starts_with(prefix_)) {
    const uint64_t t = FenceOf(user_key, prefix_.size());
    i = static_cast<size_t>(std::lower_bound(fences_.begin(), fences_.end(), t) -
                            fences_.begin());
    // An equal fence says nothing about the bytes past it: compare whole.
    while (i < fenced && fences_[i] == t && !EntryAtLeast(i, target, index)) ++i;
  } else if (user_key < prefix_) {
    // Below every key that starts with the prefix.
    i = 0;
  }
  if (i < fenced) return i;
  // Every fenced entry is smaller; the last one decides.
  return EntryAtLeast(fenced, target, index) ? fenced : handles_.size();
}

}  // namespace synapsed::storage::sstable
