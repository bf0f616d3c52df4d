#include "sstable/compression_sampler.h"

namespace synapsed::storage::sstable {

bool CompressionSampler::ShouldTry() {
  if (failures_in_a_row_ < failures_to_skip_ ||
      ++since_sample_ >= sample_interval_) {
    since_sample_ = 0;
    ++tried_;
    return true;
  }
  ++skipped_;
  return false;
}

void CompressionSampler::Record(bool paid) {
  if (paid) {
    failures_in_a_row_ = 0;
  } else if (failures_in_a_row_ < failures_to_skip_) {
    ++failures_in_a_row_;
  }
}

}  // namespace synapsed::storage::sstable
