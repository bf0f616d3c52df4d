// What the libFuzzer targets of tests/fuzz/ share with the generator of
// their seed corpora (tests/fuzz/seed_corpus_test.cc), which writes inputs
// with the real encoders: the layout of the inputs that are not simply the
// decoder's bytes, fixed names and keys, in-memory files, and the check that
// reports a broken invariant. Each target's header says what its input is.
//
// Test-only. Header-only, so each fuzz target compiles it with its own
// flags. No shared state: safe from any thread.
#ifndef SYNAPSED_TESTS_FUZZ_FUZZ_INPUTS_H_
#define SYNAPSED_TESTS_FUZZ_FUZZ_INPUTS_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "env/env.h"

// A broken invariant: say which, and abort so that libFuzzer saves the input.
#define FUZZ_CHECK(cond)                                              \
  do {                                                                \
    if (!(cond)) {                                                    \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, \
                   __LINE__, #cond);                                  \
      std::abort();                                                   \
    }                                                                 \
  } while (0)

namespace synapsed::storage::fuzz {

// A status's message as a std::string_view (the installed Abseil has its
// own string_view type), and substring tests on it.
inline std::string_view Message(const absl::Status& s) {
  return std::string_view(s.message().data(), s.message().size());
}
inline bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// ---- log_reader_fuzzer: the WAL and manifest log reader (wal/log_reader.h)
//
//   input := flags:u8 (raw image | structured)
//
// flags (kLog*): the LogReaderOptions, how the file hands out its bytes, and
// the mode. Raw: the rest of the input is the file, read as log kLogNumber.
// Structured: the file is built by LogWriter from parameters and then
// damaged (see the target for the layout).
inline constexpr uint64_t kLogNumber = 7;
inline constexpr uint64_t kOlderLogNumber = 6;
inline constexpr std::string_view kLogFileName = "/fuzz/000007.log";
inline constexpr uint8_t kLogLastLog = 1 << 0;
// The manifest's rule.
inline constexpr uint8_t kLogOnlyShortTailsAreTorn = 1 << 1;
inline constexpr uint8_t kLogSkipCorruption = 1 << 2;
// Two bits at this shift: how reads are cut (ChunkedFile).
inline constexpr int kLogChunkShift = 3;
inline constexpr uint8_t kLogStructured = 1 << 7;

// A WritableFile appending to a caller-owned string (for LogWriter).
class StringFile final : public env::WritableFile {
 public:
  explicit StringFile(std::string* dst) : dst_(dst) {}
  absl::Status Append(std::string_view data) override {
    dst_->append(data);
    return absl::OkStatus();
  }
  absl::Status Sync() override { return absl::OkStatus(); }
  absl::Status Close() override { return absl::OkStatus(); }
  uint64_t Size() const override { return dst_->size(); }

 private:
  std::string* dst_;
};

// A SequentialFile over bytes the caller keeps alive while it is in use. It
// hands out at most `chunk` bytes per Read (0: as many as asked), as views of
// those bytes, or copied into the caller's scratch when `copy` is set, as a
// disk read would.
class ChunkedFile final : public env::SequentialFile {
 public:
  ChunkedFile(std::string_view bytes, size_t chunk, bool copy)
      : bytes_(bytes), chunk_(chunk), copy_(copy) {}
  absl::StatusOr<std::string_view> Read(size_t n, char* scratch) override {
    n = std::min(n, bytes_.size() - pos_);
    if (chunk_ != 0) n = std::min(n, chunk_);
    std::string_view out(bytes_.data() + pos_, n);
    pos_ += n;
    if (!copy_) return out;
    std::memcpy(scratch, out.data(), n);
    return std::string_view(scratch, n);
  }
  absl::Status Skip(uint64_t n) override {
    pos_ += std::min<uint64_t>(n, bytes_.size() - pos_);
    return absl::OkStatus();
  }

 private:
  const std::string_view bytes_;
  size_t pos_ = 0;
  const size_t chunk_;
  const bool copy_;
};

// ---- audit_fuzzer: the audit file and checkpoint readers (security/
// audit_verify.h, security/audit_checkpoint.h)
//
//   input := checkpoints_size:fixed16 checkpoints audit_file
//
// `checkpoints` is checkpoint-file text, `audit_file` an audit file; both
// are verified, together under the audit key AuditFuzzKey() (bytes
// 00 01 … 1f, that of docs/format/audit.md's example).
inline std::array<uint8_t, 32> AuditFuzzKey() {
  std::array<uint8_t, 32> key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i);
  return key;
}

// ---- value_envelope_fuzzer: layers/value_envelope.h
//
//   input := mode:u8 (raw | structured)
//
// The low bit of `mode` is kEnvelopeRaw (the stored bytes come from the
// input) or kEnvelopeStructured (a seal made by the target, then altered);
// see the target for the layouts.
//
// The keyring holds these two test keys (those of docs/format/encryption.md;
// never use a printed key).
inline constexpr std::string_view kEnvelopeKeyId1 = "test-key-1";
inline constexpr std::string_view kEnvelopeKeyHex1 =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
inline constexpr std::string_view kEnvelopeKeyId2 = "k2";
inline constexpr std::string_view kEnvelopeKeyHex2 =
    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
inline constexpr uint8_t kEnvelopeRaw = 0;
inline constexpr uint8_t kEnvelopeStructured = 1;

// ---- key_registry_fuzzer: KEYS, the key registry (engine/key_registry.h)
//
//   input := flags:u8 keys_file
//
// flags bit 0 (kKeysFixChecksum): the target first overwrites the file's
// last four bytes with the checksum of the others, so that a mutation gets
// past the checksum to the parser. The keyring holds the two envelope keys
// above. Every data key in a seed is KeysFuzzDataKey of its entry's file
// number, kind and generation: the fuzzer cannot forge a seal, so a key
// that comes back must be the one sealed for that entry, and the target
// checks that it is.
inline constexpr std::string_view kKeysFuzzPath = "/fuzz/KEYS";
inline constexpr uint8_t kKeysFixChecksum = 1 << 0;

inline std::array<uint8_t, 32> KeysFuzzDataKey(uint64_t number, uint8_t kind,
                                               std::string_view generation) {
  // FNV-1a over the fields, then one more step per byte: a different key
  // for every entry, which is all a test key needs.
  uint64_t h = 0xcbf29ce484222325u;
  auto mix = [&h](uint8_t b) { h = (h ^ b) * 0x100000001b3u; };
  for (int i = 0; i < 8; ++i) mix(static_cast<uint8_t>(number >> (8 * i)));
  mix(kind);
  for (char c : generation) mix(static_cast<uint8_t>(c));
  std::array<uint8_t, 32> key;
  for (uint8_t& b : key) {
    mix(0);
    b = static_cast<uint8_t>(h >> 56);
  }
  return key;
}

}  // namespace synapsed::storage::fuzz

#endif  // SYNAPSED_TESTS_FUZZ_FUZZ_INPUTS_H_
