#include "log/txn_check.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace k3s::kine {
namespace {

struct BranchWrites {
  std::set<std::string> put_keys;
  std::vector<std::pair<std::string, std::string>> deletes;  // [key, range_end)
};

[[noreturn]] void duplicate() {
  throw StoreError(Errc::invalid_argument, "etcdserver: duplicate key given in txn request");
}

bool covers(const std::pair<std::string, std::string>& range, const std::string& key) {
  const auto& [start, end] = range;
  if (end.empty()) return key == start;
  if (end == std::string(1, '\0')) return key >= start;
  return key >= start && key < end;
}

void collect(const std::vector<RequestOp>& ops, BranchWrites& writes);

// A nested txn runs one of its branches; like etcd, each is checked against the outer writes
// and both contribute to what the outer branch writes.
void collect_nested(const TxnRequest& nested, BranchWrites& writes) {
  BranchWrites merged = writes;
  for (const auto* branch : {&nested.success, &nested.failure}) {
    BranchWrites local = writes;
    collect(*branch, local);
    merged.put_keys.insert(local.put_keys.begin(), local.put_keys.end());
    merged.deletes.insert(merged.deletes.end(), local.deletes.begin() + static_cast<long>(writes.deletes.size()),
                          local.deletes.end());
  }
  writes = std::move(merged);
}

void collect(const std::vector<RequestOp>& ops, BranchWrites& writes) {
  for (const auto& op : ops) {
    if (const auto* put = std::get_if<PutRequest>(&op)) {
      if (!writes.put_keys.insert(put->key).second) duplicate();
      for (const auto& range : writes.deletes) {
        if (covers(range, put->key)) duplicate();
      }
    } else if (const auto* del = std::get_if<DeleteRangeRequest>(&op)) {
      std::pair<std::string, std::string> range{del->key, del->range_end};
      for (const auto& key : writes.put_keys) {
        if (covers(range, key)) duplicate();
      }
      writes.deletes.push_back(std::move(range));
    } else if (const auto* nested = std::get_if<std::shared_ptr<TxnRequest>>(&op)) {
      if (*nested) collect_nested(**nested, writes);
    }
  }
}

}  // namespace

void check_txn_keys(const TxnRequest& req) {
  for (const auto* branch : {&req.success, &req.failure}) {
    BranchWrites writes;
    collect(*branch, writes);
  }
}

}  // namespace k3s::kine
