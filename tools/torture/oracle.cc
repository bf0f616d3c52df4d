#include "tools/torture/oracle.h"

#include "tools/torture/oracle_layout.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>

#include "fmt/format.h"
#include "tools/torture/value_codec.h"

namespace synapsed::storage::torture {

absl::Status Oracle::Map(int fd, size_t size) {
  int flags = fd < 0 ? (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE) : MAP_SHARED;
  void* m = mmap(nullptr, size, PROT_READ | PROT_WRITE, flags, fd, 0);
  if (m == MAP_FAILED) {
    return absl::InternalError(fmt::format("mmap oracle: {}", std::strerror(errno)));
  }
  mem_ = m;
  size_ = size;
  l_ = static_cast<Layout*>(m);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Oracle>> Oracle::Create(const std::string& path,
                                                       uint32_t num_keys,
                                                       uint32_t threads,
                                                       uint64_t trace_capacity) {
  if (threads < 1 || threads > kMaxThreads || num_keys == 0 || num_keys > 999999) {
    return absl::InvalidArgumentError("oracle: 1-2 threads, 1-999999 keys");
  }
  std::unique_ptr<Oracle> o(new Oracle);
  const size_t size = Layout::Size(num_keys, trace_capacity);
  int fd = -1;
  if (!path.empty()) {
    fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ftruncate(fd, static_cast<off_t>(size)) != 0) {
      if (fd >= 0) close(fd);
      return absl::InternalError(fmt::format("oracle {}: {}", path, std::strerror(errno)));
    }
  }
  absl::Status s = o->Map(fd, size);
  if (fd >= 0) close(fd);
  if (!s.ok()) return s;
  o->l_->num_keys = num_keys;
  o->l_->threads = threads;
  o->l_->cap = trace_capacity;
  o->l_->config.threads = threads;
  for (uint32_t k = 0; k < num_keys; ++k) o->l_->keys()[k].next_id = 1;
  Fence();
  o->l_->magic = kMagic;
  return o;
}

absl::StatusOr<std::unique_ptr<Oracle>> Oracle::Attach(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(fmt::format("oracle {}: {}", path, std::strerror(errno)));
  }
  off_t size = lseek(fd, 0, SEEK_END);
  std::unique_ptr<Oracle> o(new Oracle);
  absl::Status s = size < static_cast<off_t>(sizeof(Layout))
                       ? absl::DataLossError(fmt::format("oracle {}: too short", path))
                       : o->Map(fd, static_cast<size_t>(size));
  close(fd);
  if (!s.ok()) return s;
  if (o->l_->magic != kMagic ||
      Layout::Size(o->l_->num_keys, o->l_->cap) != static_cast<size_t>(size)) {
    return absl::DataLossError(fmt::format("oracle {}: not an oracle file", path));
  }
  return o;
}

Oracle::~Oracle() {
  if (mem_ != nullptr) munmap(mem_, size_);
}

uint32_t Oracle::num_keys() const { return l_->num_keys; }
uint32_t Oracle::threads() const { return l_->threads; }
WorkloadConfig* Oracle::config() { return &l_->config; }
void Oracle::MarkOpen() {
  std::atomic_ref<uint32_t>(l_->config.child_open).store(1, std::memory_order_release);
}
bool Oracle::IsOpen() const {
  return std::atomic_ref<uint32_t>(l_->config.child_open).load(std::memory_order_acquire) != 0;
}
// Another writer thread may ack this key's write while an iterator of this
// thread reads it: an atomic access (the layout is plain memory shared across
// processes, so std::atomic_ref, as for child_open above).
uint64_t Oracle::acked(uint32_t key) const {
  return std::atomic_ref<uint64_t>(l_->keys()[key].acked).load(std::memory_order_acquire);
}
uint64_t Oracle::groups(int t) const { return l_->group_len[t]; }

std::optional<uint64_t> Oracle::WriteBegin(int t, std::span<const KeyWrite> writes,
                                           bool sync, std::vector<uint64_t>* states) {
  const uint64_t g = l_->group_len[t];
  const uint64_t w = l_->write_len[t];
  if (g >= l_->cap || w + writes.size() > l_->cap * kWritesPerGroup) return std::nullopt;
  states->clear();
  KeySlot* keys = l_->keys();
  for (size_t i = 0; i < writes.size(); ++i) {
    KeySlot& k = keys[writes[i].key];
    const uint64_t state = k.next_id++ << 1 | (writes[i].del ? 1 : 0);
    states->push_back(state);
    l_->writes(t)[w + i] = WriteRec{writes[i].key, 0, state};
  }
  l_->groups(t)[g] = Group{l_->NextTick(), 0, static_cast<uint32_t>(w),
                           static_cast<uint32_t>(writes.size()), sync ? kFlagSync : 0, 0};
  Fence();
  l_->write_len[t] = w + writes.size();
  l_->group_len[t] = g + 1;
  Fence();
  for (size_t i = 0; i < writes.size(); ++i) keys[writes[i].key].pending = (*states)[i];
  Fence();
  return g;
}

void Oracle::WriteAck(int t, uint64_t group) {
  Group& g = l_->groups(t)[group];
  g.end = l_->NextTick();
  Fence();
  for (uint32_t i = 0; i < g.n; ++i) {
    const WriteRec& w = l_->writes(t)[g.first + i];
    std::atomic_ref<uint64_t>(l_->keys()[w.key].acked).store(w.state, std::memory_order_release);
    Fence();
    l_->keys()[w.key].pending = 0;
  }
  Fence();
}

void Oracle::WriteAbort(int t, uint64_t group) {
  Group& g = l_->groups(t)[group];
  g.flags |= kFlagAborted;
  Fence();
  g.end = l_->NextTick();
  Fence();
  for (uint32_t i = 0; i < g.n; ++i) l_->keys()[l_->writes(t)[g.first + i].key].pending = 0;
  Fence();
}

void Oracle::Rebase(const std::vector<uint64_t>& recovered) {
  for (uint32_t k = 0; k < l_->num_keys; ++k) {
    KeySlot& s = l_->keys()[k];
    s.base = s.acked = recovered[k];
    s.pending = 0;
    // Ids of writes that were lost are never handed out again.
    if (recovered[k] != 0) s.next_id = std::max(s.next_id, StateId(recovered[k]) + 1);
  }
  for (int t = 0; t < kMaxThreads; ++t) l_->group_len[t] = l_->write_len[t] = 0;
}

VerifyResult Oracle::Verify(Store* db, bool strict) {
  VerifyResult r;
  const uint32_t n = l_->num_keys;
  r.recovered.assign(n, 0);
  auto problem = [&r](std::string msg) {
    if (r.problems.size() < 12) r.problems.push_back(std::move(msg));
  };
  // 1. Read everything: one scan, and a Get per key, which must agree. The
  // scan is walked beside the keys in order (key names sort as their
  // numbers), so the check holds one value at a time, not the database.
  auto it = db->NewIterator(ReadOptions(), KeyRange::All());
  it->SeekToFirst();
  std::string prev;
  // The scanned value of key k (nullopt: the scan does not have it); flags
  // any key the scan yields that is not one of ours or out of order.
  auto scanned_value = [&](uint32_t k) -> std::optional<std::string> {
    for (; it->Valid(); it->Next()) {
      std::string key(it->key());
      auto pk = ParseKeyName(key);
      if (!pk || *pk >= n || (!prev.empty() && key <= prev)) {
        ++r.mismatches;
        problem(fmt::format("scan yields unexpected or unordered key '{}'", key));
        prev = key;
        continue;
      }
      if (*pk > k) return std::nullopt;
      prev = key;
      std::string value(it->value());
      it->Next();
      return value;
    }
    return std::nullopt;
  };
  for (uint32_t k = 0; k < n; ++k) {
    ++r.keys_checked;
    const std::optional<std::string> scanned = scanned_value(k);
    auto got = db->Get(KeyName(k));
    std::optional<std::string> value;
    if (got.ok()) {
      value = *got;
    } else if (!absl::IsNotFound(got.status())) {
      ++r.mismatches;
      problem(fmt::format("Get {} failed: {}", KeyName(k), std::string(got.status().message())));
      continue;
    }
    if (value != scanned) {
      ++r.mismatches;
      problem(fmt::format("{}: Get and Scan disagree ({} vs {})", KeyName(k),
                          value ? "present" : "absent", scanned ? "present" : "absent"));
      continue;
    }
    if (value) {
      auto id = DecodeValue(k, *value);
      if (!id) {
        ++r.mismatches;
        problem(fmt::format("{}: value is not one any write stored ({} bytes)", KeyName(k),
                            value->size()));
        continue;
      }
      r.recovered[k] = *id << 1;
    }
  }
  scanned_value(n);  // flags whatever the scan yields past the last key
  if (!it->status().ok()) {
    ++r.mismatches;
    problem(fmt::format("full scan failed: {}", std::string(it->status().message())));
  }
  // 2. Strict: every acknowledged write is there (a pending one may be).
  if (strict) {
    for (uint32_t k = 0; k < n; ++k) {
      const KeySlot& s = l_->keys()[k];
      auto same = [](uint64_t a, uint64_t b) {
        return a == b || (!StatePresent(a) && !StatePresent(b));
      };
      if (same(r.recovered[k], s.acked) || (s.pending != 0 && same(r.recovered[k], s.pending))) {
        continue;
      }
      ++r.mismatches;
      problem(fmt::format("{}: recovered {} but acknowledged {}{}", KeyName(k),
                          r.recovered[k], s.acked,
                          s.pending ? fmt::format(" (pending {})", s.pending) : ""));
    }
  }
  // 3. The state after some prefix of the acknowledged writes, no hole.
  CheckPrefix(r.recovered, strict, &r);
  if (r.holes == 0 && r.mismatches == 0) {
    r.values_matched = static_cast<uint64_t>(
        std::count_if(r.recovered.begin(), r.recovered.end(), StatePresent));
  }
  return r;
}

}  // namespace synapsed::storage::torture
