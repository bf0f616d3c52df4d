// End-to-end tests of `synapsed audit verify` and `synapsed audit show`
// against an audit log written by a secured store built through the library.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "synapsed/storage/access_control.h"
#include "synapsed/storage/builder.h"
#include "tests/tools/tool_test_util.h"

namespace synapsed::storage::tools_test {
namespace {

using ::testing::HasSubstr;

struct AuditFiles {
  std::string audit, checkpoints, key;
};

// Six puts (one of a sensitive key) and a denied get, then closed.
AuditFiles WriteAudit(const std::string& dir) {
  AuditFiles f{dir + "/db.audit", dir + "/db.checkpoints", dir + "/audit.key"};
  std::ofstream(f.key) << "synapsed-key-file 1\naudit-1 "
                       << std::string(64, 'c') << "\n";
  ::chmod(f.key.c_str(), 0600);
  AclConfig acl;
  AclRule all;
  all.prefix = "";
  all.access = AclRule::Access::kReadWrite;
  acl.roles["all"].rules = {all};
  acl.users = {"app", "guest"};
  acl.grants["app"] = {"all"};
  AuditConfig audit;
  audit.path = f.audit;
  audit.checkpoint_path = f.checkpoints;
  audit.hmac_key_file = f.key;
  audit.sensitive_prefixes = {"pii/"};
  audit.checkpoint_every_records = 4;
  StorageConfig config = StorageConfig::Native(dir + "/db");
  auto secured = StorageBuilder(config)
                     .WithAccessControl(acl)
                     .WithAudit(audit)
                     .BuildSecured();
  EXPECT_TRUE(secured.ok()) << secured.status();
  auto app = (*secured)->AsPrincipal("app");
  auto guest = (*secured)->AsPrincipal("guest");
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE((*app)->Put(fmt::format("k{}", i), "the-secret-value").ok());
  }
  EXPECT_TRUE((*app)->Put("pii/jane", "the-secret-value").ok());
  EXPECT_EQ((*guest)->Get("k1").status().code(),
            absl::StatusCode::kPermissionDenied);
  return f;
}

TEST(ToolAudit, VerifyAndShow) {
  const AuditFiles f = WriteAudit(TempDir("tool_audit"));
  RunResult ok = RunTool({"audit", "verify", f.audit, "--checkpoint",
                          f.checkpoints, "--hmac-key-file", f.key});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("OK: 7 records, head "));

  RunResult show = RunTool({"audit", "show", f.audit, "--json"});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_THAT(show.out, ::testing::Not(HasSubstr("the-secret-value")));
  EXPECT_THAT(show.out, ::testing::Not(HasSubstr("jane")));
  std::vector<nlohmann::json> records;
  std::istringstream lines(show.out);
  for (std::string line; std::getline(lines, line);)
    records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 7u);
  EXPECT_EQ(records[0]["key"], "k0");
  EXPECT_TRUE(records[5].contains("key_hmac"));
  EXPECT_EQ(records[6]["principal"], "guest");
  EXPECT_EQ(records[6]["outcome"], "PERMISSION_DENIED");
  RunResult text = RunTool({"audit", "show", f.audit});
  EXPECT_THAT(text.out, HasSubstr("7 "));
  EXPECT_THAT(text.out, HasSubstr("principal=guest op=get key=k1"));
}

TEST(ToolAudit, TamperingExitsTwoNamingTheSequence) {
  const AuditFiles f = WriteAudit(TempDir("tool_audit_bad"));
  // Record 1 starts after the 17-byte header; its body after 4 size bytes.
  FlipByte(f.audit, 17 + 4 + 3);
  RunResult bad = RunTool({"audit", "verify", f.audit});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("first bad sequence 1"));
  RunResult show = RunTool({"audit", "show", f.audit});
  EXPECT_EQ(show.code, 2);

  const AuditFiles g = WriteAudit(TempDir("tool_audit_cut"));
  const std::string whole = ReadAll(g.audit);
  std::filesystem::resize_file(g.audit, whole.size() - 1);
  RunResult cut =
      RunTool({"audit", "verify", g.audit, "--checkpoint", g.checkpoints});
  EXPECT_EQ(cut.code, 2);
  EXPECT_THAT(cut.err, HasSubstr("first bad sequence 7"));
}

}  // namespace
}  // namespace synapsed::storage::tools_test
