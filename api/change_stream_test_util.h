// For tests of change streams (engine, layers, security, conformance): the
// batches a stream delivers until it goes quiet.
#ifndef SYNAPSED_API_CHANGE_STREAM_TEST_UTIL_H_
#define SYNAPSED_API_CHANGE_STREAM_TEST_UTIL_H_

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "synapsed/storage/change_stream.h"

namespace synapsed::storage::testing {

// Every batch until none comes within 200 ms; the status that ended it
// (DeadlineExceeded when the stream simply went quiet) goes to `*end`. The
// writes a test looks for were acknowledged before it calls this, so they
// are queued or in the logs: the wait only bounds a test where one is
// missing.
inline std::vector<ChangeBatch> DrainChanges(ChangeStream& s, absl::Status* end = nullptr) {
  std::vector<ChangeBatch> out;
  while (true) {
    auto b = s.Next(absl::Milliseconds(200));
    if (!b.ok()) {
      if (end != nullptr) *end = b.status();
      return out;
    }
    out.push_back(*std::move(b));
  }
}

}  // namespace synapsed::storage::testing

#endif  // SYNAPSED_API_CHANGE_STREAM_TEST_UTIL_H_
