#include "api/change_queue.h"

#include <atomic>
#include <utility>

#include "fmt/format.h"

namespace synapsed::storage {

void ChangeQueue::Offer(ChangeBatch batch, size_t bytes, uint64_t commit_sequence) {
  MutexLock l(&mu_);
  if (!end_.ok()) return;
  // One batch larger than the bound alone still goes through, or it could
  // never be delivered at all.
  if (!queue_.empty() && bytes_ + bytes > max_bytes_) {
    end_ = absl::ResourceExhaustedError(fmt::format(
        "change stream fell behind; resume from sequence {} (the consumer left more "
        "than {} bytes queued)",
        commit_sequence, max_bytes_));
  } else {
    bytes_ += bytes;
    queue_.emplace_back(std::move(batch), bytes);
  }
  cv_.SignalAll();
  NotifyLocked();
}

void ChangeQueue::End(absl::Status status, bool discard) {
  MutexLock l(&mu_);
  if (discard) {
    queue_.clear();
    bytes_ = 0;
  }
  if (!end_.ok()) return;
  end_ = std::move(status);
  cv_.SignalAll();
  NotifyLocked();
}

bool ChangeQueue::ended() const {
  MutexLock l(&mu_);
  return !end_.ok();
}

bool ChangeQueue::Ready() const {
  MutexLock l(&mu_);
  return !queue_.empty() || !end_.ok();
}

absl::StatusOr<std::optional<ChangeBatch>> ChangeQueue::Pop(absl::Duration timeout) {
  MutexLock l(&mu_);
  const absl::Time deadline = absl::Now() + timeout;
  while (queue_.empty() && end_.ok()) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return std::nullopt;
    cv_.WaitWithTimeout(&mu_, left);
  }
  if (queue_.empty()) return end_;
  ChangeBatch batch = std::move(queue_.front().first);
  bytes_ -= queue_.front().second;
  queue_.pop_front();
  return batch;
}

void ChangeQueue::SetNotify(std::function<void()> notify) {
  MutexLock l(&mu_);
  notify_ = std::move(notify);
  if (!queue_.empty() || !end_.ok()) NotifyLocked();
}

namespace {

class LiveChangeStream final : public ChangeStream {
 public:
  LiveChangeStream(std::shared_ptr<ChangeQueue> queue, uint64_t start,
                   std::function<void()> on_close)
      : queue_(std::move(queue)), resume_(start), on_close_(std::move(on_close)) {}
  ~LiveChangeStream() override {
    queue_->SetNotify(nullptr);
    if (on_close_) on_close_();
  }

  absl::StatusOr<ChangeBatch> Next(absl::Duration timeout) override {
    auto popped = queue_->Pop(timeout);
    if (!popped.ok()) return popped.status();
    if (!popped->has_value()) {
      return absl::DeadlineExceededError("no change within the timeout");
    }
    resume_.store(popped->value().next_sequence, std::memory_order_relaxed);
    return std::move(**popped);
  }
  void Cancel() override {
    queue_->End(absl::CancelledError("change stream cancelled"), /*discard=*/true);
  }
  bool Ended() const override { return queue_->ended(); }
  uint64_t resume_sequence() const override {
    // A stream that fell behind resumes where its consumer is: the batches
    // before the end were all delivered by the time Next returns the end.
    return resume_.load(std::memory_order_relaxed);
  }
  void SetNotify(std::function<void()> notify) override {
    queue_->SetNotify(std::move(notify));
  }

 private:
  const std::shared_ptr<ChangeQueue> queue_;
  std::atomic<uint64_t> resume_;
  std::function<void()> on_close_;
};

}  // namespace

std::unique_ptr<ChangeStream> NewLiveChangeStream(std::shared_ptr<ChangeQueue> queue,
                                                  uint64_t start,
                                                  std::function<void()> on_close) {
  return std::make_unique<LiveChangeStream>(std::move(queue), start, std::move(on_close));
}

}  // namespace synapsed::storage
