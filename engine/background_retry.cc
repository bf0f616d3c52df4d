#include "engine/background_retry.h"

#include <algorithm>

#include "fmt/format.h"

namespace synapsed::storage::engine {

bool IsRetryableBackgroundError(const absl::Status& s) {
  return absl::IsResourceExhausted(s) || absl::IsUnavailable(s);
}

void BackgroundRetry::Failed(std::string_view what, const absl::Status& s,
                             absl::Time now) {
  error_ = absl::UnavailableError(
      fmt::format("{} failed, retrying in {} ms: {}", what,
                  absl::ToInt64Milliseconds(delay_), std::string(s.message())));
  due_ = now + delay_;
  delay_ = std::min(delay_ * 2, kMaxDelay);
  ++failures_;
}

void BackgroundRetry::Succeeded() {
  if (pending()) ++recoveries_;
  error_ = absl::OkStatus();
  delay_ = kFirstDelay;
}

}  // namespace synapsed::storage::engine
