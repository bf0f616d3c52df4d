#include "api/mapped_change_stream.h"

#include <algorithm>
#include <atomic>
#include <utility>

namespace synapsed::storage {

namespace {

class MappedChangeStream final : public ChangeStream {
 public:
  MappedChangeStream(std::unique_ptr<ChangeStream> inner, ChangeBatchMap map)
      : inner_(std::move(inner)), map_(std::move(map)), resume_(inner_->resume_sequence()) {}

  absl::StatusOr<ChangeBatch> Next(absl::Duration timeout) override {
    if (!error_.ok()) return error_;
    const absl::Time deadline = absl::Now() + timeout;
    while (true) {
      absl::StatusOr<ChangeBatch> batch =
          inner_->Next(std::max(deadline - absl::Now(), absl::ZeroDuration()));
      if (!batch.ok()) return batch.status();
      if (absl::Status s = map_(&*batch); !s.ok()) {
        error_ = s;
        return s;
      }
      // Skipped batches still move the resume point past them.
      resume_.store(batch->next_sequence, std::memory_order_relaxed);
      if (!batch->events.empty()) return batch;
    }
  }
  void Cancel() override { inner_->Cancel(); }
  bool Ended() const override { return inner_->Ended(); }
  uint64_t resume_sequence() const override { return resume_.load(std::memory_order_relaxed); }
  void SetNotify(std::function<void()> notify) override { inner_->SetNotify(std::move(notify)); }

 private:
  std::unique_ptr<ChangeStream> inner_;
  ChangeBatchMap map_;
  std::atomic<uint64_t> resume_;
  absl::Status error_;
};

}  // namespace

std::unique_ptr<ChangeStream> NewMappedChangeStream(std::unique_ptr<ChangeStream> inner,
                                                    ChangeBatchMap map) {
  return std::make_unique<MappedChangeStream>(std::move(inner), std::move(map));
}

std::unique_ptr<ChangeStream> NewValueDecodingChangeStream(std::unique_ptr<ChangeStream> inner,
                                                           ChangeValueDecoder decode) {
  return NewMappedChangeStream(
      std::move(inner), [decode = std::move(decode)](ChangeBatch* batch) -> absl::Status {
        for (ChangeEvent& e : batch->events) {
          if (e.type != ChangeType::kPut) continue;
          absl::StatusOr<std::string> v = decode(e.key, e.value);
          if (!v.ok()) return v.status();
          e.value = *std::move(v);
        }
        return absl::OkStatus();
      });
}

}  // namespace synapsed::storage
