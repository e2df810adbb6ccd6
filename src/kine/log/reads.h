// Read queries over the kine table, shared by readers (pooled connections) and the
// writer (inside its transaction, where it sees its own uncommitted rows).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "kine/store.h"
#include "log/log_row.h"
#include "sql/driver.h"

namespace k3s::kine::log {

inline constexpr int64_t kNewest = std::numeric_limits<int64_t>::max();

// etcd key range: end empty = the single key; end "\0" = every key >= key.
struct KeyRange {
  std::string key;
  std::string end;
  bool single() const { return end.empty(); }
  bool unbounded() const { return end.size() == 1 && end[0] == '\0'; }
  bool contains(const std::string& name) const {
    if (single()) return name == key;
    if (name < key) return false;
    return unbounded() || name < end;
  }
};

// Throws StoreError(invalid_argument) on an empty key.
void check_key(const std::string& key);

std::optional<LogRow> newest_row(sql::Connection& conn, const std::string& key, int64_t at_revision);
// Live (not deleted) key-values of the range as of at_revision, in key order.
std::vector<LogRow> live_rows(sql::Connection& conn, const KeyRange& range, int64_t at_revision, int64_t limit);
int64_t count_live(sql::Connection& conn, const KeyRange& range, int64_t at_revision);
// Rows with after < id <= up_to (optionally only names within range), in id order.
std::vector<LogRow> rows_between(sql::Connection& conn, int64_t after, int64_t up_to, const KeyRange* range,
                                 int64_t limit);
std::vector<LogRow> live_rows_with_lease(sql::Connection& conn, int64_t lease);
int64_t max_revision(sql::Connection& conn);
int64_t stored_compact_revision(sql::Connection& conn);
bool lease_exists(sql::Connection& conn, int64_t lease);

RangeResponse read_range(sql::Connection& conn, const RangeRequest& req, int64_t at_revision);

}  // namespace k3s::kine::log
