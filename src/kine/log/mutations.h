// The write operations, run by the writer inside one database transaction. Every change
// appends a row; the events they produce are handed to the watch side after commit.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "kine/store.h"
#include "log/log_row.h"
#include "sql/driver.h"

namespace k3s::kine::log {

// A committed change with its exact previous key-value, as watchers receive it.
struct CommittedEvent {
  int64_t revision = 0;
  Event event;  // prev_kv always filled when there was one
};

class Mutations {
 public:
  Mutations(sql::Connection& conn, std::vector<CommittedEvent>& events) : conn_(conn), events_(events) {}

  RangeResponse range(const RangeRequest& req);
  PutResponse put(const PutRequest& req);
  DeleteRangeResponse delete_range(const DeleteRangeRequest& req);
  TxnResponse txn(const TxnRequest& req);

  void grant_lease(int64_t id, int64_t ttl);
  // Deletes the lease's keys and the lease; false when it did not exist.
  bool revoke_lease(int64_t id);

  // Removes history superseded at or below `revision` for ids in (from, to]; returns rows removed.
  int64_t compact_window(int64_t from, int64_t to, int64_t revision);
  void store_compact_revision(int64_t revision);

 private:
  // Newest row of `key` as this operation first saw it (or as it wrote it). Writes supersede
  // exactly that row, so if another server changed the key after a compare looked at it,
  // the unique (name, prev_revision) index rejects us and the writer re-evaluates.
  std::optional<LogRow> newest(const std::string& key);
  void remember(const LogRow& row) { seen_[row.name] = row; }
  int64_t append(const LogRow& row);
  void delete_row(const LogRow& live);
  bool compare_holds(const Compare& cmp);
  int64_t current_revision();

  sql::Connection& conn_;
  std::vector<CommittedEvent>& events_;
  std::map<std::string, std::optional<LogRow>> seen_;
};

}  // namespace k3s::kine::log
