#include "layers/decoding_iterator.h"

#include <utility>

namespace synapsed::storage::layers {
namespace {

class DecodingIterator final : public Iterator {
 public:
  DecodingIterator(std::unique_ptr<Iterator> inner, ValueDecoder decode)
      : inner_(std::move(inner)), decode_(std::move(decode)) {}
  bool Valid() const override { return status_.ok() && inner_->Valid(); }
  void SeekToFirst() override {
    Settle([&] { inner_->SeekToFirst(); });
  }
  void SeekToLast() override {
    Settle([&] { inner_->SeekToLast(); });
  }
  void Seek(std::string_view t) override {
    Settle([&] { inner_->Seek(t); });
  }
  void SeekForPrev(std::string_view t) override {
    Settle([&] { inner_->SeekForPrev(t); });
  }
  void Next() override {
    Settle([&] { inner_->Next(); });
  }
  void Prev() override {
    Settle([&] { inner_->Prev(); });
  }
  std::string_view key() const override { return inner_->key(); }
  std::string_view value() const override { return value_; }
  absl::Status status() const override {
    return status_.ok() ? inner_->status() : status_;
  }

 private:
  template <typename F>
  void Settle(F move) {
    status_ = absl::OkStatus();
    move();
    if (!inner_->Valid()) return;
    auto v = decode_(inner_->key(), inner_->value());
    if (!v.ok()) {
      status_ = v.status();
      return;
    }
    value_ = *std::move(v);
  }

  const std::unique_ptr<Iterator> inner_;
  const ValueDecoder decode_;
  std::string value_;
  absl::Status status_;
};

}  // namespace

std::unique_ptr<Iterator> NewDecodingIterator(std::unique_ptr<Iterator> inner,
                                              ValueDecoder decode) {
  return std::make_unique<DecodingIterator>(std::move(inner),
                                            std::move(decode));
}

}  // namespace synapsed::storage::layers
