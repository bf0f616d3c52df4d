// libFuzzer target for the key file parser (ParseKeyFile, crypto/key_file.h),
// which reads a key file or the text of a key_env variable. The input is
// the text; key_file.dict holds the header and a key line.
//
// Invariants: no crash or sanitizer report. An error is InvalidArgument,
// names the source, and never repeats key digits: no run of 16 hex digits
// of the input's key fields appears in it (unless an id holds the same run,
// since ids are quoted). Parsed keys have valid, distinct ids, one per key
// line, and written back as a key file they parse to the same ids and bytes.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "crypto/key_file.h"
#include "synapsed/storage/encryption.h"
#include "tests/fuzz/fuzz_inputs.h"

namespace {

using namespace synapsed::storage;  // NOLINT: a fuzz entry point

constexpr std::string_view kSource = "key file /fuzz/keys";
constexpr size_t kRun = 16;

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    lines.push_back(text.substr(0, eol));
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
  }
  return lines;
}

void CheckNoDigitsLeak(std::string_view text, std::string_view message) {
  const std::vector<std::string_view> lines = Lines(text);
  std::vector<std::string_view> ids;
  for (std::string_view line : lines)
    ids.push_back(line.substr(0, line.find(' ')));
  for (std::string_view line : lines) {
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    const std::string_view key = line.substr(space + 1);
    for (size_t i = 0; i + kRun <= key.size(); ++i) {
      const std::string_view run = key.substr(i, kRun);
      bool hex = true;
      for (char c : run)
        hex = hex && absl::ascii_isxdigit(static_cast<unsigned char>(c));
      if (!hex || !fuzz::Contains(message, run)) continue;
      bool in_id = false;
      for (std::string_view id : ids) in_id = in_id || fuzz::Contains(id, run);
      FUZZ_CHECK(in_id);
    }
  }
}

std::string Hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<crypto::MasterKey>> keys =
      crypto::ParseKeyFile(text, kSource);
  if (!keys.ok()) {
    FUZZ_CHECK(keys.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(fuzz::Message(keys.status()).starts_with(kSource));
    CheckNoDigitsLeak(text, fuzz::Message(keys.status()));
    return 0;
  }
  size_t key_lines = 0;
  const std::vector<std::string_view> lines = Lines(text);
  for (size_t i = 1; i < lines.size(); ++i) {
    key_lines += !lines[i].empty() && lines[i][0] != '#';
  }
  FUZZ_CHECK(!keys->empty() && keys->size() == key_lines);
  std::string rewritten = std::string(crypto::kKeyFileHeader) + "\n";
  for (const crypto::MasterKey& k : *keys) {
    FUZZ_CHECK(IsValidKeyId(k.id));
    rewritten += k.id + " " + Hex(k.key.bytes()) + "\n";
  }
  absl::StatusOr<std::vector<crypto::MasterKey>> again =
      crypto::ParseKeyFile(rewritten, kSource);
  FUZZ_CHECK(again.ok() && again->size() == keys->size());
  for (size_t i = 0; i < keys->size(); ++i) {
    FUZZ_CHECK((*again)[i].id == (*keys)[i].id);
    FUZZ_CHECK((*again)[i].key.SameBytes((*keys)[i].key));
  }
  return 0;
}
