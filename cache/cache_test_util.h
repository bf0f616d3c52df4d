// Test helpers for cache/: a CacheValue that counts live instances and
// remembers the key it was made for.
#ifndef SYNAPSED_CACHE_CACHE_TEST_UTIL_H_
#define SYNAPSED_CACHE_CACHE_TEST_UTIL_H_

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "cache/cache.h"

namespace synapsed::storage::cache::testing {

class TestValue : public CacheValue {
 public:
  TestValue(std::string_view tag, std::atomic<int>* live)
      : tag_(tag), live_(live) {
    live_->fetch_add(1, std::memory_order_relaxed);
  }
  ~TestValue() override { live_->fetch_sub(1, std::memory_order_relaxed); }
  const std::string& tag() const { return tag_; }

 private:
  const std::string tag_;
  std::atomic<int>* const live_;
};

inline std::unique_ptr<CacheValue> MakeValue(std::string_view tag,
                                             std::atomic<int>* live) {
  return std::make_unique<TestValue>(tag, live);
}

inline std::string Tag(const Handle& h) {
  return h ? h.As<TestValue>()->tag() : std::string("<miss>");
}

}  // namespace synapsed::storage::cache::testing

#endif  // SYNAPSED_CACHE_CACHE_TEST_UTIL_H_
