#include "backends/cluster_client.h"

#include <algorithm>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "env/env.h"
#include "fmt/format.h"
#include "util/status_macros.h"

namespace synapsed::storage {
namespace {

using Clock = std::chrono::steady_clock;

// Connections kept idle per node; more are closed when given back.
constexpr size_t kMaxIdlePerNode = 16;

absl::StatusOr<std::pair<std::string, int>> SplitAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    return absl::InvalidArgumentError(fmt::format("not host:port: {}", address));
  }
  return std::pair{address.substr(0, colon), port};
}

// What a reply asks the client to do before the command can succeed.
enum class Redirect { kNone, kMoved, kRetry };

Redirect RedirectOf(const RespReply& r) {
  if (!r.is_error()) return Redirect::kNone;
  if (absl::StartsWith(r.str, "MOVED ")) return Redirect::kMoved;
  if (absl::StartsWith(r.str, "TRYAGAIN") || absl::StartsWith(r.str, "CLUSTERDOWN") ||
      absl::StartsWith(r.str, "LOADING") || absl::StartsWith(r.str, "ERR not the leader") ||
      absl::StartsWith(r.str, "ERR insufficient replicas") ||
      absl::StartsWith(r.str, "ERR the Raft node is stop") ||
      absl::StrContains(r.str, "did not commit here")) {
    return Redirect::kRetry;
  }
  return Redirect::kNone;
}

}  // namespace

absl::Status ReplyStatus(const RespReply& reply, std::string_view address) {
  if (!reply.is_error()) return absl::OkStatus();
  const std::string message = fmt::format("{}: {}", address, reply.str);
  if (absl::StartsWith(reply.str, "NOPERM")) return absl::PermissionDeniedError(message);
  if (absl::StartsWith(reply.str, "CROSSSLOT")) return absl::InvalidArgumentError(message);
  if (absl::StartsWith(reply.str, "EXECABORT")) return absl::AbortedError(message);
  return absl::UnknownError(message);
}

ClusterClient::ClusterClient(const DistributedOptions& options, std::string password)
    : options_(options),
      password_(std::move(password)),
      timeout_(options.timeout_ms),
      retry_timeout_(options.retry_timeout_ms) {}

ClusterClient::~ClusterClient() = default;

absl::StatusOr<std::unique_ptr<ClusterClient>> ClusterClient::Connect(
    const DistributedOptions& options) {
  if (options.nodes.empty()) {
    return absl::InvalidArgumentError("distributed: nodes: at least one node is needed");
  }
  std::string password;
  if (!options.password_file.empty()) {
    ASSIGN_OR_RETURN(std::string contents, env::ReadFileToString(env::DefaultFileSystem(), options.password_file));
    password = contents.substr(0, contents.find_first_of("\r\n"));
    if (password.empty()) {
      return absl::InvalidArgumentError(
          fmt::format("distributed: password_file: {} holds no password on its first line",
                      options.password_file));
    }
  }
  std::unique_ptr<ClusterClient> c(new ClusterClient(options, std::move(password)));
  {
    MutexLock l(&c->mu_);
    c->topology_ = ClusterTopology::SingleNode(options.nodes.front());
  }
  RETURN_IF_ERROR(c->Refresh());
  RETURN_IF_ERROR(c->CheckExpectations());
  return c;
}

absl::StatusOr<std::unique_ptr<RespConnection>> ClusterClient::TakeFrom(
    const std::string& address) {
  {
    MutexLock l(&mu_);
    auto it = idle_.find(address);
    if (it != idle_.end() && !it->second.empty()) {
      std::unique_ptr<RespConnection> c = std::move(it->second.back());
      it->second.pop_back();
      return c;
    }
  }
  ASSIGN_OR_RETURN(auto host_port, SplitAddress(address));
  ASSIGN_OR_RETURN(std::unique_ptr<RespConnection> c,
                   RespConnection::Connect(host_port.first, host_port.second, timeout_));
  if (!password_.empty()) {
    Command auth = {"AUTH"};
    if (!options_.user.empty()) auth.push_back(options_.user);
    auth.push_back(password_);
    ASSIGN_OR_RETURN(RespReply r, c->Call(auth));
    // The reply names no password; say which user was refused.
    if (r.is_error()) {
      return absl::PermissionDeniedError(fmt::format(
          "{}: AUTH{} refused: {}", address,
          options_.user.empty() ? "" : " as " + options_.user, r.str));
    }
  }
  return c;
}

absl::StatusOr<std::unique_ptr<RespConnection>> ClusterClient::Take(uint16_t slot) {
  std::string leader;
  {
    MutexLock l(&mu_);
    leader = topology_.partition(topology_.PartitionOfSlot(slot)).leader;
  }
  return TakeFrom(leader);
}

void ClusterClient::Give(std::unique_ptr<RespConnection> connection) {
  if (connection == nullptr || connection->broken()) return;
  MutexLock l(&mu_);
  auto& idle = idle_[connection->address()];
  if (idle.size() < kMaxIdlePerNode) idle.push_back(std::move(connection));
}

ClusterTopology ClusterClient::Topology() const {
  MutexLock l(&mu_);
  return topology_;
}

size_t ClusterClient::PartitionOfSlot(uint16_t slot) const {
  MutexLock l(&mu_);
  return topology_.PartitionOfSlot(slot);
}

std::vector<uint16_t> ClusterClient::PartitionSlots() const {
  MutexLock l(&mu_);
  std::vector<uint16_t> slots;
  for (size_t p = 0; p < topology_.partitions(); ++p) slots.push_back(topology_.FirstSlot(p));
  return slots;
}

absl::StatusOr<std::vector<RespReply>> ClusterClient::CallOnce(
    const std::string& address, const std::vector<Command>& commands, bool* sent) {
  ASSIGN_OR_RETURN(std::unique_ptr<RespConnection> c, TakeFrom(address));
  if (sent != nullptr) *sent = true;
  auto replies = c->CallAll(commands);
  Give(std::move(c));
  return replies;
}

absl::Status ClusterClient::Refresh() {
  std::vector<std::string> ask;
  {
    MutexLock l(&mu_);
    for (size_t p = 0; p < topology_.partitions(); ++p) {
      for (const std::string& r : topology_.partition(p).replicas) ask.push_back(r);
    }
  }
  ask.insert(ask.end(), options_.nodes.begin(), options_.nodes.end());
  absl::Status last;
  std::vector<std::string> asked;
  for (const std::string& address : ask) {
    if (std::find(asked.begin(), asked.end(), address) != asked.end()) continue;
    asked.push_back(address);
    auto replies = CallOnce(address, {{"CLUSTER", "SHARDS"}});
    if (!replies.ok()) {
      last = replies.status();
      continue;
    }
    const RespReply& r = replies->front();
    absl::StatusOr<ClusterTopology> t =
        r.is_error() && absl::StrContains(r.str, "cluster support disabled")
            ? ClusterTopology::SingleNode(address)
            : r.is_error() ? absl::StatusOr<ClusterTopology>(ReplyStatus(r, address))
                           : ClusterTopology::FromShards(r);
    if (!t.ok()) {
      last = t.status();
      continue;
    }
    MutexLock l(&mu_);
    topology_ = *std::move(t);
    return absl::OkStatus();
  }
  return absl::UnavailableError(
      fmt::format("no node of the cluster answered CLUSTER SHARDS (asked {}); last: {}",
                  fmt::join(asked, ", "), std::string(last.message())));
}

absl::Status ClusterClient::CheckExpectations() {
  if (!options_.replication_factor && !options_.min_replicas && !options_.consistency) {
    return absl::OkStatus();
  }
  const std::string seed = Topology().partition(0).leader;
  ASSIGN_OR_RETURN(std::vector<RespReply> replies, CallOnce(seed, {{"CLUSTER", "INFO"}}));
  const RespReply& info = replies.front();
  if (info.is_error()) {
    return absl::FailedPreconditionError(fmt::format(
        "distributed: {} is not in cluster mode ({}), so replication_factor, min_replicas "
        "and consistency cannot hold",
        seed, info.str));
  }
  std::map<std::string, std::string, std::less<>> fields;
  for (absl::string_view piece : absl::StrSplit(info.str, "\r\n", absl::SkipEmpty())) {
    const std::string_view line(piece.data(), piece.size());
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      fields[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 1));
    }
  }
  auto check = [&](std::string_view field, std::string_view info_name,
                   const std::string& want) -> absl::Status {
    auto it = fields.find(info_name);
    const std::string have = it == fields.end() ? "(not reported)" : it->second;
    if (have == want) return absl::OkStatus();
    return absl::FailedPreconditionError(fmt::format(
        "distributed: {}: the config expects {}, the cluster ({}) has {}", field, want, seed,
        have));
  };
  if (options_.replication_factor) {
    RETURN_IF_ERROR(check("replication_factor", "cluster_replication_factor",
                          std::to_string(*options_.replication_factor)));
  }
  if (options_.min_replicas) {
    RETURN_IF_ERROR(check("min_replicas", "cluster_min_replicas",
                          std::to_string(*options_.min_replicas)));
  }
  if (options_.consistency) {
    RETURN_IF_ERROR(check("consistency", "cluster_consistency",
                          *options_.consistency == ReadConsistency::kStrong ? "strong"
                                                                            : "eventual"));
  }
  return absl::OkStatus();
}

absl::StatusOr<RespReply> ClusterClient::Call(uint16_t slot, const Command& command) {
  ASSIGN_OR_RETURN(std::vector<RespReply> replies, Call(slot, std::vector<Command>{command}));
  return std::move(replies.front());
}

absl::StatusOr<std::vector<RespReply>> ClusterClient::Call(uint16_t slot,
                                                           const std::vector<Command>& commands) {
  const auto deadline = Clock::now() + retry_timeout_;
  auto backoff = std::chrono::milliseconds(10);
  // The first attempt that may have been applied although it failed: it was
  // sent and the connection broke before the replies, or a leader appended
  // it and lost its leadership before it committed (a later leader may still
  // commit it). Empty while every failure so far applied nothing.
  std::string in_doubt;
  for (int attempt = 0;; ++attempt) {
    std::string leader;
    {
      MutexLock l(&mu_);
      leader = topology_.partition(topology_.PartitionOfSlot(slot)).leader;
    }
    bool sent = false;
    absl::StatusOr<std::vector<RespReply>> replies = CallOnce(leader, commands, &sent);
    absl::Status failed;  // its message names the node
    bool maybe_applied = false;
    Redirect redirect = Redirect::kNone;
    if (!replies.ok()) {
      if (!absl::IsUnavailable(replies.status())) return replies.status();
      failed = replies.status();
      redirect = Redirect::kRetry;
      maybe_applied = sent;
    } else {
      for (const RespReply& r : *replies) {
        redirect = RedirectOf(r);
        if (redirect == Redirect::kNone) continue;
        failed = absl::UnavailableError(fmt::format("{}: {}", leader, r.str));
        maybe_applied = absl::StrContains(r.str, "did not commit here");
        if (redirect == Redirect::kMoved) {
          // "MOVED <slot> <host:port>": that node leads the partition now.
          std::vector<std::string> parts = absl::StrSplit(r.str, ' ');
          if (parts.size() == 3) {
            MutexLock l(&mu_);
            topology_.SetLeader(slot, parts[2]);
          }
        }
        break;
      }
      if (redirect == Redirect::kNone) return replies;
    }
    if (maybe_applied && in_doubt.empty()) in_doubt = std::string(failed.message());
    if (Clock::now() >= deadline) {
      return absl::UnavailableError(fmt::format(
          "{} (still failing after retrying for {} ms){}", std::string(failed.message()),
          retry_timeout_.count(),
          in_doubt.empty() ? ""
                           : fmt::format("; the outcome is unknown: an earlier attempt may "
                                         "still be applied ({})",
                                         in_doubt)));
    }
    // A MOVED is followed at once (a few times); anything else waits for
    // an election or a restart, asking for a new map each time.
    if (redirect == Redirect::kMoved && attempt < 3) continue;
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        backoff, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(200));
    if (redirect == Redirect::kRetry) (void)Refresh();  // best effort; the next call says
  }
}

}  // namespace synapsed::storage
