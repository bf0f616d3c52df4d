// The transaction of a principal's store (security/acl_store.h): every read
// and write is checked as it is made; a denied one is refused and poisons
// the transaction, whose Commit then fails with PermissionDenied and applies
// nothing. Commit also fails, applying nothing, if the ACL's revision moved
// since the transaction began (etcd's auth revision): it was checked under
// rules that no longer hold. Not thread-safe, as every Transaction.
#ifndef SYNAPSED_SECURITY_ACL_TRANSACTION_H_
#define SYNAPSED_SECURITY_ACL_TRANSACTION_H_

#include <memory>
#include <string>

#include "security/acl_core.h"
#include "synapsed/storage/transaction.h"

namespace synapsed::storage::security {

std::unique_ptr<Transaction> NewAclTransaction(
    std::shared_ptr<AclCore> core, std::string principal, uint64_t revision,
    std::unique_ptr<Transaction> inner);

}  // namespace synapsed::storage::security

#endif  // SYNAPSED_SECURITY_ACL_TRANSACTION_H_
