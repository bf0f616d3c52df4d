#include "api/change_hub.h"

#include <algorithm>
#include <string_view>

namespace synapsed::storage {

namespace {

struct RawEvent {
  uint64_t sequence;
  ChangeType type;
  std::string_view key;
  std::string_view value;
};

std::vector<RawEvent> Decode(const WriteBatch& batch, uint64_t first_sequence) {
  std::vector<RawEvent> events;
  events.reserve(batch.Count());
  uint64_t seq = first_sequence;
  // A batch built through WriteBatch, or checked by SetContents, iterates.
  (void)batch.Iterate(
      [&](std::string_view k, std::string_view v) {
        events.push_back({seq++, ChangeType::kPut, k, v});
      },
      [&](std::string_view k) { events.push_back({seq++, ChangeType::kDelete, k, {}}); });
  return events;
}

ChangeBatch Filter(const std::vector<RawEvent>& events, uint64_t next_sequence,
                   const KeyRange& range, uint64_t from, size_t* bytes) {
  ChangeBatch out;
  out.next_sequence = next_sequence;
  *bytes = 0;
  for (const RawEvent& e : events) {
    if (e.sequence < from || !range.Contains(e.key)) continue;
    out.events.push_back({e.sequence, e.type, std::string(e.key), std::string(e.value)});
    *bytes += e.key.size() + e.value.size();
  }
  return out;
}

}  // namespace

ChangeBatch FilterCommit(const WriteBatch& batch, uint64_t first_sequence,
                         const KeyRange& range, uint64_t from, size_t* bytes) {
  return Filter(Decode(batch, first_sequence), first_sequence + batch.Count(), range, from,
                bytes);
}

ChangeHub::ChangeHub(uint64_t last_sequence) : last_published_(last_sequence) {}

ChangeHub::~ChangeHub() {
  MutexLock l(&mu_);
  for (const auto& q : queues_) {
    q->End(absl::CancelledError("change stream ended: the store is closing"),
           /*discard=*/false);
  }
}

void ChangeHub::Publish(const WriteBatch& batch, uint64_t first_sequence) {
  if (batch.Empty()) return;
  MutexLock l(&mu_);
  last_published_ = first_sequence + batch.Count() - 1;
  if (queues_.empty()) return;
  const std::vector<RawEvent> events = Decode(batch, first_sequence);
  for (const auto& q : queues_) {
    if (q->ended()) continue;
    size_t bytes = 0;
    ChangeBatch b = Filter(events, last_published_ + 1, q->range(), q->from(), &bytes);
    if (!b.events.empty()) q->Offer(std::move(b), bytes, first_sequence);
  }
}

void ChangeHub::Skip(uint64_t last_sequence) {
  MutexLock l(&mu_);
  last_published_ = std::max(last_published_, last_sequence);
}

ChangeHub::Registration ChangeHub::Register(const KeyRange& range, uint64_t from,
                                            size_t max_bytes) {
  auto q = std::make_shared<ChangeQueue>(range, from, max_bytes);
  MutexLock l(&mu_);
  queues_.push_back(q);
  subscribers_.fetch_add(1, std::memory_order_release);
  return {std::move(q), last_published_};
}

void ChangeHub::Unregister(const ChangeQueue* queue) {
  MutexLock l(&mu_);
  auto it = std::find_if(queues_.begin(), queues_.end(),
                         [&](const auto& q) { return q.get() == queue; });
  if (it == queues_.end()) return;
  queues_.erase(it);
  subscribers_.fetch_sub(1, std::memory_order_release);
}

std::unique_ptr<ChangeStream> ChangeHub::SubscribeLive(const KeyRange& range,
                                                       uint64_t from, size_t max_bytes) {
  Registration r = Register(range, from, max_bytes);
  const uint64_t start = std::max(from, r.last_published + 1);
  ChangeQueue* q = r.queue.get();
  return NewLiveChangeStream(std::move(r.queue), start, [this, q] { Unregister(q); });
}

uint64_t ChangeHub::last_published() const {
  MutexLock l(&mu_);
  return last_published_;
}

}  // namespace synapsed::storage
