#include "layers/cache_layer.h"

#include <atomic>
#include <bitset>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "api/write_batch_internal.h"
#include "cache/arc_cache.h"
#include "cache/cache.h"
#include "cache/lfu_cache.h"
#include "cache/lru_cache.h"
#include "fmt/format.h"
#include "util/checksum.h"
#include "util/mutex.h"
#include "util/status_macros.h"

namespace synapsed::storage {
namespace {

// One cached value and when it stops being served.
class CachedValue final : public cache::CacheValue {
 public:
  CachedValue(std::string_view value, absl::Time expires)
      : value_(value), expires_(expires) {}
  std::string_view value() const { return value_; }
  absl::Time expires() const { return expires_; }

 private:
  const std::string value_;
  const absl::Time expires_;
};

// Keeps a cache entry pinned, and the cache alive, for a PinnableValue.
class HandlePin final : public PinnableValue::Pin {
 public:
  HandlePin(std::shared_ptr<cache::Cache> cache, cache::Handle handle)
      : cache_(std::move(cache)), handle_(std::move(handle)) {}

 private:
  // Declared first, destroyed last: the handle is released into a live cache.
  std::shared_ptr<cache::Cache> cache_;
  cache::Handle handle_;
};

// Entries below which one shard would be too small to behave like the policy.
constexpr size_t kMinEntriesPerShard = 256;
constexpr int kMaxShardBits = 4;
constexpr size_t kStripes = 64;

std::shared_ptr<cache::Cache> MakeCache(const CacheConfig& config) {
  int bits = 0;
  while (bits < kMaxShardBits &&
         (config.max_entries >> (bits + 1)) >= kMinEntriesPerShard) {
    ++bits;
  }
  const cache::CacheOptions options{.capacity = config.max_entries,
                                    .num_shard_bits = bits};
  switch (config.policy) {
    case CacheConfig::Policy::kLru:
      return cache::NewLruCache(options);
    case CacheConfig::Policy::kLfu:
      return cache::NewLfuCache(options);
    case CacheConfig::Policy::kArc:
      break;
  }
  return cache::NewArcCache(options);
}

// No TTL, or one beyond any process lifetime (which absl::Seconds, taking
// an int64, could not represent), never expires.
absl::Duration TtlOf(const CacheConfig& config) {
  constexpr uint64_t kForever = uint64_t{1} << 40;  // ~35,000 years
  if (!config.ttl_seconds || *config.ttl_seconds >= kForever) {
    return absl::InfiniteDuration();
  }
  return absl::Seconds(static_cast<int64_t>(*config.ttl_seconds));
}

std::string_view PolicyName(CacheConfig::Policy p) {
  switch (p) {
    case CacheConfig::Policy::kLru:
      return "lru";
    case CacheConfig::Policy::kLfu:
      return "lfu";
    case CacheConfig::Policy::kArc:
      break;
  }
  return "arc";
}

class CacheLayer;

// Marks the stripes of the keys a write touches for its whole duration and
// erases the keys from the cache before the backend is written (see the
// header's "Consistency").
class WriteGuard {
 public:
  WriteGuard(CacheLayer* layer, const std::vector<std::string_view>& keys);
  ~WriteGuard();
  WriteGuard(const WriteGuard&) = delete;
  WriteGuard& operator=(const WriteGuard&) = delete;

 private:
  CacheLayer* const layer_;
  std::bitset<kStripes> stripes_;
};

// A transaction of the backend; its commit invalidates the keys it wrote.
class CacheLayerTransaction final : public Transaction {
 public:
  CacheLayerTransaction(CacheLayer* layer, std::unique_ptr<Transaction> base)
      : layer_(layer), base_(std::move(base)) {}

  absl::Status Get(std::string_view key, std::string* value) override {
    return base_->Get(key, value);
  }
  absl::Status GetForUpdate(std::string_view key, std::string* value) override {
    return base_->GetForUpdate(key, value);
  }
  absl::Status Put(std::string_view key, std::string_view value) override {
    RETURN_IF_ERROR(base_->Put(key, value));
    written_.emplace(key);
    return absl::OkStatus();
  }
  absl::Status Delete(std::string_view key) override {
    RETURN_IF_ERROR(base_->Delete(key));
    written_.emplace(key);
    return absl::OkStatus();
  }
  std::unique_ptr<Iterator> NewIterator(const KeyRange& range) override {
    return base_->NewIterator(range);
  }
  absl::Status Commit(const WriteOptions& options) override {
    std::vector<std::string_view> keys(written_.begin(), written_.end());
    WriteGuard guard(layer_, keys);
    return base_->Commit(options);
  }
  absl::Status Rollback() override { return base_->Rollback(); }

 private:
  CacheLayer* const layer_;
  const std::unique_ptr<Transaction> base_;
  std::set<std::string, std::less<>> written_;
};

class CacheLayer final : public Store {
 public:
  CacheLayer(std::unique_ptr<Store> base, const CacheConfig& config,
             std::function<absl::Time()> now)
      : base_(std::move(base)),
        config_(config),
        now_(std::move(now)),
        ttl_(TtlOf(config)),
        cache_(MakeCache(config)),
        stripes_(new Stripe[kStripes]) {}

  std::string Name() const override {
    return fmt::format("cache({})", base_->Name());
  }

  absl::Status Get(const ReadOptions& options, std::string_view key,
                   PinnableValue* value) override {
    if (options.snapshot != nullptr) return base_->Get(options, key, value);
    if (cache::Handle h = cache_->Lookup(key)) {
      const auto* cached = h.As<CachedValue>();
      if (ttl_ == absl::InfiniteDuration() || now_() < cached->expires()) {
        hits_.fetch_add(1, std::memory_order_relaxed);
        value->PinSlice(cached->value(),
                        std::make_unique<HandlePin>(cache_, std::move(h)));
        return absl::OkStatus();
      }
      expired_.fetch_add(1, std::memory_order_relaxed);
    }
    misses_.fetch_add(1, std::memory_order_relaxed);
    Stripe& stripe = StripeFor(key);
    bool may_fill = options.fill_cache;
    uint64_t epoch = 0;
    if (may_fill) {
      MutexLock lock(&stripe.mu);
      may_fill = stripe.writers == 0;
      epoch = stripe.epoch;
    }
    RETURN_IF_ERROR(base_->Get(options, key, value));
    if (may_fill) {
      const absl::Time expires = ttl_ == absl::InfiniteDuration()
                                     ? absl::InfiniteFuture()
                                     : now_() + ttl_;
      MutexLock lock(&stripe.mu);
      if (stripe.epoch == epoch && stripe.writers == 0) {
        // Never fails: the cache is not strict about capacity.
        (void)cache_->Insert(
            key, std::make_unique<CachedValue>(value->view(), expires), 1);
        fills_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    return absl::OkStatus();
  }

  absl::Status Put(const WriteOptions& options, std::string_view key,
                   std::string_view value) override {
    WriteGuard guard(this, {key});
    return base_->Put(options, key, value);
  }
  absl::Status Delete(const WriteOptions& options,
                      std::string_view key) override {
    WriteGuard guard(this, {key});
    return base_->Delete(options, key);
  }
  absl::Status Write(const WriteOptions& options,
                     const WriteBatch& batch) override {
    ASSIGN_OR_RETURN(const std::vector<std::string_view> keys,
                     WriteBatchInternal::Keys(batch));
    WriteGuard guard(this, keys);
    return base_->Write(options, batch);
  }
  absl::StatusOr<bool> Exists(const ReadOptions& options,
                              std::string_view key) override {
    return Storage::Exists(options, key);  // through Get, so through the cache
  }
  absl::Status Flush() override { return base_->Flush(); }
  absl::StatusOr<SnapshotHandle> GetSnapshot() override {
    return base_->GetSnapshot();
  }
  absl::StatusOr<std::vector<std::optional<std::string>>> BatchGet(
      const ReadOptions& options,
      std::span<const std::string_view> keys) override {
    // One consistent read: cached values of different ages could mix.
    return base_->BatchGet(options, keys);
  }
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options,
                                        const KeyRange& range) override {
    return base_->NewIterator(options, range);
  }
  absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction(
      const TransactionOptions& options) override {
    ASSIGN_OR_RETURN(std::unique_ptr<Transaction> txn,
                     base_->BeginTransaction(options));
    return std::unique_ptr<Transaction>(
        new CacheLayerTransaction(this, std::move(txn)));
  }
  // Compaction changes no value, so cached entries stay valid.
  absl::Status CompactRange(std::optional<std::string_view> begin,
                            std::optional<std::string_view> end) override {
    return base_->CompactRange(begin, end);
  }
  // Events come from the store below; the cache has nothing to add to them.
  absl::StatusOr<std::unique_ptr<ChangeStream>> Subscribe(
      const KeyRange& range, const SubscribeOptions& options) override {
    return base_->Subscribe(range, options);
  }
  absl::StatusOr<std::string> GetProperty(std::string_view name) override {
    if (name != "cache.stats") return base_->GetProperty(name);
    return fmt::format(
        "policy={} max_entries={} entries={} hits={} misses={} expired={} "
        "fills={} invalidations={}",
        PolicyName(config_.policy), config_.max_entries, cache_->Usage(),
        hits_.load(), misses_.load(), expired_.load(), fills_.load(),
        invalidations_.load());
  }

 private:
  friend class WriteGuard;

  struct alignas(64) Stripe {
    Mutex mu;
    uint64_t epoch ABSL_GUARDED_BY(mu) = 0;    // +1 at every write start
    uint32_t writers ABSL_GUARDED_BY(mu) = 0;  // writes in progress
  };
  size_t StripeIndex(std::string_view key) const {
    return Hash64(key) % kStripes;
  }
  Stripe& StripeFor(std::string_view key) { return stripes_[StripeIndex(key)]; }

  const std::unique_ptr<Store> base_;
  const CacheConfig config_;
  const std::function<absl::Time()> now_;
  const absl::Duration ttl_;
  const std::shared_ptr<cache::Cache> cache_;
  const std::unique_ptr<Stripe[]> stripes_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<uint64_t> expired_{0};
  std::atomic<uint64_t> fills_{0};
  std::atomic<uint64_t> invalidations_{0};
};

WriteGuard::WriteGuard(CacheLayer* layer,
                       const std::vector<std::string_view>& keys)
    : layer_(layer) {
  for (std::string_view key : keys) {
    const size_t i = layer_->StripeIndex(key);
    CacheLayer::Stripe& stripe = layer_->stripes_[i];
    MutexLock lock(&stripe.mu);
    if (!stripes_.test(i)) {
      stripes_.set(i);
      ++stripe.writers;
    }
    ++stripe.epoch;
    layer_->cache_->Erase(key);
  }
  layer_->invalidations_.fetch_add(keys.size(), std::memory_order_relaxed);
}

WriteGuard::~WriteGuard() {
  for (size_t i = 0; i < kStripes; ++i) {
    if (!stripes_.test(i)) continue;
    CacheLayer::Stripe& stripe = layer_->stripes_[i];
    MutexLock lock(&stripe.mu);
    --stripe.writers;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> NewCacheLayer(
    std::unique_ptr<Store> base, const CacheConfig& config,
    std::function<absl::Time()> now) {
  if (config.max_entries == 0) {
    return absl::InvalidArgumentError(
        "cache.max_entries must be at least 1 (leave \"cache\" unset for no "
        "value cache)");
  }
  if (!now) now = absl::Now;
  return std::unique_ptr<Store>(
      new CacheLayer(std::move(base), config, std::move(now)));
}

}  // namespace synapsed::storage
