#include "log/log_row.h"

namespace k3s::kine::log {

bool LogRow::is_bookkeeping() const {
  if (name == kCompactRevKey) return true;
  return deleted && prev_revision == 0 && name.rfind(kGapKeyPrefix, 0) == 0;
}

KeyValue LogRow::key_value() const {
  KeyValue kv;
  kv.key = name;
  if (deleted) {
    kv.mod_revision = id;
    return kv;
  }
  kv.value = value;
  kv.create_revision = effective_create_revision();
  kv.mod_revision = id;
  kv.version = version;
  kv.lease = lease;
  return kv;
}

std::optional<KeyValue> LogRow::previous_key_value() const {
  if (created && !deleted) return std::nullopt;
  KeyValue prev;
  prev.key = name;
  prev.create_revision = create_revision;
  prev.mod_revision = prev_revision;
  if (deleted) {
    prev.value = value;
    prev.version = version;
    prev.lease = lease;
  } else {
    prev.value = old_value;
    prev.version = version - 1;
  }
  return prev;
}

Event LogRow::event(bool with_prev_kv) const {
  Event event;
  event.type = deleted ? Event::Type::del : Event::Type::put;
  event.kv = key_value();
  if (with_prev_kv) event.prev_kv = previous_key_value();
  return event;
}

LogRow row_from_sql(sql::Row& row) {
  LogRow out;
  out.id = row.integer(0);
  out.name = row.take_bytes(1);
  out.created = row.integer(2) != 0;
  out.deleted = row.integer(3) != 0;
  out.create_revision = row.integer(4);
  out.prev_revision = row.integer(5);
  out.lease = row.integer(6);
  out.value = row.take_bytes(7);
  out.old_value = row.take_bytes(8);
  // Rows written by plain kine have no version entry; report them as first versions.
  out.version = row.is_null(9) ? 1 : row.integer(9);
  return out;
}

}  // namespace k3s::kine::log
