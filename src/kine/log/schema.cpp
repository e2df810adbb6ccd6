#include "log/schema.h"

#include "log/log_row.h"

namespace k3s::kine::log {

void prepare_database(sql::Driver& driver) {
  driver.create_database_if_missing();
  auto conn = driver.connect();
  for (const auto& statement : driver.schema_statements()) {
    try {
      conn->execute(statement);
    } catch (const sql::SqlError& e) {
      if (!driver.is_already_exists(e)) throw;
    }
  }
  auto rows = conn->query("SELECT COUNT(*) FROM kine WHERE name = 'compact_rev_key'", {});
  if (rows.empty() || rows[0].integer(0) == 0) {
    try {
      conn->modify(
          "INSERT INTO kine(name, created, deleted, create_revision, prev_revision, lease, value, old_value) "
          "VALUES(?, 0, 0, 0, 0, 0, ?, ?)",
          {sql::Param::Text(kCompactRevKey), sql::Param::Blob(""), sql::Param::Blob("")});
    } catch (const sql::SqlError& e) {
      if (e.kind() != sql::ErrorKind::unique_violation) throw;  // another server created it first
    }
  }
}

}  // namespace k3s::kine::log
