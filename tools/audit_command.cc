#include "tools/audit_command.h"

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "crypto/key_file.h"
#include "env/env.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "security/audit_verify.h"
#include "tools/tool_util.h"

namespace synapsed::storage::tools {
namespace {

using security::AuditRecord;
using security::AuditVerdict;

struct AuditFlags {
  std::string file;
  std::string checkpoint;
  std::string key_file;
  bool json = false;
};

std::string ReadOrFail(const std::string& path, std::string_view what) {
  auto contents = env::ReadFileToString(env::DefaultFileSystem(), path);
  if (!contents.ok()) Fail(contents.status(), what);
  return *contents;
}

// A key or range end as a record holds it.
std::string Shown(std::string_view bytes, bool hmac) {
  return hmac ? "hmac:" + Hex(bytes) : Escape(bytes);
}

std::string CodeName(uint8_t code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

std::string Time(uint64_t us) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ",
                          absl::FromUnixMicros(static_cast<int64_t>(us)),
                          absl::UTCTimeZone());
}

void PrintText(const AuditRecord& r) {
  using security::EndKind;
  using security::KeyKind;
  std::string where;
  if (r.end_kind != EndKind::kNone) {
    const std::string start = r.key_kind == KeyKind::kNone
                                  ? "-"
                                  : Shown(r.key, r.key_kind == KeyKind::kHmac);
    const std::string end = r.end_kind == EndKind::kOpen
                                ? "-"
                                : Shown(r.end, r.end_kind == EndKind::kHmac);
    where = fmt::format(" range=[{}, {})", start, end);
  } else if (r.key_kind != KeyKind::kNone) {
    where = " key=" + Shown(r.key, r.key_kind == KeyKind::kHmac);
  }
  const std::string committed =
      r.commit_seq == 0 ? "" : fmt::format(" commit_seq={}", r.commit_seq);
  std::cout << fmt::format("{} {} principal={} op={}{} count={} outcome={}{}\n",
                           r.seq, Time(r.time_us), Escape(r.principal),
                           r.operation, where, r.count, CodeName(r.code), committed);
}

void PrintJson(const AuditRecord& r) {
  using security::EndKind;
  using security::KeyKind;
  nlohmann::json j = {{"seq", r.seq},
                      {"time", Time(r.time_us)},
                      {"time_us", r.time_us},
                      {"principal", Escape(r.principal)},
                      {"operation", r.operation},
                      {"count", r.count},
                      {"outcome", CodeName(r.code)}};
  if (r.key_kind != KeyKind::kNone) {
    const std::string field = r.end_kind == EndKind::kNone ? "key" : "start";
    if (r.key_kind == KeyKind::kHmac) {
      j[field + "_hmac"] = Hex(r.key);
    } else {
      j[field] = Escape(r.key);
    }
  }
  if (r.end_kind == EndKind::kClear) j["end"] = Escape(r.end);
  if (r.end_kind == EndKind::kHmac) j["end_hmac"] = Hex(r.end);
  if (r.end_kind == EndKind::kOpen) j["end"] = nullptr;
  if (r.commit_seq != 0) j["commit_seq"] = r.commit_seq;
  std::cout << j.dump() << "\n";
}

[[noreturn]] void FailVerdict(const AuditFlags& f, const AuditVerdict& v) {
  FailWith(kExitCorrupt,
           fmt::format("audit: {}: first bad sequence {}: {} ({} good records "
                       "before it)",
                       f.file, v.first_bad_seq, v.reason, v.records));
}

void Verify(const AuditFlags& f) {
  const std::string contents = ReadOrFail(f.file, "audit verify");
  std::optional<std::vector<security::Checkpoint>> checkpoints;
  if (!f.checkpoint.empty()) {
    auto parsed =
        security::ParseCheckpoints(ReadOrFail(f.checkpoint, "audit verify"));
    if (!parsed.ok()) Fail(parsed.status(), "audit verify: " + f.checkpoint);
    checkpoints = *std::move(parsed);
  }
  std::optional<crypto::SecureKey> key;
  if (!f.key_file.empty()) {
    auto keys = crypto::ReadKeyFile(f.key_file);
    if (!keys.ok()) Fail(keys.status(), "audit verify");
    key = std::move(keys->back().key);
  } else if (checkpoints) {
    std::cerr << "synapsed: audit verify: no --hmac-key-file: checkpoint "
                 "signatures not "
                 "checked\n";
  }
  const AuditVerdict v = security::VerifyAudit(
      contents, checkpoints ? &*checkpoints : nullptr,
      key ? std::optional<std::span<const uint8_t>>(key->bytes())
          : std::nullopt);
  if (!v.ok) FailVerdict(f, v);
  std::cout << fmt::format(
      "OK: {} records, head {}{}\n", v.records, Hex(security::AsBytes(v.head)),
      checkpoints ? fmt::format(", {} checkpoints", checkpoints->size()) : "");
}

void Show(const AuditFlags& f) {
  const std::string contents = ReadOrFail(f.file, "audit show");
  const AuditVerdict v = security::VerifyAudit(
      contents, nullptr, std::nullopt,
      [&](const AuditRecord& r) { f.json ? PrintJson(r) : PrintText(r); });
  std::cout.flush();
  if (!v.ok) FailVerdict(f, v);
}

}  // namespace

void AddAuditCommand(CLI::App* app) {
  CLI::App* audit =
      app->add_subcommand("audit", "the audit log of a secured store");
  audit->require_subcommand(1);
  auto f = std::make_shared<AuditFlags>();

  CLI::App* verify =
      audit->add_subcommand("verify",
                            "check the hash chain (and checkpoints); exit 2 "
                            "naming the first bad sequence");
  verify->add_option("FILE", f->file, "the audit file")->required();
  verify->add_option("--checkpoint", f->checkpoint,
                     "the exported checkpoint file");
  verify->add_option(
      "--hmac-key-file", f->key_file,
      "the audit key file, to check the checkpoints' signatures");
  verify->callback([f] { Verify(*f); });

  CLI::App* show = audit->add_subcommand(
      "show", "print the records (values are never logged)");
  show->add_option("FILE", f->file, "the audit file")->required();
  show->add_flag("--json", f->json, "one JSON object per record, one per line");
  show->callback([f] { Show(*f); });
}

}  // namespace synapsed::storage::tools
