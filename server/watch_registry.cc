#include "server/watch_registry.h"

#include "absl/hash/hash.h"

namespace synapsed::storage::server {

size_t WatchRegistry::Stripe(std::string_view key) {
  return absl::Hash<absl::string_view>()(absl::string_view(key.data(), key.size())) % kStripes;
}

void WatchRegistry::Watch(Watcher* w, std::string_view key) {
  {
    MutexLock lock(&mu_);
    if (!by_key_[std::string(key)].insert(w).second) return;
    w->keys.emplace_back(key);
    watchers_.fetch_add(1, std::memory_order_seq_cst);
  }
  if (in_flight_[Stripe(key)].load(std::memory_order_seq_cst) > 0 ||
      all_in_flight_.load(std::memory_order_seq_cst) > 0) {
    w->dirty.store(true);
  }
}

void WatchRegistry::Unwatch(Watcher* w) {
  MutexLock lock(&mu_);
  for (const std::string& key : w->keys) {
    auto it = by_key_.find(key);
    if (it == by_key_.end()) continue;
    if (it->second.erase(w) > 0) watchers_.fetch_sub(1, std::memory_order_seq_cst);
    if (it->second.empty()) by_key_.erase(it);
  }
  w->keys.clear();
  w->dirty.store(false);
}

size_t WatchRegistry::watched_keys() const {
  MutexLock lock(&mu_);
  return by_key_.size();
}

void WatchRegistry::MarkWatchers(std::string_view key, const Watcher* self) {
  MutexLock lock(&mu_);
  auto it = by_key_.find(absl::string_view(key.data(), key.size()));
  if (it == by_key_.end()) return;
  for (Watcher* w : it->second) {
    if (w != self) w->dirty.store(true);
  }
}

void WatchRegistry::MarkAll() {
  MutexLock lock(&mu_);
  for (auto& [key, watchers] : by_key_) {
    for (Watcher* w : watchers) w->dirty.store(true);
  }
}

WatchRegistry::WriteIntent WatchRegistry::Intend(std::span<const std::string> keys,
                                                 const Watcher* self) {
  WriteIntent intent;
  intent.registry_ = this;
  intent.stripes_.reserve(keys.size());
  for (const std::string& key : keys) {
    const size_t s = Stripe(key);
    in_flight_[s].fetch_add(1, std::memory_order_seq_cst);
    intent.stripes_.push_back(s);
  }
  if (watchers_.load(std::memory_order_seq_cst) > 0) {
    for (const std::string& key : keys) MarkWatchers(key, self);
  }
  return intent;
}

WatchRegistry::WriteIntent WatchRegistry::Intend(std::string_view key) {
  const std::string k(key);
  return Intend(std::span<const std::string>(&k, 1));
}

WatchRegistry::WriteIntent WatchRegistry::IntendAll() {
  WriteIntent intent;
  intent.registry_ = this;
  intent.all_ = true;
  all_in_flight_.fetch_add(1, std::memory_order_seq_cst);
  if (watchers_.load(std::memory_order_seq_cst) > 0) MarkAll();
  return intent;
}

WatchRegistry::WriteIntent& WatchRegistry::WriteIntent::operator=(
    WriteIntent&& other) noexcept {
  if (this != &other) {
    Release();
    registry_ = std::exchange(other.registry_, nullptr);
    all_ = std::exchange(other.all_, false);
    stripes_ = std::move(other.stripes_);
    other.stripes_.clear();
  }
  return *this;
}

void WatchRegistry::WriteIntent::Release() {
  if (registry_ == nullptr) return;
  for (size_t s : stripes_) registry_->in_flight_[s].fetch_sub(1, std::memory_order_seq_cst);
  if (all_) registry_->all_in_flight_.fetch_sub(1, std::memory_order_seq_cst);
  registry_ = nullptr;
  stripes_.clear();
}

}  // namespace synapsed::storage::server
