#include "synapsed/storage/write_batch.h"

#include "api/write_batch_internal.h"

#include "fmt/format.h"
#include "synapsed/storage/storage.h"
#include "util/coding.h"
#include "util/status_macros.h"

namespace synapsed::storage {
namespace {
constexpr uint8_t kPutTag = 0x01;     // on disk: do not change
constexpr uint8_t kDeleteTag = 0x00;  // on disk: do not change
constexpr size_t kHeaderSize = WriteBatchInternal::kHeaderSize;
}  // namespace

WriteBatch::WriteBatch() { Clear(); }

void WriteBatch::Clear() {
  rep_.assign(kHeaderSize, '\0');
}

uint32_t WriteBatch::Count() const { return DecodeFixed32(rep_.data() + 8); }

uint64_t WriteBatchInternal::Sequence(const WriteBatch& b) {
  return DecodeFixed64(b.rep_.data());
}
void WriteBatchInternal::SetSequence(WriteBatch* b, uint64_t seq) {
  EncodeFixed64(b->rep_.data(), seq);
}

absl::Status WriteBatch::Put(std::string_view key, std::string_view value) {
  RETURN_IF_ERROR(ValidateKeyValue(key, value));
  EncodeFixed32(rep_.data() + 8, Count() + 1);
  rep_.push_back(static_cast<char>(kPutTag));
  PutLengthPrefixed(&rep_, key);
  PutLengthPrefixed(&rep_, value);
  return absl::OkStatus();
}

absl::Status WriteBatch::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  EncodeFixed32(rep_.data() + 8, Count() + 1);
  rep_.push_back(static_cast<char>(kDeleteTag));
  PutLengthPrefixed(&rep_, key);
  return absl::OkStatus();
}

void WriteBatch::Append(const WriteBatch& other) {
  EncodeFixed32(rep_.data() + 8, Count() + other.Count());
  rep_.append(other.rep_, kHeaderSize);
}

absl::Status WriteBatch::Iterate(
    absl::FunctionRef<void(std::string_view, std::string_view)> put,
    absl::FunctionRef<void(std::string_view)> del) const {
  std::string_view in(rep_);
  in.remove_prefix(kHeaderSize);
  uint32_t found = 0;
  while (!in.empty()) {
    const size_t at = rep_.size() - in.size();
    uint8_t tag = static_cast<uint8_t>(in[0]);
    in.remove_prefix(1);
    std::string_view key, value;
    if (tag == kPutTag) {
      if (!GetLengthPrefixed(&in, &key) || !GetLengthPrefixed(&in, &value)) {
        return absl::DataLossError(
            fmt::format("write batch: bad put at byte {}", at));
      }
      put(key, value);
    } else if (tag == kDeleteTag) {
      if (!GetLengthPrefixed(&in, &key)) {
        return absl::DataLossError(
            fmt::format("write batch: bad delete at byte {}", at));
      }
      del(key);
    } else {
      return absl::DataLossError(
          fmt::format("write batch: unknown op tag {:#04x} at byte {}", tag, at));
    }
    ++found;
  }
  if (found != Count()) {
    return absl::DataLossError(fmt::format(
        "write batch: header counts {} ops, found {}", Count(), found));
  }
  return absl::OkStatus();
}

absl::Status WriteBatchInternal::SetContents(WriteBatch* b, std::string rep) {
  if (rep.size() < kHeaderSize) {
    return absl::DataLossError(
        fmt::format("write batch: {} bytes, shorter than its header", rep.size()));
  }
  std::string old = std::move(b->rep_);
  b->rep_ = std::move(rep);
  absl::Status s = b->Iterate([](auto, auto) {}, [](auto) {});
  if (!s.ok()) b->rep_ = std::move(old);
  return s;
}

absl::StatusOr<std::vector<std::string_view>> WriteBatchInternal::Keys(
    const WriteBatch& batch) {
  std::vector<std::string_view> keys;
  keys.reserve(batch.Count());
  absl::Status s = batch.Iterate(
      [&](std::string_view k, std::string_view) { keys.push_back(k); },
      [&](std::string_view k) { keys.push_back(k); });
  if (!s.ok()) return s;
  return keys;
}

}  // namespace synapsed::storage
