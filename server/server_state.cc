#include "server/server_state.h"

#include "fmt/format.h"

namespace synapsed::storage::server {

std::string_view SyncModeName(SyncMode mode) {
  switch (mode) {
    case SyncMode::kAlways: return "always";
    case SyncMode::kEverySec: return "everysec";
    case SyncMode::kNever: return "never";
  }
  return "?";
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool ClientRegistry::Add(ClientInfo* c, size_t max) {
  MutexLock lock(&mu_);
  if (max > 0 && clients_.size() >= max) return false;
  c->id = next_id_.fetch_add(1);
  clients_[c->id] = c;
  return true;
}

void ClientRegistry::Remove(const ClientInfo* c) {
  MutexLock lock(&mu_);
  clients_.erase(c->id);
}

size_t ClientRegistry::size() const {
  MutexLock lock(&mu_);
  return clients_.size();
}

std::string ClientRegistry::List() const {
  const int64_t now = NowMs();
  std::string out;
  MutexLock lock(&mu_);
  for (const auto& [id, c] : clients_) {
    MutexLock client_lock(&c->mu);
    // Redis's fields, in its order, for the ones that mean something here.
    out += fmt::format(
        "id={} addr={} laddr={} name={} age={} idle={} flags={} db=0 sub=0 psub=0 "
        "multi={} resp={} cmd={}\n",
        id, c->addr, c->laddr, c->name, (now - c->created_ms) / 1000,
        (now - c->last_ms.load()) / 1000, c->in_multi.load() ? "x" : "N",
        c->in_multi.load() ? 0 : -1, c->protocol.load(),
        c->last_command.empty() ? "NULL" : c->last_command);
  }
  return out;
}

}  // namespace synapsed::storage::server
