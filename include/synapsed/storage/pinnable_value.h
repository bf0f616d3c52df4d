// PinnableValue: a value returned by Get, either copied into the object or
// pinned in place (for example in a block-cache entry) without a copy.
//
// view() is valid until the PinnableValue is reset, reused or destroyed; the
// pin (if any) is released then. The native engine pins values of 1 KiB and
// more read from tables (the block stays in the block cache, pinned, for as
// long as the PinnableValue holds it) and copies smaller ones, for which a
// copy is cheaper than a pin. Not thread-safe.
#ifndef SYNAPSED_STORAGE_PINNABLE_VALUE_H_
#define SYNAPSED_STORAGE_PINNABLE_VALUE_H_

#include <memory>
#include <string>
#include <string_view>

namespace synapsed::storage {

class PinnableValue {
 public:
  // Something that keeps pinned bytes alive; released on reset.
  class Pin {
   public:
    virtual ~Pin() = default;
  };

  PinnableValue() = default;
  PinnableValue(PinnableValue&&) = default;
  PinnableValue& operator=(PinnableValue&&) = default;

  std::string_view view() const { return pinned_ ? data_ : std::string_view(buf_); }
  std::string ToString() const { return std::string(view()); }
  size_t size() const { return view().size(); }
  bool IsPinned() const { return pinned_ != nullptr; }

  // Copies `data` into the object.
  void Assign(std::string_view data) {
    Reset();
    buf_.assign(data);
  }
  // The buffer to fill directly; the value is whatever it holds.
  std::string* GetSelf() {
    Reset();
    return &buf_;
  }
  // Points at `data`, kept alive by `pin` until reset.
  void PinSlice(std::string_view data, std::unique_ptr<Pin> pin) {
    Reset();
    data_ = data;
    pinned_ = std::move(pin);
  }
  void Reset() {
    pinned_.reset();
    data_ = {};
    buf_.clear();
  }

 private:
  std::string buf_;
  std::string_view data_;
  std::unique_ptr<Pin> pinned_;
};

}  // namespace synapsed::storage

#endif  // SYNAPSED_STORAGE_PINNABLE_VALUE_H_
