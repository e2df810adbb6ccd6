// etcd's static checks on a Txn, applied before anything is written, so the SQL backends
// refuse exactly what a real etcd refuses.
#pragma once

#include "kine/store.h"

namespace k3s::kine {

// Throws StoreError(invalid_argument, "etcdserver: duplicate key given in txn request") when
// one branch (with its nested txns) puts the same key twice, or puts a key that a delete in
// the same branch covers.
void check_txn_keys(const TxnRequest& req);

}  // namespace k3s::kine
