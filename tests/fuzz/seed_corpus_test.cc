// The seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/): small
// valid inputs made by the real encoders, in each target's input layout
// (tests/fuzz/fuzz_inputs.h). This test owns the files named seed-*: it
// fails if one differs from what the encoders make now (a format changed),
// is missing, or is not made here; SYNAPSED_REWRITE=1 rewrites them. Other
// files there (crash inputs a fix added, inputs merged from long runs) are
// left alone.
//
// Built in every configuration (no clang needed), so a format change shows
// here even where the fuzzers are not built.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "api/write_batch_internal.h"
#include "crypto/key_file.h"
#include "crypto/master_key.h"
#include "engine/key_registry.h"
#include "engine/version_edit.h"
#include "gtest/gtest.h"
#include "layers/value_envelope.h"
#include "security/acl_state_codec.h"
#include "server/reply_writer.h"
#include "security/audit_checkpoint.h"
#include "security/audit_format.h"
#include "security/audit_verify.h"
#include "sstable/table_builder.h"
#include "sstable/table_exerciser.h"
#include "synapsed/storage/config.h"
#include "synapsed/storage/write_batch.h"
#include "tests/fuzz/fuzz_inputs.h"
#include "util/internal_key.h"
#include "util/status_matchers.h"
#include "wal/log_writer.h"

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

// ---- log_reader: flags, then a file image (raw) or parameters (structured).

std::string Log(const std::vector<std::string>& records,
                uint64_t number = kLogNumber, std::string file = "") {
  wal::LogWriter w(std::make_unique<StringFile>(&file), number);
  for (const std::string& r : records)
    EXPECT_OK(w.AddRecord(r, /*sync=*/false));
  EXPECT_OK(w.Close());
  return file;
}

TEST(SeedCorpus, LogReader) {
  const std::string three = Log({"hello", "", "world!"});
  Seeds seeds;
  seeds["seed-raw-three-records"] = Byte(0) + three;
  seeds["seed-raw-last-log-torn"] =
      Byte(kLogLastLog) + three.substr(0, three.size() - 3);
  // The manifest's rule: a whole final record that does not decode is damage.
  std::string flipped = three;
  flipped.back() ^= 1;
  seeds["seed-raw-manifest-flipped"] =
      Byte(kLogLastLog | kLogOnlyShortTailsAreTorn) + flipped;
  std::string middle = three;
  middle[15 + 2] ^= 0x40;  // in "hello"
  seeds["seed-raw-skip-corruption"] =
      Byte(kLogSkipCorruption | 2 << kLogChunkShift) + middle;
  seeds["seed-raw-older-log-follows"] =
      Byte(kLogLastLog | 1 << kLogChunkShift) + Log({"new"}) +
      Log({"old", "older"}, kOlderLogNumber);
  seeds["seed-raw-zero-tail"] =
      Byte(3 << kLogChunkShift) + three + std::string(40, '\0');
  // Structured: records, seed, shape (1 recycled, 2 cut, 4 zero tail, 8 fix
  // checksums), then [cut: record, offset in it:u16] and edits (offset:u24
  // xor:u8).
  seeds["seed-structured-plain"] = Byte(kLogStructured) + "\x05\x01" + Byte(0);
  seeds["seed-structured-recycled"] =
      Byte(kLogStructured | kLogLastLog) + "\x0c\x02" + Byte(1);
  seeds["seed-structured-manifest-cut"] =
      Byte(kLogStructured | kLogLastLog | kLogOnlyShortTailsAreTorn) +
      "\x08\x03" + Byte(2) + "\x34\x12\x00";
  seeds["seed-structured-zero-tail-edited"] =
      Byte(kLogStructured | kLogSkipCorruption) + "\x06\x04" + Byte(4) +
      std::string("\x10\x00\x00\x01\x00\x81\x00\x80", 8);
  // The first fragment's type made Middle, its checksum fixed: intact, out
  // of order.
  seeds["seed-structured-middle-first"] = Byte(kLogStructured) + "\x03\x05" +
                                          Byte(8) +
                                          std::string("\x06\x00\x00\x02", 4);
  CheckOrRewrite("log_reader", seeds);
}

// ---- version_edit: a manifest record's payload.

TEST(SeedCorpus, VersionEdit) {
  using engine::VersionEdit;
  Seeds seeds;
  VersionEdit snapshot;
  snapshot.format_version = engine::kManifestFormatVersion;
  snapshot.log_number = 5;
  snapshot.next_file_number = 9;
  snapshot.last_sequence = 300;
  compaction::FileMetaData f;
  f.number = 7;
  f.file_size = 1234;
  f.smallest = MakeInternalKey("a", 1, ValueType::kValue);
  f.largest = MakeInternalKey("z", 300, ValueType::kDeletion);
  f.smallest_seq = 1;
  f.largest_seq = 300;
  f.num_entries = 300;
  f.num_deletions = 2;
  snapshot.new_files.emplace_back(0, f);
  f.number = 8;
  f.smallest = MakeInternalKey("b", 5, ValueType::kValue);
  snapshot.new_files.emplace_back(3, f);
  seeds["seed-snapshot"] = snapshot.Encode();
  VersionEdit compaction;
  compaction.deleted_files = {{0, 7}, {3, 8}};
  compaction.new_files.emplace_back(4, f);
  compaction.next_file_number = 10;
  seeds["seed-compaction"] = compaction.Encode();
  VersionEdit flush;
  flush.log_number = 12;
  flush.last_sequence = 1u << 20;
  seeds["seed-flush"] = flush.Encode();
  CheckOrRewrite("version_edit", seeds);
}

// ---- write_batch: the representation, header included.

TEST(SeedCorpus, WriteBatch) {
  Seeds seeds;
  WriteBatch empty;
  seeds["seed-empty"] = std::string(WriteBatchInternal::Contents(empty));
  WriteBatch ops;
  ASSERT_OK(ops.Put("key", "value"));
  ASSERT_OK(ops.Delete("gone"));
  ASSERT_OK(ops.Put("", ""));
  WriteBatchInternal::SetSequence(&ops, 1000);
  seeds["seed-puts-and-delete"] =
      std::string(WriteBatchInternal::Contents(ops));
  WriteBatch big;
  ASSERT_OK(big.Put("k", std::string(300, 'v')));  // a two-byte length
  seeds["seed-long-value"] = std::string(WriteBatchInternal::Contents(big));
  CheckOrRewrite("write_batch", seeds);
}

// ---- config: JSON text, in each of FromJson's forms.

TEST(SeedCorpus, Config) {
  Seeds seeds;
  StorageConfig native = StorageConfig::Native("/var/lib/app/db");
  native.native.compression_per_level = {CompressionConfig::Algorithm::kNone,
                                         CompressionConfig::Algorithm::kZstd};
  native.cache = CacheConfig{CacheConfig::Policy::kArc, 100000, 60};
  native.compression =
      CompressionConfig{true, CompressionConfig::Algorithm::kLz4, 1024};
  native.encryption.emplace();
  native.encryption->key_file = "/etc/app/db.key";
  native.encryption->key_id = "k2";
  seeds["seed-flat-native"] = native.ToJson();
  StorageConfig memory = StorageConfig::Memory();
  memory.encryption.emplace();
  memory.encryption->key_env = "APP_KEYS";
  seeds["seed-flat-memory"] = memory.ToJson();
  StorageConfig rocks;
  rocks.type = BackendType::kRocksDb;
  rocks.path = "/x";
  seeds["seed-flat-rocksdb"] = rocks.ToJson();
  // The seed's forms, as config.h shows them.
  seeds["seed-nested"] =
      R"({"type": "rocks_db", "rocks_db": {"path": "/x", "max_open_files": 1000}})";
  seeds["seed-tagged"] =
      R"({"RocksDb": {"path": "/x", "max_open_files": 1000}})";
  seeds["seed-tagged-backend"] =
      R"({"backend": {"Memory": {"initial_capacity": 1024}}, "cache": {"cache_type": "Lru", "max_entries": 10, "ttl_seconds": null}})";
  for (const auto& [name, text] : seeds) {
    EXPECT_OK(StorageConfig::FromJson(text)) << name;
  }
  CheckOrRewrite("config", seeds);
}

// ---- key_file: key-file text.

TEST(SeedCorpus, KeyFile) {
  Seeds seeds;
  // docs/format/encryption.md, "Key file", "Example".
  seeds["seed-doc-example"] =
      std::string(crypto::kKeyFileHeader) +
      "\n# rotated in 2025: test-key-1 stays until every value is "
      "re-sealed\n" +
      std::string(kEnvelopeKeyId1) + " " + std::string(kEnvelopeKeyHex1) +
      "\n" +
      "test-key-2 "
      "FFEEDDCCBBAA99887766554433221100ffeeddccbbaa99887766554433221100\n";
  seeds["seed-one-key-no-newline"] = std::string(crypto::kKeyFileHeader) +
                                     "\nk1 " + std::string(kEnvelopeKeyHex2);
  seeds["seed-blank-lines"] = std::string(crypto::kKeyFileHeader) + "\n\n#\n" +
                              std::string(kEnvelopeKeyId2) + " " +
                              std::string(kEnvelopeKeyHex2) + "\n\n";
  for (const auto& [name, text] : seeds) {
    EXPECT_OK(crypto::ParseKeyFile(text, name)) << name;
  }
  CheckOrRewrite("key_file", seeds);
}

// ---- value_envelope: mode, then a stored value (raw) or parameters.

crypto::MasterKey TestKey(std::string_view id, std::string_view hex) {
  auto key = crypto::SecureKey::FromHex(hex);
  EXPECT_OK(key);
  return crypto::MasterKey{std::string(id), *std::move(key)};
}

TEST(SeedCorpus, ValueEnvelope) {
  const crypto::MasterKey key1 = TestKey(kEnvelopeKeyId1, kEnvelopeKeyHex1);
  const crypto::MasterKey key2 = TestKey(kEnvelopeKeyId2, kEnvelopeKeyHex2);
  crypto::Nonce nonce;
  for (size_t i = 0; i < nonce.size(); ++i)
    nonce[i] = static_cast<uint8_t>(0xa0 + i);
  Seeds seeds;
  // docs/format/encryption.md, "Value envelope", "Example".
  auto raw = [&](const crypto::MasterKey& key, std::string_view user_key,
                 std::string_view value) {
    absl::StatusOr<std::string> stored =
        layers::SealValueWithNonce(key, nonce, user_key, value);
    EXPECT_OK(stored);
    return Byte(kEnvelopeRaw) + Byte(static_cast<uint8_t>(user_key.size())) +
           std::string(user_key) + stored.value_or("");
  };
  seeds["seed-raw-doc-example"] = raw(key1, "user/1", "ada");
  seeds["seed-raw-empty"] = raw(key2, "", "");
  seeds["seed-raw-longer"] =
      raw(key2, "a/longer/user/key", std::string(100, 'x'));
  // Structured: key, value length, user key length, nonce, alter, amount,
  // value, user key, edits.
  seeds["seed-structured-intact"] = Byte(kEnvelopeStructured) +
                                    std::string("\x00\x03\x06\xa0\x00\x00", 6) +
                                    "ada" + "user/1";
  seeds["seed-structured-cut"] = Byte(kEnvelopeStructured) +
                                 std::string("\x01\x05\x02\x10\x02\x07", 6) +
                                 "value" + "k1";
  seeds["seed-structured-other-key-edited"] =
      Byte(kEnvelopeStructured) + std::string("\x00\x02\x01\x33\x01\x00", 6) +
      "ab" + "u" + std::string("\x03\x00\x01\x20\x00\x80", 6);
  CheckOrRewrite("value_envelope", seeds);
}

// ---- audit: checkpoints_size:fixed16 checkpoints audit_file.

// An audit file of `n` records (every second one a sensitive key's HMAC,
// every third a range), and the checkpoint line after record `cp_at` (0:
// none), in the audit fuzzer's layout.
std::string AuditSeed(int n, int cp_at, std::string_view header = security::kAuditHeader) {
  std::string file(header);
  security::Digest head{};
  std::string checkpoints;
  const auto key = AuditFuzzKey();
  for (int i = 1; i <= n; ++i) {
    security::AuditRecord r;
    r.seq = static_cast<uint64_t>(i);
    r.time_us = 1767225600000000u + 1000u * static_cast<uint64_t>(i);
    r.principal = i % 2 ? "alice" : "bob";
    r.operation = i % 3 == 0 ? "scan" : "put";
    r.key_kind = i % 2 ? security::KeyKind::kClear : security::KeyKind::kHmac;
    r.key = i % 2 ? "a/" + std::to_string(i) : std::string(32, static_cast<char>(i));
    if (i % 3 == 0) {
      r.end_kind = security::EndKind::kClear;
      r.end = "a0";
    }
    r.count = 1;
    r.code = i % 4 == 0 ? 7 : 0;
    std::string body = security::EncodeRecordBody(r);
    if (header == security::kAuditHeaderV1) {
      body.pop_back();  // version 1: no commit_seq (0 here)
    } else if (r.code == 0 && r.operation == "put") {
      r.commit_seq = 100 + static_cast<uint64_t>(i);
      body = security::EncodeRecordBody(r);
    }
    absl::StatusOr<std::string> framed = security::FrameRecord(head, body, &head);
    EXPECT_OK(framed);
    file += framed.value_or("");
    if (i == cp_at) {
      absl::StatusOr<std::string> line = security::FormatCheckpoint(key, r.seq, head);
      EXPECT_OK(line);
      checkpoints += line.value_or("");
    }
  }
  const uint16_t size = static_cast<uint16_t>(checkpoints.size());
  return Byte(size & 0xff) + Byte(size >> 8) + checkpoints + file;
}

TEST(SeedCorpus, Audit) {
  Seeds seeds;
  seeds["seed-empty-file"] = AuditSeed(0, 0);
  seeds["seed-three-records"] = AuditSeed(3, 0);
  seeds["seed-checkpointed"] = AuditSeed(5, 4);
  seeds["seed-version-1"] = AuditSeed(2, 2, security::kAuditHeaderV1);
  for (const auto& [name, input] : seeds) {
    const size_t cp_size = static_cast<uint8_t>(input[0]) | static_cast<uint8_t>(input[1]) << 8;
    absl::StatusOr<std::vector<security::Checkpoint>> cps =
        security::ParseCheckpoints(std::string_view(input).substr(2, cp_size));
    ASSERT_OK(cps);
    const auto key = AuditFuzzKey();
    const security::AuditVerdict v = security::VerifyAudit(
        std::string_view(input).substr(2 + cp_size), &*cps, std::span<const uint8_t>(key));
    EXPECT_TRUE(v.ok) << name << ": " << v.reason;
  }
  CheckOrRewrite("audit", seeds);
}

// ---- key_registry: flags, then a KEYS file.

using KeysFile = std::tuple<uint64_t, crypto::FileKind, std::string>;

// KEYS under `master` (a key of the fuzz keyring), holding a data key for
// each of `files` (number, kind, generation): KeysFuzzDataKey, the one the
// fuzz target expects back. The nonces are fixed (EncodeKeys' seam), so the
// bytes are the same at every run.
std::string KeysSeed(const crypto::MasterKey& master, const std::vector<KeysFile>& files) {
  std::map<uint64_t, engine::KeysEntry> entries;
  for (const auto& [number, kind, generation] : files) {
    absl::StatusOr<crypto::SecureKey> key = crypto::SecureKey::Allocate();
    EXPECT_OK(key);
    if (!key.ok()) return "";
    const auto bytes = KeysFuzzDataKey(number, static_cast<uint8_t>(kind), generation);
    std::copy(bytes.begin(), bytes.end(), key->mutable_bytes().begin());
    entries[number] = engine::KeysEntry{
        kind, generation, std::make_shared<const crypto::SecureKey>(*std::move(key))};
  }
  uint8_t next = 0xb0;
  absl::StatusOr<std::string> file =
      engine::EncodeKeys(master, entries, [&]() -> absl::StatusOr<crypto::Nonce> {
        crypto::Nonce n;
        n.fill(next);
        next += 0x10;
        return n;
      });
  EXPECT_OK(file);
  return file.value_or("");
}

TEST(SeedCorpus, KeyRegistry) {
  auto ring = std::make_shared<crypto::Keyring>();
  ASSERT_OK(ring->Add(TestKey(kEnvelopeKeyId1, kEnvelopeKeyHex1)));
  ASSERT_OK(ring->Add(TestKey(kEnvelopeKeyId2, kEnvelopeKeyHex2)));
  const std::string id1(kEnvelopeKeyId1), id2(kEnvelopeKeyId2);
  ASSERT_OK_AND_ASSIGN(auto key1, ring->Find(id1));
  ASSERT_OK_AND_ASSIGN(auto key2, ring->Find(id2));
  Seeds seeds;
  seeds["seed-empty"] = Byte(0) + KeysSeed(*key1, {});
  // A log, a table and a manifest; the manifest made after k2 became the
  // current key, before the registry was re-wrapped under it.
  seeds["seed-three-files"] =
      Byte(0) + KeysSeed(*key1, {{5, crypto::FileKind::kLog, id1},
                                 {7, crypto::FileKind::kTable, id1},
                                 {9, crypto::FileKind::kManifest, id2}});
  // Re-wrapped under k2 (RotateMasterKey); file 300's number takes two
  // bytes. The target fixes the checksum of what it mutates.
  seeds["seed-rotated-fix-checksum"] =
      Byte(kKeysFixChecksum) + KeysSeed(*key2, {{3, crypto::FileKind::kLog, id1},
                                                {300, crypto::FileKind::kTable, id2}});
  for (const auto& [name, input] : seeds) {
    EXPECT_OK(engine::DecodeKeys(std::string_view(input).substr(1), *ring, kKeysFuzzPath))
        << name;
  }
  CheckOrRewrite("key_registry", seeds);
}

// ---- acl_state: the stored state.

TEST(SeedCorpus, AclState) {
  AclRule prefix, open, range;
  prefix.prefix = "a/";
  open.begin = "m";
  open.access = AclRule::Access::kWrite;
  range.begin = "a";
  range.end = "b";
  range.access = AclRule::Access::kReadWrite;
  security::AclState state;
  state.revision = 7;
  state.config.roles["reader"].rules = {prefix, open};
  state.config.roles["admin"] = AclRole{{range}, true};
  state.config.users = {"alice", "bob"};
  state.config.grants = {{"alice", {"reader"}}, {"bob", {"reader", "admin"}}};
  Seeds seeds;
  seeds["seed-empty"] = security::EncodeAclState(security::AclState{});
  seeds["seed-roles-version-1"] = security::EncodeAclState(state);
  // docs/format/password_hash.md's example hash.
  state.config.passwords["alice"] =
      "$scrypt$ln=15,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$eo40JB24mNWRdcaWU4xBdGepdf/laQaEJfFhiNMVnFg";
  state.revision = 300;
  seeds["seed-passwords-version-2"] = security::EncodeAclState(state);
  for (const auto& [name, input] : seeds) {
    EXPECT_OK(security::DecodeAclState(input)) << name;
  }
  CheckOrRewrite("acl_state", seeds);
}

// ---- resp_reply: replies as this project's server writes them (its
// ReplyWriter, RESP2), the shapes the distributed backend's client reads.
TEST(SeedCorpus, RespReply) {
  Seeds seeds;
  auto reply = [](auto write) {
    std::string out;
    server::ReplyWriter w(&out, 2);
    write(w);
    return out;
  };
  seeds["seed-status-error-integer"] = reply([](server::ReplyWriter& w) {
    w.Status("OK");
    w.Error("MOVED 12182 127.0.0.1:7002");
    w.Integer(-42);
  });
  seeds["seed-bulks-and-nil"] = reply([](server::ReplyWriter& w) {
    w.Bulk("bar");
    w.Bulk("");
    w.Bulk(std::string("a\r\nb", 4));
    w.Null();
  });
  seeds["seed-cluster-slots"] = reply([](server::ReplyWriter& w) {
    w.Array(1);
    w.Array(3);
    w.Integer(0);
    w.Integer(5460);
    w.Array(3);
    w.Bulk("127.0.0.1");
    w.Integer(7001);
    w.Bulk("0000000000000000000000000000000000000001");
  });
  seeds["seed-exec-and-null-array"] = reply([](server::ReplyWriter& w) {
    w.Array(2);
    w.Status("OK");
    w.Integer(2);
    w.NullArray();
  });
  CheckOrRewrite("resp_reply", seeds);
}

}  // namespace
}  // namespace synapsed::storage::fuzz
