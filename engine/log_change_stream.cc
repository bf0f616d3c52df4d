#include "engine/log_change_stream.h"

#include <atomic>
#include <utility>

#include "api/change_hub.h"
#include "api/write_batch_internal.h"
#include "engine/filenames.h"
#include "fmt/format.h"
#include "util/mutex.h"
#include "util/status_macros.h"
#include "wal/log_reader.h"

namespace synapsed::storage::engine {

namespace {

// Reads the records of the history's logs in order, as write batches.
class LogRecords {
 public:
  explicit LogRecords(const LogHistory* history) : history_(history) {}

  // False after the last record of the last log.
  absl::StatusOr<bool> Next(WriteBatch* batch) {
    std::string record;
    uint64_t offset = 0;
    while (true) {
      if (reader_ == nullptr) {
        if (next_log_ >= history_->logs.size()) return false;
        RETURN_IF_ERROR(Open(next_log_++));
      }
      ASSIGN_OR_RETURN(bool more, reader_->ReadRecord(&record, &offset));
      if (!more) {
        reader_.reset();
        continue;
      }
      if (absl::Status s = WriteBatchInternal::SetContents(batch, std::move(record)); !s.ok()) {
        return absl::DataLossError(
            fmt::format("{} at offset {}: {}", path_, offset, std::string(s.message())));
      }
      return true;
    }
  }

 private:
  absl::Status Open(size_t index) {
    const uint64_t number = history_->logs[index];
    path_ = LogFileName(history_->dir, number);
    ASSIGN_OR_RETURN(auto file, history_->fs->NewSequentialFile(path_));
    wal::LogReaderOptions ro;
    // The newest log may be the one being written: its end may be a record
    // half-way out. Every record a stream needs from it is whole.
    ro.last_log = index + 1 == history_->logs.size();
    cipher_.reset();
    if (history_->cipher_for) {
      ASSIGN_OR_RETURN(cipher_, history_->cipher_for(number));
      ro.cipher = cipher_.get();
    }
    reader_ = std::make_unique<wal::LogReader>(std::move(file), path_, number, ro);
    return absl::OkStatus();
  }

  const LogHistory* history_;
  size_t next_log_ = 0;
  std::string path_;
  std::shared_ptr<const crypto::FileCipher> cipher_;  // outlives reader_
  std::unique_ptr<wal::LogReader> reader_;
};

class LogChangeStream final : public ChangeStream {
 public:
  LogChangeStream(LogHistory history, KeyRange range, uint64_t from, uint64_t last_replayed,
                  std::shared_ptr<ChangeQueue> live, std::function<void()> unpin,
                  std::function<void()> on_close)
      : history_(std::move(history)),
        records_(&history_),
        range_(std::move(range)),
        from_(from),
        last_replayed_(last_replayed),
        live_(std::move(live)),
        unpin_(std::move(unpin)),
        on_close_(std::move(on_close)),
        resume_(from) {}

  ~LogChangeStream() override {
    live_->SetNotify(nullptr);
    FinishReplay();
    if (on_close_) on_close_();
  }

  absl::StatusOr<ChangeBatch> Next(absl::Duration timeout) override {
    const absl::Time deadline = absl::Now() + timeout;
    while (replaying_) {
      if (cancelled_.load(std::memory_order_acquire)) {
        return absl::CancelledError("change stream cancelled");
      }
      if (!error_.ok()) return error_;
      auto batch = ReplayOne();
      if (!batch.ok()) {
        error_ = batch.status();
        FinishReplay();
        live_->End(error_, /*discard=*/true);
        return error_;
      }
      if (batch->has_value()) {
        resume_.store((*batch)->next_sequence, std::memory_order_relaxed);
        if (!(*batch)->events.empty()) return std::move(**batch);
      }
      if (replaying_ && absl::Now() >= deadline) {
        Notify();
        return absl::DeadlineExceededError("no change within the timeout (replaying logs)");
      }
    }
    auto popped = live_->Pop(std::max(deadline - absl::Now(), absl::ZeroDuration()));
    if (!popped.ok()) return popped.status();
    if (!popped->has_value()) return absl::DeadlineExceededError("no change within the timeout");
    resume_.store((*popped)->next_sequence, std::memory_order_relaxed);
    return std::move(**popped);
  }

  void Cancel() override {
    cancelled_.store(true, std::memory_order_release);
    live_->End(absl::CancelledError("change stream cancelled"), /*discard=*/true);
  }

  uint64_t resume_sequence() const override { return resume_.load(std::memory_order_relaxed); }

  // A replay error ends the live queue too, so the queue tells it all.
  bool Ended() const override { return live_->ended(); }

  void SetNotify(std::function<void()> notify) override {
    {
      MutexLock l(&notify_mu_);
      notify_ = notify;
      if (notify_ && replaying_flag_.load(std::memory_order_acquire)) notify_();
    }
    live_->SetNotify(std::move(notify));
  }

 private:
  // One log record: nullopt if it lies before `from_`, else its events in
  // the range (possibly none). Ends replay after the last replayed sequence.
  absl::StatusOr<std::optional<ChangeBatch>> ReplayOne() {
    WriteBatch batch;
    ASSIGN_OR_RETURN(bool more, records_.Next(&batch));
    if (!more) {
      return absl::DataLossError(fmt::format(
          "the logs in {} end before sequence {}, which they should hold",
          history_.dir, expected_ == 0 ? from_ : expected_));
    }
    if (batch.Count() == 0) return std::nullopt;
    const uint64_t first = WriteBatchInternal::Sequence(batch);
    const uint64_t last = first + batch.Count() - 1;
    if (last < from_) return std::nullopt;
    if (expected_ == 0 ? first > from_ : first != expected_) {
      return absl::DataLossError(fmt::format(
          "the logs in {} skip from sequence {} to {}", history_.dir,
          expected_ == 0 ? from_ : expected_, first));
    }
    expected_ = last + 1;
    size_t bytes = 0;
    ChangeBatch out = FilterCommit(batch, first, range_, from_, &bytes);
    if (last >= last_replayed_) FinishReplay();
    return out;
  }

  void FinishReplay() {
    if (!replaying_) return;
    replaying_ = false;
    replaying_flag_.store(false, std::memory_order_release);
    if (unpin_) unpin_();
  }

  void Notify() {
    MutexLock l(&notify_mu_);
    if (notify_) notify_();
  }

  const LogHistory history_;
  LogRecords records_;
  const KeyRange range_;
  const uint64_t from_;
  const uint64_t last_replayed_;
  const std::shared_ptr<ChangeQueue> live_;
  std::function<void()> unpin_;
  std::function<void()> on_close_;
  std::atomic<uint64_t> resume_;
  std::atomic<bool> cancelled_{false};
  bool replaying_ = true;  // consumer thread only
  std::atomic<bool> replaying_flag_{true};  // replaying_ for SetNotify
  uint64_t expected_ = 0;  // the next record's first sequence (0: none read)
  absl::Status error_;
  Mutex notify_mu_;
  std::function<void()> notify_ ABSL_GUARDED_BY(notify_mu_);
};

}  // namespace

absl::StatusOr<std::optional<uint64_t>> OldestLoggedSequence(const LogHistory& history) {
  LogRecords records(&history);
  WriteBatch batch;
  while (true) {
    ASSIGN_OR_RETURN(bool more, records.Next(&batch));
    if (!more) return std::nullopt;
    if (batch.Count() > 0) return WriteBatchInternal::Sequence(batch);
  }
}

std::unique_ptr<ChangeStream> NewLogChangeStream(LogHistory history, KeyRange range,
                                                 uint64_t from, uint64_t last_replayed,
                                                 std::shared_ptr<ChangeQueue> live,
                                                 std::function<void()> unpin,
                                                 std::function<void()> on_close) {
  return std::make_unique<LogChangeStream>(std::move(history), std::move(range), from,
                                           last_replayed, std::move(live), std::move(unpin),
                                           std::move(on_close));
}

}  // namespace synapsed::storage::engine
