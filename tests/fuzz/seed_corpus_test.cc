// The seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/): small
// valid inputs made by the real encoders, in each target's input layout
// (each target's header says it). This test owns the files named seed-*: it
// fails if one differs from what the encoders make now (a format changed),
// is missing, or is not made here; SYNAPSED_REWRITE=1 rewrites them. Other
// files there (crash inputs a fix added, inputs merged from long runs) are
// left alone.
//
// Built in every configuration (no clang needed), so a format change shows
// here even where the fuzzers are not built.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>

#include "gtest/gtest.h"
#include "sstable/table_builder.h"
#include "sstable/table_exerciser.h"
#include "util/internal_key.h"
#include "util/status_matchers.h"

namespace synapsed::storage::fuzz {
namespace {

namespace fs = std::filesystem;
using Seeds = std::map<std::string, std::string>;  // file name -> bytes

std::string Byte(uint8_t b) { return std::string(1, static_cast<char>(b)); }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Compares the seed-* files of corpus/<target>/ with `seeds`, or rewrites
// them with SYNAPSED_REWRITE set.
void CheckOrRewrite(const std::string& target, const Seeds& seeds) {
  const fs::path dir = fs::path(SYNAPSED_FUZZ_CORPUS_DIR) / target;
  const bool rewrite = std::getenv("SYNAPSED_REWRITE") != nullptr;
  size_t total = 0;
  for (const auto& [name, bytes] : seeds) {
    ASSERT_EQ(name.rfind("seed-", 0), 0u) << name;
    total += bytes.size();
  }
  // The seeds are committed: keep them a few KiB per target.
  EXPECT_LE(total, 8u << 10) << target;
  if (rewrite) {
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("seed-", 0) == 0 && !seeds.count(name))
        fs::remove(entry.path());
    }
    for (const auto& [name, bytes] : seeds) {
      std::ofstream(dir / name, std::ios::binary) << bytes;
    }
    return;
  }
  ASSERT_TRUE(fs::is_directory(dir)) << dir << ": run with SYNAPSED_REWRITE=1";
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("seed-", 0) == 0) {
      EXPECT_TRUE(seeds.count(name))
          << dir / name
          << " is not made by this test (SYNAPSED_REWRITE=1 removes it)";
    }
  }
  for (const auto& [name, bytes] : seeds) {
    EXPECT_EQ(ReadFile(dir / name), bytes)
        << dir / name << " differs from what the encoder makes now "
        << "(SYNAPSED_REWRITE=1 rewrites it)";
  }
}

// ---- sstable_reader: mode byte (bit 0 verify checksums, bit 1 structured).

TEST(SeedCorpus, SstableReader) {
  sstable::TableBuilderOptions o;
  o.compression = sstable::CompressionType::kNone;
  o.block_size = 128;
  o.restart_interval = 2;
  o.creation_time = 1;
  std::string table;
  sstable::testing::StringSink sink(&table);
  sstable::TableBuilder b(o, &sink);
  const char* keys[] = {"apple", "banana", "cherry", "date", "elder"};
  SequenceNumber seq = 10;
  for (const char* k : keys) {
    const ValueType type = seq % 3 ? ValueType::kValue : ValueType::kDeletion;
    ASSERT_OK(
        b.Add(MakeInternalKey(k, seq--, type), std::string(k) + "-value"));
  }
  ASSERT_OK(b.Finish());
  Seeds seeds;
  seeds["seed-table-verified"] = Byte(1) + table;
  seeds["seed-table-unverified"] = Byte(0) + table;
  // Structured: codec, entries/2, block size and restart interval, value seed.
  seeds["seed-structured-lz4"] = Byte(3) + "\x01\x10\x21\x07";
  seeds["seed-structured-zstd-unverified"] = Byte(2) + "\x02\x20\x43\x09";
  seeds["seed-structured-edited-cut"] =
      Byte(7) + std::string("\x00\x08\x10\x05", 4) +
      std::string("\x10\x00\x40\x33\x00\x01", 6) + "\x20";
  CheckOrRewrite("sstable_reader", seeds);
}

}  // namespace
}  // namespace synapsed::storage::fuzz
