// Basic usage: open a native (LSM) store through the builder, write, read,
// batch, scan and run a transaction, printing each step.
//
//   basic [DIR]     (default: a fresh directory under /tmp, removed at exit)
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "synapsed/storage/builder.h"
#include "synapsed/storage/status_macros.h"

using namespace synapsed::storage;

absl::Status Run(const std::string& dir) {
  SYNAPSED_ASSIGN_OR_RETURN(std::unique_ptr<Store> db,
                            StorageBuilder(StorageConfig::Native(dir)).Build());
  std::cout << "opened a " << db->Name() << " store in " << dir << "\n";

  SYNAPSED_RETURN_IF_ERROR(db->Put("user/1", "ada"));
  std::cout << "put user/1 = ada\n";

  WriteBatch batch;  // applied atomically
  SYNAPSED_RETURN_IF_ERROR(batch.Put("user/2", "grace"));
  SYNAPSED_RETURN_IF_ERROR(batch.Put("user/3", "barbara"));
  SYNAPSED_RETURN_IF_ERROR(batch.Delete("user/1"));
  WriteOptions sync;
  sync.sync = true;  // durable once acknowledged
  SYNAPSED_RETURN_IF_ERROR(db->Write(sync, batch));
  std::cout
      << "wrote a batch: put user/2, put user/3, delete user/1 (synced)\n";

  SYNAPSED_ASSIGN_OR_RETURN(std::string v, db->Get("user/2"));
  std::cout << "get user/2 -> " << v << "\n";
  absl::StatusOr<std::string> gone = db->Get("user/1");
  std::cout << "get user/1 -> " << gone.status().ToString() << "\n";

  SYNAPSED_ASSIGN_OR_RETURN(auto users, db->Scan(KeyRange::Prefix("user/")));
  std::cout << "scan user/:";
  for (const KeyValue& kv : users)
    std::cout << " " << kv.key << "=" << kv.value;
  std::cout << "\n";

  SYNAPSED_ASSIGN_OR_RETURN(auto txn,
                            db->BeginTransaction());  // snapshot isolation
  SYNAPSED_RETURN_IF_ERROR(txn->Put("user/4", "edsger"));
  SYNAPSED_RETURN_IF_ERROR(txn->Commit());
  SYNAPSED_ASSIGN_OR_RETURN(bool exists, db->Exists("user/4"));
  std::cout << "committed a transaction; user/4 exists: "
            << (exists ? "yes" : "no") << "\n";
  return absl::OkStatus();
}

int main(int argc, char** argv) {
  std::string dir;
  bool remove = false;
  if (argc > 1) {
    dir = argv[1];
  } else {
    char tmpl[] = "/tmp/synapsed_basic_XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    dir = tmpl;
    remove = true;
  }
  absl::Status s = Run(dir);
  if (remove) std::filesystem::remove_all(dir);
  if (!s.ok()) {
    std::cerr << "basic: " << s << "\n";
    return 1;
  }
  std::cout << "basic: OK\n";
  return 0;
}
