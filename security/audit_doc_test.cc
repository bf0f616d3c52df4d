// The worked example of docs/format/audit.md: the bytes the spec shows are
// what this log writes for its three operations, and they verify.
#include <fstream>
#include <sstream>
#include <string>

#include "env/mem_env.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "security/audit_checkpoint.h"
#include "security/audit_log.h"
#include "security/audit_test_util.h"
#include "security/audit_verify.h"
#include "util/status_matchers.h"

namespace synapsed::storage::security {
namespace {

// The text between two marker lines of the spec.
std::string Section(const std::string& doc, const std::string& name) {
  const std::string begin = "<!-- " + name + " -->\n```\n";
  const size_t at = doc.find(begin);
  if (at == std::string::npos) return "";
  const size_t from = at + begin.size();
  return doc.substr(from, doc.find("```", from) - from);
}

// Hex digits of a hexdump-style block: each line "OFFSET: HEX HEX ... | text".
std::string BytesOfDump(const std::string& dump) {
  std::string bytes;
  std::istringstream lines(dump);
  for (std::string line; std::getline(lines, line);) {
    const size_t colon = line.find(':');
    const size_t bar = line.find('|');
    if (colon == std::string::npos) continue;
    std::istringstream hex(line.substr(colon + 1, bar - colon - 1));
    for (std::string b; hex >> b;)
      bytes.push_back(static_cast<char>(std::stoi(b, nullptr, 16)));
  }
  return bytes;
}

std::string Dump(std::string_view bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 16) {
    const std::string_view row = bytes.substr(i, 16);
    std::string hex, text;
    for (char c : row) {
      hex += fmt::format("{:02x} ", static_cast<uint8_t>(c));
      text += (c >= 0x20 && c < 0x7f) ? c : '.';
    }
    out += fmt::format("{:04x}: {:<48}| {}\n", i, hex, text);
  }
  return out;
}

TEST(AuditSpec, WorkedExample) {
  std::ifstream in(std::string(SYNAPSED_SOURCE_DIR) + "/docs/format/audit.md");
  std::stringstream doc;
  doc << in.rdbuf();
  ASSERT_FALSE(doc.str().empty());

  // What the spec says was written: three operations, then a checkpoint.
  auto fs = env::NewMemFileSystem();
  FakeClock clock;
  AuditConfig config;
  config.path = "/example.audit";
  config.checkpoint_path = "/example.checkpoints";
  config.hmac_key_file = WriteAuditKeyFile();
  config.sensitive_prefixes = {"pii/"};
  config.checkpoint_every_records = 3;
  ASSERT_OK_AND_ASSIGN(auto log, OpenAuditLog(config, fs.get(), clock.Fn()));
  AuditEvent put;
  put.principal = "alice";
  put.operation = "put";
  put.key = "a/1";
  put.sync = true;
  put.commit_sequence = 42;
  ASSERT_OK(log->Record(put));
  clock.now += absl::Milliseconds(1);
  AuditEvent get;
  get.principal = "bob";
  get.operation = "get";
  get.key = "pii/bob";
  get.code = absl::StatusCode::kPermissionDenied;
  ASSERT_OK(log->Record(get));
  clock.now += absl::Milliseconds(1);
  AuditEvent scan;
  scan.principal = "alice";
  scan.operation = "scan";
  scan.key = "a/";
  scan.is_range = true;
  scan.range_end = "a0";
  ASSERT_OK(log->Record(scan));
  log.reset();
  ASSERT_OK_AND_ASSIGN(std::string file,
                       env::ReadFileToString(fs.get(), config.path));
  ASSERT_OK_AND_ASSIGN(std::string checkpoints,
                       env::ReadFileToString(fs.get(), config.checkpoint_path));

  const std::string shown =
      BytesOfDump(Section(doc.str(), "audit-example-file"));
  EXPECT_EQ(shown, file) << "the spec's dump should read:\n" << Dump(file);
  EXPECT_EQ(Section(doc.str(), "audit-example-checkpoint"), checkpoints);

  // And the spec's bytes verify, against its checkpoint and key.
  ASSERT_OK_AND_ASSIGN(auto cps, ParseCheckpoints(Section(
                                     doc.str(), "audit-example-checkpoint")));
  std::array<uint8_t, 32> key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i);
  std::vector<AuditRecord> records;
  const AuditVerdict v =
      VerifyAudit(shown, &cps, std::span<const uint8_t>(key),
                  [&](const AuditRecord& r) { records.push_back(r); });
  ASSERT_TRUE(v.ok) << v.reason;
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].key_kind, KeyKind::kHmac);
  EXPECT_EQ(records[1].code, 7);
  EXPECT_EQ(records[0].commit_seq, 42u);
  EXPECT_EQ(records[1].commit_seq, 0u);
  EXPECT_EQ(records[2].end, "a0");
}

}  // namespace
}  // namespace synapsed::storage::security
