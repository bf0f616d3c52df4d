#include "backends/distributed_iterator.h"

#include <optional>
#include <string>
#include <vector>

#include "backends/range_command.h"
#include "fmt/format.h"
#include "synapsed/storage/storage.h"

namespace synapsed::storage {
namespace {

// One partition's keys, a page at a time, in one direction.
class PartitionCursor {
 public:
  PartitionCursor(ClusterClient* client, uint16_t slot, const KeyRange* range)
      : client_(client), slot_(slot), range_(range) {}

  // Reads the first page from `from` (nullopt: the range's end on that
  // side); `exclusive` leaves `from` itself out.
  absl::Status Seek(Direction direction, std::optional<std::string> from, bool exclusive) {
    direction_ = direction;
    page_.clear();
    pos_ = 0;
    exhausted_ = false;
    return Fetch(std::move(from), exclusive);
  }

  bool Valid() const { return pos_ < page_.size(); }
  const KeyValue& head() const { return page_[pos_]; }

  absl::Status Advance() {
    if (++pos_ < page_.size() || exhausted_) return absl::OkStatus();
    std::string last = std::move(page_.back().key);
    page_.clear();
    pos_ = 0;
    return Fetch(std::move(last), /*exclusive=*/true);
  }

 private:
  absl::Status Fetch(std::optional<std::string> from, bool exclusive) {
    const bool forward = direction_ == Direction::kForward;
    // SYNAPSED.RANGE bounds: "-", "+", "[key" or "(key".
    std::string min = range_->start ? "[" + *range_->start : "-";
    std::string max = range_->end ? "(" + *range_->end : "+";
    if (from) {
      std::string& bound = forward ? min : max;
      const bool inside = forward ? (!range_->start || *from >= *range_->start)
                                  : (!range_->end || *from < *range_->end);
      if (inside) bound = (exclusive ? "(" : "[") + *from;
    }
    const std::string slot = std::to_string(slot_);
    const std::string count = std::to_string(kDistributedPageSize);
    ClusterClient::Command command = {"SYNAPSED.RANGE", slot, min, max, count};
    if (!forward) command.push_back("REV");
    absl::StatusOr<RespReply> reply = client_->Call(slot_, command);
    if (!reply.ok()) return reply.status();
    if (reply->is_error()) return ReplyStatus(*reply, "SYNAPSED.RANGE");
    if (reply->type != RespReply::Type::kArray || reply->elements.size() % 2 != 0 ||
        reply->elements.size() > 2 * kDistributedPageSize) {
      return absl::InternalError(
          fmt::format("SYNAPSED.RANGE on slot {}: expected an array of key, value pairs, got {}",
                      slot_, reply->ToString().substr(0, 200)));
    }
    size_t bytes = 0;
    for (size_t i = 0; i < reply->elements.size(); i += 2) {
      RespReply& k = reply->elements[i];
      RespReply& v = reply->elements[i + 1];
      if (k.type != RespReply::Type::kBulk || v.type != RespReply::Type::kBulk) {
        return absl::InternalError(
            fmt::format("SYNAPSED.RANGE on slot {}: a pair that is not two strings", slot_));
      }
      // A key outside the range, or out of order, is never returned as data.
      const bool ordered = page_.empty() || (forward ? k.str > page_.back().key
                                                     : k.str < page_.back().key);
      if (!range_->Contains(k.str) || !ordered) {
        return absl::InternalError(fmt::format(
            "SYNAPSED.RANGE on slot {}: key {} is out of the range or out of order", slot_,
            fmt::format("{:?}", k.str.substr(0, 64))));
      }
      bytes += k.str.size() + v.str.size();
      page_.push_back({std::move(k.str), std::move(v.str)});
    }
    exhausted_ = RangeReplyIsLast(page_.size(), bytes, kDistributedPageSize);
    return absl::OkStatus();
  }

  ClusterClient* const client_;
  const uint16_t slot_;
  const KeyRange* const range_;
  Direction direction_ = Direction::kForward;
  std::vector<KeyValue> page_;
  size_t pos_ = 0;
  bool exhausted_ = true;
};

class DistributedIterator final : public Iterator {
 public:
  DistributedIterator(ClusterClient* client, KeyRange range) : range_(std::move(range)) {
    for (uint16_t slot : client->PartitionSlots()) cursors_.emplace_back(client, slot, &range_);
  }

  bool Valid() const override { return current_ >= 0; }
  void SeekToFirst() override { SeekAll(Direction::kForward, std::nullopt, false); }
  void SeekToLast() override { SeekAll(Direction::kReverse, std::nullopt, false); }
  void Seek(std::string_view target) override {
    SeekAll(Direction::kForward, std::string(target), false);
  }
  void SeekForPrev(std::string_view target) override {
    SeekAll(Direction::kReverse, std::string(target), false);
  }
  void Next() override { Step(Direction::kForward); }
  void Prev() override { Step(Direction::kReverse); }
  std::string_view key() const override { return cursors_[current_].head().key; }
  std::string_view value() const override { return cursors_[current_].head().value; }
  absl::Status status() const override { return status_; }

 private:
  void SeekAll(Direction d, std::optional<std::string> from, bool exclusive) {
    direction_ = d;
    current_ = -1;
    status_ = absl::OkStatus();
    if (range_.Empty()) return;
    for (PartitionCursor& c : cursors_) {
      if (absl::Status s = c.Seek(d, from, exclusive); !s.ok()) return Fail(std::move(s));
    }
    Pick();
  }

  void Step(Direction d) {
    if (d != direction_) {
      // Turn around: every partition reads again from just past here.
      return SeekAll(d, std::string(key()), /*exclusive=*/true);
    }
    if (absl::Status s = cursors_[current_].Advance(); !s.ok()) return Fail(std::move(s));
    Pick();
  }

  // The cursor whose head comes next in the walk's direction.
  void Pick() {
    current_ = -1;
    for (size_t i = 0; i < cursors_.size(); ++i) {
      if (!cursors_[i].Valid()) continue;
      if (current_ < 0) {
        current_ = static_cast<int>(i);
        continue;
      }
      const std::string& k = cursors_[i].head().key;
      const std::string& best = cursors_[current_].head().key;
      if (direction_ == Direction::kForward ? k < best : k > best) current_ = static_cast<int>(i);
    }
  }

  void Fail(absl::Status s) {
    status_ = std::move(s);
    current_ = -1;
  }

  const KeyRange range_;
  std::vector<PartitionCursor> cursors_;
  Direction direction_ = Direction::kForward;
  int current_ = -1;
  absl::Status status_;
};

}  // namespace

std::unique_ptr<Iterator> NewDistributedIterator(ClusterClient* client, KeyRange range) {
  return std::make_unique<DistributedIterator>(client, std::move(range));
}

}  // namespace synapsed::storage
