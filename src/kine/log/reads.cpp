#include "log/reads.h"

namespace k3s::kine::log {
namespace {

using sql::Param;

std::string live_subquery(const KeyRange& range) {
  std::string sql = "SELECT MAX(mkv.id) AS id FROM kine mkv WHERE mkv.name >= ?";
  if (!range.unbounded()) sql += " AND mkv.name < ?";
  sql += " AND mkv.id <= ? GROUP BY mkv.name";
  return sql;
}

// etcd spells "from the very first key" as "\0", which PostgreSQL text cannot hold; "" sorts first too.
std::string lower_bound_key(const std::string& key) { return key == std::string(1, '\0') ? std::string() : key; }

sql::Params live_params(const KeyRange& range, int64_t at_revision) {
  sql::Params params{Param::Text(lower_bound_key(range.key))};
  if (!range.unbounded()) params.push_back(Param::Text(range.end));
  params.push_back(Param::Int(at_revision));
  return params;
}

std::vector<LogRow> to_rows(std::vector<sql::Row> rows) {
  std::vector<LogRow> out;
  out.reserve(rows.size());
  for (auto& row : rows) out.push_back(row_from_sql(row));
  return out;
}

}  // namespace

void check_key(const std::string& key) {
  if (key.empty()) throw StoreError(Errc::invalid_argument, "etcdserver: key is not provided");
}

std::optional<LogRow> newest_row(sql::Connection& conn, const std::string& key, int64_t at_revision) {
  static const std::string kSql = std::string("SELECT ") + kRowColumns + " FROM kine kv" + kVersionJoin +
                                  " WHERE kv.name = ? AND kv.id <= ? ORDER BY kv.id DESC LIMIT 1";
  auto rows = conn.query(kSql, {Param::Text(key), Param::Int(at_revision)});
  if (rows.empty()) return std::nullopt;
  return row_from_sql(rows[0]);
}

std::vector<LogRow> live_rows(sql::Connection& conn, const KeyRange& range, int64_t at_revision, int64_t limit) {
  if (!range.unbounded() && range.end <= range.key) return {};
  std::string sql = std::string("SELECT ") + kRowColumns + " FROM kine kv JOIN (" + live_subquery(range) +
                    ") maxkv ON maxkv.id = kv.id" + kVersionJoin +
                    " WHERE kv.deleted = 0 AND kv.name <> 'compact_rev_key' ORDER BY kv.name ASC LIMIT ?";
  sql::Params params = live_params(range, at_revision);
  params.push_back(Param::Int(limit > 0 ? limit : std::numeric_limits<int64_t>::max()));
  return to_rows(conn.query(sql, params));
}

int64_t count_live(sql::Connection& conn, const KeyRange& range, int64_t at_revision) {
  if (!range.unbounded() && range.end <= range.key) return 0;
  std::string sql = "SELECT COUNT(*) FROM (" + live_subquery(range) +
                    ") maxkv JOIN kine kv ON kv.id = maxkv.id WHERE kv.deleted = 0 AND kv.name <> 'compact_rev_key'";
  auto rows = conn.query(sql, live_params(range, at_revision));
  return rows.empty() ? 0 : rows[0].integer(0);
}

std::vector<LogRow> rows_between(sql::Connection& conn, int64_t after, int64_t up_to, const KeyRange* range,
                                 int64_t limit) {
  std::string sql = std::string("SELECT ") + kRowColumns + " FROM kine kv" + kVersionJoin +
                    " WHERE kv.id > ? AND kv.id <= ?";
  sql::Params params{Param::Int(after), Param::Int(up_to)};
  if (range) {
    if (range->single()) {
      sql += " AND kv.name = ?";
      params.push_back(Param::Text(range->key));
    } else {
      sql += " AND kv.name >= ?";
      params.push_back(Param::Text(lower_bound_key(range->key)));
      if (!range->unbounded()) {
        sql += " AND kv.name < ?";
        params.push_back(Param::Text(range->end));
      }
    }
  }
  sql += " ORDER BY kv.id ASC LIMIT ?";
  params.push_back(Param::Int(limit));
  return to_rows(conn.query(sql, params));
}

std::vector<LogRow> live_rows_with_lease(sql::Connection& conn, int64_t lease) {
  static const std::string kSql =
      std::string("SELECT ") + kRowColumns + " FROM kine kv" + kVersionJoin +
      " WHERE kv.lease = ? AND kv.deleted = 0 AND NOT EXISTS "
      "(SELECT 1 FROM kine nkv WHERE nkv.name = kv.name AND nkv.id > kv.id) ORDER BY kv.name ASC";
  return to_rows(conn.query(kSql, {Param::Int(lease)}));
}

int64_t max_revision(sql::Connection& conn) {
  auto rows = conn.query("SELECT MAX(id) FROM kine", {});
  return rows.empty() || rows[0].is_null(0) ? 0 : rows[0].integer(0);
}

int64_t stored_compact_revision(sql::Connection& conn) {
  auto rows = conn.query("SELECT prev_revision FROM kine WHERE name = 'compact_rev_key' ORDER BY id DESC LIMIT 1", {});
  return rows.empty() ? 0 : rows[0].integer(0);
}

bool lease_exists(sql::Connection& conn, int64_t lease) {
  return !conn.query("SELECT ttl FROM kine_lease WHERE id = ?", {Param::Int(lease)}).empty();
}

RangeResponse read_range(sql::Connection& conn, const RangeRequest& req, int64_t at_revision) {
  check_key(req.key);
  if (req.limit < 0) throw StoreError(Errc::invalid_argument, "etcdserver: negative limit");
  RangeResponse resp;
  KeyRange range{req.key, req.range_end};
  if (range.single()) {
    auto row = newest_row(conn, req.key, at_revision);
    if (row && !row->deleted && !row->is_bookkeeping()) {
      resp.count = 1;
      if (!req.count_only) resp.kvs.push_back(row->key_value());
    }
  } else if (req.count_only) {
    resp.count = count_live(conn, range, at_revision);
  } else {
    auto rows = live_rows(conn, range, at_revision, req.limit > 0 ? req.limit + 1 : 0);
    if (req.limit > 0 && static_cast<int64_t>(rows.size()) > req.limit) {
      resp.more = true;
      rows.resize(req.limit);
      resp.count = count_live(conn, range, at_revision);
    } else {
      resp.count = static_cast<int64_t>(rows.size());
    }
    resp.kvs.reserve(rows.size());
    for (const auto& row : rows) resp.kvs.push_back(row.key_value());
  }
  if (req.keys_only)
    for (auto& kv : resp.kvs) kv.value.clear();
  return resp;
}

}  // namespace k3s::kine::log
