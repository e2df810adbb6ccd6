// One row of the kine table and how it reads as etcd key-values and events.
#pragma once

#include <optional>
#include <string>

#include "kine/store.h"
#include "sql/driver.h"

namespace k3s::kine::log {

// The reserved row holding the compact revision in prev_revision (kine's convention).
inline constexpr const char* kCompactRevKey = "compact_rev_key";
// Rows written to fill an id the database skipped; they carry no event.
inline constexpr const char* kGapKeyPrefix = "gap-";

struct LogRow {
  int64_t id = 0;
  std::string name;
  bool created = false;
  bool deleted = false;
  int64_t create_revision = 0;  // 0 on the row that created the key: its own id is the create revision
  int64_t prev_revision = 0;    // id of the row this one supersedes
  int64_t lease = 0;
  std::string value;
  std::string old_value;
  int64_t version = 1;  // from kine_version; for deletions the version of the deleted key-value

  int64_t effective_create_revision() const { return created ? id : create_revision; }
  bool is_bookkeeping() const;  // compact_rev_key and gap fillers
  KeyValue key_value() const;
  std::optional<KeyValue> previous_key_value() const;  // derived from old_value/prev_revision
  Event event(bool with_prev_kv) const;
};

// SELECT list matching LogRow::from_row; `kv` is the kine table, `v` the kine_version join.
inline constexpr const char* kRowColumns =
    "kv.id, kv.name, kv.created, kv.deleted, kv.create_revision, kv.prev_revision, kv.lease, kv.value, "
    "kv.old_value, v.version";
inline constexpr const char* kVersionJoin = " LEFT JOIN kine_version v ON v.id = kv.id";

LogRow row_from_sql(sql::Row& row);

}  // namespace k3s::kine::log
