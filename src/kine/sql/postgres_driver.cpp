// PostgreSQL through libpq: prepared statements (`?` rewritten to $n), binary results,
// LISTEN/NOTIFY so servers sharing the database wake each other's change feeds.
#include <poll.h>

#include <cstring>
#include <unordered_map>

#include "kine/store.h"
#include "sql/client_libraries.h"
#include "sql/drivers.h"

namespace k3s::kine::sql {
namespace {

const LibPq& pq() { return libpq(); }


constexpr Oid kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23;
constexpr const char* kChannel = "kine";

std::string to_dollar_placeholders(const std::string& sql) {
  std::string out;
  int n = 0;
  for (char c : sql) {
    if (c == '?')
      out += "$" + std::to_string(++n);
    else
      out.push_back(c);
  }
  return out;
}

bool connection_class(const char* sqlstate) {
  if (!sqlstate) return false;
  return std::strncmp(sqlstate, "08", 2) == 0 || std::strncmp(sqlstate, "57P0", 4) == 0 ||
         std::strncmp(sqlstate, "53", 2) == 0;  // insufficient resources (too many connections)
}

int64_t read_be(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  if (bytes == 8) return static_cast<int64_t>(v);
  if (bytes == 4) return static_cast<int32_t>(v);
  return static_cast<int16_t>(v);
}

struct ConnParams {
  std::vector<std::string> keys, values;
  void add(const std::string& k, const std::string& v) {
    if (v.empty()) return;
    keys.push_back(k);
    values.push_back(v);
  }
};

class PgConnection : public Connection {
 public:
  explicit PgConnection(const ConnParams& params) {
    std::vector<const char*> keys, values;
    for (std::size_t i = 0; i < params.keys.size(); ++i) {
      keys.push_back(params.keys[i].c_str());
      values.push_back(params.values[i].c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    conn_ = pq().PQconnectdbParams(keys.data(), values.data(), 0);
    if (!conn_ || pq().PQstatus(conn_) != CONNECTION_OK) {
      std::string message = conn_ ? pq().PQerrorMessage(conn_) : "out of memory";
      pq().PQfinish(conn_);
      conn_ = nullptr;
      trim(message);
      bool bad_option = message.find("invalid connection option") != std::string::npos ||
                        message.find("invalid sslmode") != std::string::npos;
      bool auth = message.find("authentication") != std::string::npos ||
                  message.find("password") != std::string::npos;
      throw SqlError(bad_option || auth ? ErrorKind::other : ErrorKind::connection_lost, "postgres: " + message);
    }
    // "relation already exists, skipping" and friends are not worth a line on stderr.
    pq().PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  }

  ~PgConnection() override { pq().PQfinish(conn_); }

  void execute(const std::string& sql) override {
    PGresult* res = pq().PQexec(conn_, sql.c_str());
    check(res, sql);
    pq().PQclear(res);
  }

  std::vector<Row> query(const std::string& sql, const Params& params) override {
    PGresult* res = run(sql, params);
    std::vector<Row> rows;
    int nrows = pq().PQntuples(res), ncols = pq().PQnfields(res);
    rows.reserve(nrows);
    for (int r = 0; r < nrows; ++r) {
      std::vector<Cell> cells(ncols);
      for (int c = 0; c < ncols; ++c) {
        if (pq().PQgetisnull(res, r, c)) continue;
        const char* data = pq().PQgetvalue(res, r, c);
        int len = pq().PQgetlength(res, r, c);
        Oid type = pq().PQftype(res, c);
        if (type == kInt8 || type == kInt4 || type == kInt2) {
          cells[c].type = Cell::Type::integer;
          cells[c].integer = read_be(data, len);
        } else if (type == kBool) {
          cells[c].type = Cell::Type::integer;
          cells[c].integer = len > 0 && data[0] ? 1 : 0;
        } else {
          cells[c].type = Cell::Type::bytes;
          cells[c].bytes.assign(data, len);
        }
      }
      rows.emplace_back(std::move(cells));
    }
    pq().PQclear(res);
    return rows;
  }

  int64_t insert_returning_id(const std::string& sql, const Params& params) override {
    auto rows = query(sql + " RETURNING id", params);
    if (rows.empty()) throw SqlError(ErrorKind::other, "postgres: INSERT returned no id");
    return rows[0].integer(0);
  }

  int64_t modify(const std::string& sql, const Params& params) override {
    PGresult* res = run(sql, params);
    const char* affected = pq().PQcmdTuples(res);
    int64_t n = affected && *affected ? std::stoll(affected) : 0;
    pq().PQclear(res);
    return n;
  }

  bool wait_for_notification(std::chrono::milliseconds timeout) override {
    if (PGnotify* n = pq().PQnotifies(conn_)) {
      pq().PQfreemem(n);
      return true;
    }
    pollfd pfd{pq().PQsocket(conn_), POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (ready < 0) return false;
    if (ready > 0 && !pq().PQconsumeInput(conn_)) lost("postgres: lost the LISTEN connection: ");
    if (pq().PQstatus(conn_) != CONNECTION_OK) lost("postgres: lost the LISTEN connection: ");
    bool any = false;
    while (PGnotify* n = pq().PQnotifies(conn_)) {
      any = true;
      pq().PQfreemem(n);
    }
    return any;
  }

 private:
  static void trim(std::string& s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    for (auto& c : s)
      if (c == '\n' || c == '\t') c = ' ';
  }

  [[noreturn]] void lost(const std::string& prefix) {
    std::string message = pq().PQerrorMessage(conn_);
    trim(message);
    throw SqlError(ErrorKind::connection_lost, prefix + message);
  }

  void check(PGresult* res, const std::string& sql) {
    ExecStatusType status = res ? pq().PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
    std::string message = res ? pq().PQresultErrorMessage(res) : pq().PQerrorMessage(conn_);
    const char* sqlstate = res ? pq().PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string state = sqlstate ? sqlstate : "";
    pq().PQclear(res);
    trim(message);
    if (pq().PQstatus(conn_) != CONNECTION_OK || connection_class(state.c_str()))
      throw SqlError(ErrorKind::connection_lost, "postgres: " + message);
    if (state == "23505") throw SqlError(ErrorKind::unique_violation, "postgres: " + message);
    (void)sql;
    throw SqlError(ErrorKind::other, "postgres: " + message);
  }

  PGresult* run(const std::string& sql, const Params& params) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
      std::string name = "k" + std::to_string(statements_.size());
      PGresult* res = pq().PQprepare(conn_, name.c_str(), to_dollar_placeholders(sql).c_str(), 0, nullptr);
      check(res, sql);
      pq().PQclear(res);
      it = statements_.emplace(sql, name).first;
    }
    std::vector<std::string> numbers(params.size());
    std::vector<const char*> values(params.size());
    std::vector<int> lengths(params.size()), formats(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Param& p = params[i];
      switch (p.type) {
        case Param::Type::null:
          values[i] = nullptr;
          break;
        case Param::Type::integer:
          numbers[i] = std::to_string(p.integer);
          values[i] = numbers[i].c_str();
          lengths[i] = static_cast<int>(numbers[i].size());
          break;
        case Param::Type::text:
        case Param::Type::blob:
          // Binary format: text and bytea both travel as their raw bytes.
          values[i] = p.bytes.data();
          lengths[i] = static_cast<int>(p.bytes.size());
          formats[i] = 1;
          break;
      }
    }
    PGresult* res = pq().PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()), values.data(),
                                   lengths.data(), formats.data(), 1);
    check(res, sql);
    return res;
  }

  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> statements_;
};

class PostgresDriver : public Driver {
 public:
  PostgresDriver(const Dsn& dsn, const StoreConfig& config) : dsn_(dsn) {
    base_.add("host", dsn.unix_socket.empty() ? dsn.host : dsn.unix_socket);
    base_.add("port", std::to_string(dsn.port));
    base_.add("user", dsn.user);
    base_.add("password", dsn.password);
    base_.add("connect_timeout", "5");
    base_.add("sslrootcert", config.ca_file);
    base_.add("sslcert", config.cert_file);
    base_.add("sslkey", config.key_file);
    if (!dsn.options.count("sslmode") && !config.ca_file.empty()) base_.add("sslmode", "verify-full");
    for (const auto& [key, value] : dsn.options) base_.add(key, value);
    // Reject unknown options now, with a clear message, rather than at the first connect.
    PQconninfoOption* known = pq().PQconndefaults();
    for (const auto& key : base_.keys) {
      bool found = false;
      for (PQconninfoOption* o = known; o && o->keyword; ++o)
        if (key == o->keyword) found = true;
      if (!found) {
        pq().PQconninfoFree(known);
        throw StoreError(Errc::invalid_argument, "invalid datastore endpoint: unknown postgres option \"" + key + "\"");
      }
    }
    pq().PQconninfoFree(known);
  }

  std::string backend() const override { return "postgres"; }
  std::string describe() const override {
    std::string where = dsn_.unix_socket.empty() ? dsn_.host + ":" + std::to_string(dsn_.port) : dsn_.unix_socket;
    return "postgres at " + where + "/" + dsn_.database;
  }

  void create_database_if_missing() override {
    std::unique_ptr<Connection> admin;
    try {
      admin = connect_to(dsn_.database);
      return;  // it exists
    } catch (const SqlError& e) {
      if (std::string(e.what()).find("does not exist") == std::string::npos) throw;
    }
    admin = connect_to("postgres");
    auto rows = admin->query("SELECT 1 FROM pg_database WHERE datname = ?", {Param::Text(dsn_.database)});
    if (!rows.empty()) return;
    try {
      admin->execute("CREATE DATABASE \"" + dsn_.database + "\"");
    } catch (const SqlError& e) {
      if (std::string(e.what()).find("already exists") == std::string::npos) throw;
    }
  }

  std::unique_ptr<Connection> connect() override { return connect_to(dsn_.database); }

  std::vector<std::string> schema_statements() const override {
    return {
        "CREATE TABLE IF NOT EXISTS kine (id BIGSERIAL PRIMARY KEY, name text COLLATE \"C\" NOT NULL, created INTEGER, "
        "deleted INTEGER, create_revision BIGINT, prev_revision BIGINT, lease BIGINT, value bytea, old_value bytea)",
        "CREATE INDEX IF NOT EXISTS kine_name_index ON kine (name)",
        "CREATE INDEX IF NOT EXISTS kine_name_id_index ON kine (name, id)",
        "CREATE INDEX IF NOT EXISTS kine_id_deleted_index ON kine (id, deleted)",
        "CREATE INDEX IF NOT EXISTS kine_prev_revision_index ON kine (prev_revision)",
        "CREATE UNIQUE INDEX IF NOT EXISTS kine_name_prev_revision_uindex ON kine (name, prev_revision)",
        "CREATE TABLE IF NOT EXISTS kine_version (id BIGINT PRIMARY KEY, version BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS kine_lease (id BIGINT PRIMARY KEY, ttl BIGINT NOT NULL)",
    };
  }

  std::string change_notify_statement() const override { return std::string("NOTIFY ") + kChannel; }
  std::string listen_statement() const override { return std::string("LISTEN ") + kChannel; }

  std::string server_version(Connection& conn) const override {
    auto rows = conn.query("SHOW server_version", {});
    return rows.empty() ? "" : rows[0].bytes(0);
  }

  int64_t database_size(Connection& conn) const override {
    auto rows = conn.query("SELECT pg_database_size(current_database())", {});
    return rows.empty() ? 0 : rows[0].integer(0);
  }

 private:
  std::unique_ptr<Connection> connect_to(const std::string& database) {
    ConnParams params = base_;
    params.add("dbname", database);
    return std::make_unique<PgConnection>(params);
  }

  Dsn dsn_;
  ConnParams base_;
};

}  // namespace

std::unique_ptr<Driver> make_postgres_driver(const Dsn& dsn, const StoreConfig& config) {
  return std::make_unique<PostgresDriver>(dsn, config);
}

}  // namespace k3s::kine::sql
