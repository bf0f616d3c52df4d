#include "layers/metrics_layer.h"

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "layers/metrics_format.h"
#include "layers/store_metrics.h"

namespace synapsed::storage::layers {
namespace {

// Times one operation and records it when done.
class OpTimer {
 public:
  OpTimer(StoreMetrics* metrics, Op op)
      : metrics_(metrics), op_(op), start_(std::chrono::steady_clock::now()) {}
  void Done(absl::StatusCode code, uint64_t bytes_in,
            uint64_t bytes_out = 0) const {
    const auto elapsed = std::chrono::steady_clock::now() - start_;
    metrics_->Record(
        op_, code, bytes_in, bytes_out,
        static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed)
                .count()));
  }

 private:
  StoreMetrics* const metrics_;
  const Op op_;
  const std::chrono::steady_clock::time_point start_;
};

// Counts the positioning calls of an iterator and the bytes it yields; its
// errors are counted once, when it is destroyed.
class MetricsIterator final : public Iterator {
 public:
  MetricsIterator(StoreMetrics* metrics, std::unique_ptr<Iterator> base)
      : metrics_(metrics), base_(std::move(base)) {}
  ~MetricsIterator() override {
    const absl::Status s = base_->status();
    if (!s.ok()) metrics_->RecordError(Op::kIterator, s.code());
  }

  bool Valid() const override { return base_->Valid(); }
  void SeekToFirst() override {
    Move(Op::kIteratorSeek, [&] { base_->SeekToFirst(); });
  }
  void SeekToLast() override {
    Move(Op::kIteratorSeek, [&] { base_->SeekToLast(); });
  }
  void Seek(std::string_view target) override {
    Move(
        Op::kIteratorSeek, [&] { base_->Seek(target); }, target.size());
  }
  void SeekForPrev(std::string_view target) override {
    Move(
        Op::kIteratorSeek, [&] { base_->SeekForPrev(target); }, target.size());
  }
  void Next() override {
    Move(Op::kIteratorNext, [&] { base_->Next(); });
  }
  void Prev() override {
    Move(Op::kIteratorNext, [&] { base_->Prev(); });
  }
  std::string_view key() const override { return base_->key(); }
  std::string_view value() const override { return base_->value(); }
  absl::Status status() const override { return base_->status(); }

 private:
  template <typename F>
  void Move(Op op, F&& move, uint64_t bytes_in = 0) {
    OpTimer t(metrics_, op);
    move();
    const uint64_t out =
        base_->Valid() ? base_->key().size() + base_->value().size() : 0;
    // An error that ends iteration is counted on the iterator, not here.
    t.Done(absl::StatusCode::kOk, bytes_in, out);
  }

  StoreMetrics* const metrics_;
  const std::unique_ptr<Iterator> base_;
};

// Creation is timed and counted; the iterator reports its own error when
// destroyed.
template <typename F>
std::unique_ptr<Iterator> TimedNewIterator(StoreMetrics* metrics, F&& make) {
  OpTimer t(metrics, Op::kIterator);
  std::unique_ptr<Iterator> base = make();
  t.Done(absl::StatusCode::kOk, 0);
  return std::make_unique<MetricsIterator>(metrics, std::move(base));
}

class MetricsTransaction final : public Transaction {
 public:
  MetricsTransaction(StoreMetrics* metrics, std::unique_ptr<Transaction> base)
      : metrics_(metrics), base_(std::move(base)) {}

  absl::Status Get(std::string_view key, std::string* value) override {
    OpTimer t(metrics_, Op::kTxnGet);
    absl::Status s = base_->Get(key, value);
    t.Done(s.code(), key.size(), s.ok() ? value->size() : 0);
    return s;
  }
  absl::Status GetForUpdate(std::string_view key, std::string* value) override {
    OpTimer t(metrics_, Op::kTxnGet);
    absl::Status s = base_->GetForUpdate(key, value);
    t.Done(s.code(), key.size(), s.ok() ? value->size() : 0);
    return s;
  }
  absl::Status Put(std::string_view key, std::string_view value) override {
    OpTimer t(metrics_, Op::kTxnPut);
    absl::Status s = base_->Put(key, value);
    t.Done(s.code(), key.size() + value.size());
    return s;
  }
  absl::Status Delete(std::string_view key) override {
    OpTimer t(metrics_, Op::kTxnDelete);
    absl::Status s = base_->Delete(key);
    t.Done(s.code(), key.size());
    return s;
  }
  std::unique_ptr<Iterator> NewIterator(const KeyRange& range) override {
    return TimedNewIterator(metrics_,
                            [&] { return base_->NewIterator(range); });
  }
  absl::Status Commit(const WriteOptions& options) override {
    OpTimer t(metrics_, Op::kTxnCommit);
    absl::Status s = base_->Commit(options);
    t.Done(s.code(), 0);
    return s;
  }
  absl::Status Rollback() override {
    OpTimer t(metrics_, Op::kTxnRollback);
    absl::Status s = base_->Rollback();
    t.Done(s.code(), 0);
    return s;
  }

 private:
  StoreMetrics* const metrics_;
  const std::unique_ptr<Transaction> base_;
};

class MetricsLayer final : public Store {
 public:
  MetricsLayer(std::unique_ptr<Store> base, const MetricsConfig& config)
      : base_(std::move(base)), config_(config) {}

  std::string Name() const override {
    return fmt::format("metrics({})", base_->Name());
  }

  absl::Status Get(const ReadOptions& options, std::string_view key,
                   PinnableValue* value) override {
    OpTimer t(&metrics_, Op::kGet);
    absl::Status s = base_->Get(options, key, value);
    t.Done(s.code(), key.size(), s.ok() ? value->size() : 0);
    return s;
  }
  absl::StatusOr<bool> Exists(const ReadOptions& options,
                              std::string_view key) override {
    OpTimer t(&metrics_, Op::kExists);
    absl::StatusOr<bool> r = base_->Exists(options, key);
    t.Done(r.status().code(), key.size());
    return r;
  }
  absl::Status Put(const WriteOptions& options, std::string_view key,
                   std::string_view value) override {
    OpTimer t(&metrics_, Op::kPut);
    absl::Status s = base_->Put(options, key, value);
    t.Done(s.code(), key.size() + value.size());
    return s;
  }
  absl::Status Delete(const WriteOptions& options,
                      std::string_view key) override {
    OpTimer t(&metrics_, Op::kDelete);
    absl::Status s = base_->Delete(options, key);
    t.Done(s.code(), key.size());
    return s;
  }
  absl::Status Write(const WriteOptions& options,
                     const WriteBatch& batch) override {
    OpTimer t(&metrics_, Op::kWrite);
    absl::Status s = base_->Write(options, batch);
    uint64_t in = 0;
    // Never fails for a batch built through WriteBatch's interface.
    (void)batch.Iterate([&](std::string_view k,
                            std::string_view v) { in += k.size() + v.size(); },
                        [&](std::string_view k) { in += k.size(); });
    t.Done(s.code(), in);
    return s;
  }
  absl::StatusOr<std::vector<std::optional<std::string>>> BatchGet(
      const ReadOptions& options,
      std::span<const std::string_view> keys) override {
    OpTimer t(&metrics_, Op::kBatchGet);
    auto r = base_->BatchGet(options, keys);
    uint64_t in = 0, out = 0;
    for (std::string_view k : keys) in += k.size();
    if (r.ok()) {
      for (const auto& v : *r) out += v ? v->size() : 0;
    }
    t.Done(r.status().code(), in, out);
    return r;
  }
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options,
                                        const KeyRange& range) override {
    return TimedNewIterator(&metrics_,
                            [&] { return base_->NewIterator(options, range); });
  }
  absl::StatusOr<SnapshotHandle> GetSnapshot() override {
    OpTimer t(&metrics_, Op::kSnapshot);
    auto r = base_->GetSnapshot();
    t.Done(r.status().code(), 0);
    return r;
  }
  absl::Status Flush() override {
    OpTimer t(&metrics_, Op::kFlush);
    absl::Status s = base_->Flush();
    t.Done(s.code(), 0);
    return s;
  }
  absl::Status CompactRange(std::optional<std::string_view> begin,
                            std::optional<std::string_view> end) override {
    OpTimer t(&metrics_, Op::kCompactRange);
    absl::Status s = base_->CompactRange(begin, end);
    t.Done(s.code(), 0);
    return s;
  }
  // Forwarded as is: a stream's reads are not store operations to count.
  absl::StatusOr<std::unique_ptr<ChangeStream>> Subscribe(
      const KeyRange& range, const SubscribeOptions& options) override {
    return base_->Subscribe(range, options);
  }
  absl::StatusOr<std::unique_ptr<Transaction>> BeginTransaction(
      const TransactionOptions& options) override {
    OpTimer t(&metrics_, Op::kTxnBegin);
    auto r = base_->BeginTransaction(options);
    t.Done(r.status().code(), 0);
    if (!r.ok()) return r.status();
    return std::unique_ptr<Transaction>(
        new MetricsTransaction(&metrics_, *std::move(r)));
  }
  absl::StatusOr<std::string> GetProperty(std::string_view name) override {
    if (name != "metrics" && name != "metrics.prometheus")
      return base_->GetProperty(name);
    const StoreMetrics::Snapshot ops = metrics_.Read();
    const std::string store_name = Name();
    MetricsView view{
        .store_name = store_name, .ops = &ops, .engine_json = std::nullopt};
    if (config_.engine_stats) {
      // Only stores that report JSON statistics (the native engine); any
      // other answer (NotFound, text) leaves the engine's numbers out.
      if (auto stats = base_->GetProperty("stats.json"); stats.ok()) {
        view.engine_json = *std::move(stats);
      }
    }
    // The value cache layer's counters, when one is below.
    if (auto cache = base_->GetProperty("cache.stats"); cache.ok()) {
      view.cache_stats = *std::move(cache);
    }
    return name == "metrics" ? MetricsToJson(view) : MetricsToPrometheus(view);
  }

 private:
  const std::unique_ptr<Store> base_;
  const MetricsConfig config_;
  StoreMetrics metrics_;
};

}  // namespace

std::unique_ptr<Store> NewMetricsLayer(std::unique_ptr<Store> base,
                                       const MetricsConfig& config) {
  return std::make_unique<MetricsLayer>(std::move(base), config);
}

}  // namespace synapsed::storage::layers
