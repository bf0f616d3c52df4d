#include "bench/db_bench/secured_engines.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt/format.h"
#include "security/acl_store.h"
#include "security/audit_log.h"
#include "synapsed/storage/access_control.h"
#include "util/status_macros.h"

namespace synapsed::storage::bench {
namespace {

AclConfig AllowEverything() {
  AclConfig acl;
  AclRule all;
  all.prefix = "";
  all.access = AclRule::Access::kReadWrite;
  acl.roles["all"].rules = {all};
  acl.users = {"bench"};
  acl.grants["bench"] = {"all"};
  return acl;
}

// The benchmark's audit key file (mode 0600, as key files must be).
absl::StatusOr<std::string> WriteBenchKey(const std::string& dir) {
  const std::string path = dir + "/bench-audit.key";
  const std::string text =
      "synapsed-key-file 1\nbench " + std::string(64, 'a') + "\n";
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return absl::UnavailableError(fmt::format("cannot create {}", path));
  const bool ok =
      ::fchmod(fd, 0600) == 0 && ::write(fd, text.data(), text.size()) ==
                                     static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) return absl::UnavailableError(fmt::format("cannot write {}", path));
  return path;
}

}  // namespace

bool IsSecuredEngine(const std::string& engine) {
  return engine == "native_acl" || engine == "native_audit";
}

absl::StatusOr<std::unique_ptr<Store>> WrapSecured(
    const std::string& engine, std::unique_ptr<Store> native,
    const std::string& dir) {
  std::shared_ptr<security::AuditLog> audit;
  if (engine == "native_audit") {
    AuditConfig c;
    c.path = dir + "/bench.audit";
    c.checkpoint_path = dir + "/bench.checkpoints";
    ASSIGN_OR_RETURN(c.hmac_key_file, WriteBenchKey(dir));
    ASSIGN_OR_RETURN(audit, security::OpenAuditLog(c));
  }
  ASSIGN_OR_RETURN(auto secured,
                   security::NewAclStore(std::move(native), AllowEverything(),
                                         std::move(audit)));
  return secured->AsPrincipal("bench");
}

std::vector<std::pair<std::string, std::string>> DescribeSecured(
    const std::string& engine) {
  std::vector<std::pair<std::string, std::string>> lines = {
      {"access control", "every operation checked (one principal, every key)"}};
  if (engine == "native_audit") {
    lines.push_back(
        {"audit", "a chained record per operation, the default checkpoints (each second)"});
  }
  return lines;
}

}  // namespace synapsed::storage::bench
