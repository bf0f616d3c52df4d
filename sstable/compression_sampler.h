// CompressionSampler: decides, block by block, whether a table builder should
// spend CPU compressing the next data block, for the adaptive mode
// (TableBuilderOptions::adaptive_compression).
//
// Without it a block is stored raw only after it was compressed and found to
// save less than 1/8 (CompressBlock's rule), so incompressible data (random
// bytes, already-compressed values) costs a full codec pass per block for
// nothing. The sampler keeps trying every block while tries pay; after
// `failures_to_skip` failed tries in a row it only tries one block in
// `sample_interval` (a sample) and stores the others raw without trying; the
// first sample that compresses brings it back to trying every block.
//
// The price: while skipping, up to sample_interval - 1 compressible blocks in
// a row may be stored raw before a sample notices the data changed. Only the
// choice of codec per block changes; each block still records its codec in
// its trailer, so the on-disk format is the same (docs/format/sstable.md).
//
// Plain state; one thread (the builder's).
#ifndef SYNAPSED_SSTABLE_COMPRESSION_SAMPLER_H_
#define SYNAPSED_SSTABLE_COMPRESSION_SAMPLER_H_

#include <cstdint>

namespace synapsed::storage::sstable {

class CompressionSampler {
 public:
  // REQUIRES: failures_to_skip >= 1, sample_interval >= 1.
  CompressionSampler(int failures_to_skip, int sample_interval)
      : failures_to_skip_(failures_to_skip), sample_interval_(sample_interval) {}

  // Whether to try compressing the next block. Call once per block, and
  // Record() the outcome of every try.
  bool ShouldTry();
  // The outcome of a try: true if the codec's result was kept.
  void Record(bool paid);

  uint64_t tried() const { return tried_; }
  uint64_t skipped() const { return skipped_; }

 private:
  const int failures_to_skip_;
  const int sample_interval_;
  int failures_in_a_row_ = 0;
  int since_sample_ = 0;  // blocks skipped since the last sample
  uint64_t tried_ = 0;
  uint64_t skipped_ = 0;
};

}  // namespace synapsed::storage::sstable

#endif  // SYNAPSED_SSTABLE_COMPRESSION_SAMPLER_H_
