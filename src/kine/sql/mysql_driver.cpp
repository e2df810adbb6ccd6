// MySQL/MariaDB through libmariadb's text protocol. Parameters are inlined as integer
// literals or X'hex' literals, which need no escaping and keep bytes exact. Sessions run
// READ COMMITTED so a re-evaluated write sees the row another server just committed.
#include <mysqld_error.h>
#include <errmsg.h>

#include "kine/store.h"
#include "sql/client_libraries.h"
#include "sql/drivers.h"

namespace k3s::kine::sql {
namespace {

const LibMariaDb& my() { return libmariadb(); }


bool is_connection_error(unsigned int code) {
  return code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST || code == CR_CONNECTION_ERROR ||
         code == CR_CONN_HOST_ERROR || code == CR_SERVER_LOST_EXTENDED || code == ER_CONNECTION_KILLED ||
         code == ER_SERVER_SHUTDOWN || code == CR_UNKNOWN_HOST || code == ER_CON_COUNT_ERROR ||
         code == 4031 /* ER_CLIENT_INTERACTION_TIMEOUT */;
}

std::string hex_literal(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  if (bytes.empty()) return "''";
  std::string out = "X'";
  out.reserve(bytes.size() * 2 + 3);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xf]);
  }
  out.push_back('\'');
  return out;
}

std::string bind(const std::string& sql, const Params& params) {
  std::string out;
  std::size_t next = 0;
  for (char c : sql) {
    if (c != '?') {
      out.push_back(c);
      continue;
    }
    if (next >= params.size()) throw SqlError(ErrorKind::other, "mysql: too few parameters for statement");
    const Param& p = params[next++];
    switch (p.type) {
      case Param::Type::null:
        out += "NULL";
        break;
      case Param::Type::integer:
        out += std::to_string(p.integer);
        break;
      case Param::Type::text:
      case Param::Type::blob:
        out += hex_literal(p.bytes);
        break;
    }
  }
  return out;
}

bool numeric_field(enum_field_types type) {
  switch (type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONGLONG:
      return true;
    default:
      return false;
  }
}

struct MysqlTarget {
  std::string host, user, password, socket;
  unsigned int port = 0;
  std::string ca, cert, key;
  bool tls = false;
};

class MysqlConnection : public Connection {
 public:
  MysqlConnection(const MysqlTarget& target, const std::string& database) {
    mysql_ = my().mysql_init(nullptr);
    if (!mysql_) throw SqlError(ErrorKind::other, "mysql: out of memory");
    unsigned int connect_timeout = 5, io_timeout = 60;
    my().mysql_optionsv(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    my().mysql_optionsv(mysql_, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    my().mysql_optionsv(mysql_, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    if (target.tls) {
      my().mysql_ssl_set(mysql_, target.key.empty() ? nullptr : target.key.c_str(),
                    target.cert.empty() ? nullptr : target.cert.c_str(), target.ca.empty() ? nullptr : target.ca.c_str(),
                    nullptr, nullptr);
      my_bool verify = target.ca.empty() ? 0 : 1;
      my().mysql_optionsv(mysql_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
    }
    if (!my().mysql_real_connect(mysql_, target.socket.empty() ? target.host.c_str() : nullptr, target.user.c_str(),
                            target.password.c_str(), database.empty() ? nullptr : database.c_str(), target.port,
                            target.socket.empty() ? nullptr : target.socket.c_str(), CLIENT_FOUND_ROWS)) {
      unsigned int code = my().mysql_errno(mysql_);
      std::string message = my().mysql_error(mysql_);
      my().mysql_close(mysql_);
      mysql_ = nullptr;
      bool retryable = is_connection_error(code) || code == ER_BAD_DB_ERROR;
      throw SqlError(retryable ? ErrorKind::connection_lost : ErrorKind::other,
                     "mysql: " + message + " (error " + std::to_string(code) + ")");
    }
    execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
  }

  ~MysqlConnection() override { my().mysql_close(mysql_); }

  unsigned int last_error() const { return my().mysql_errno(mysql_); }

  void execute(const std::string& sql) override {
    run(sql);
    discard_results();
  }

  std::vector<Row> query(const std::string& sql, const Params& params) override {
    run(bind(sql, params));
    MYSQL_RES* result = my().mysql_store_result(mysql_);
    if (!result) {
      if (my().mysql_field_count(mysql_) != 0) fail();
      return {};
    }
    unsigned int ncols = my().mysql_num_fields(result);
    MYSQL_FIELD* fields = my().mysql_fetch_fields(result);
    std::vector<Row> rows;
    rows.reserve(my().mysql_num_rows(result));
    while (MYSQL_ROW row = my().mysql_fetch_row(result)) {
      unsigned long* lengths = my().mysql_fetch_lengths(result);
      std::vector<Cell> cells(ncols);
      for (unsigned int c = 0; c < ncols; ++c) {
        if (!row[c]) continue;
        cells[c].type = Cell::Type::bytes;
        cells[c].bytes.assign(row[c], lengths[c]);
        if (numeric_field(fields[c].type)) {
          cells[c].type = Cell::Type::integer;
          cells[c].integer = std::stoll(cells[c].bytes);
          cells[c].bytes.clear();
        }
      }
      rows.emplace_back(std::move(cells));
    }
    my().mysql_free_result(result);
    return rows;
  }

  int64_t insert_returning_id(const std::string& sql, const Params& params) override {
    run(bind(sql, params));
    return static_cast<int64_t>(my().mysql_insert_id(mysql_));
  }

  int64_t modify(const std::string& sql, const Params& params) override {
    run(bind(sql, params));
    return static_cast<int64_t>(my().mysql_affected_rows(mysql_));
  }

 private:
  [[noreturn]] void fail() {
    unsigned int code = my().mysql_errno(mysql_);
    std::string message = "mysql: " + std::string(my().mysql_error(mysql_)) + " (error " + std::to_string(code) + ")";
    if (code == ER_DUP_ENTRY) throw SqlError(ErrorKind::unique_violation, message);
    if (is_connection_error(code)) throw SqlError(ErrorKind::connection_lost, message);
    throw SqlError(ErrorKind::other, message);
  }

  void run(const std::string& sql) {
    if (my().mysql_real_query(mysql_, sql.data(), sql.size()) != 0) fail();
  }

  void discard_results() {
    do {
      if (MYSQL_RES* r = my().mysql_store_result(mysql_)) my().mysql_free_result(r);
    } while (my().mysql_next_result(mysql_) == 0);
  }

  MYSQL* mysql_ = nullptr;
};

class MysqlDriver : public Driver {
 public:
  MysqlDriver(const Dsn& dsn, const StoreConfig& config) : database_(dsn.database) {
    target_.host = dsn.host;
    target_.port = static_cast<unsigned int>(dsn.port);
    target_.socket = dsn.unix_socket;
    target_.user = dsn.user.empty() ? "root" : dsn.user;
    target_.password = dsn.password;
    target_.ca = config.ca_file;
    target_.cert = config.cert_file;
    target_.key = config.key_file;
    auto tls = dsn.options.find("tls");
    target_.tls = !config.ca_file.empty() || !config.cert_file.empty() ||
                  (tls != dsn.options.end() && tls->second != "false" && !tls->second.empty());
    where_ = target_.socket.empty() ? target_.host + ":" + std::to_string(target_.port) : target_.socket;
  }

  std::string backend() const override { return "mysql"; }
  std::string describe() const override { return "mysql at " + where_ + "/" + database_; }

  void create_database_if_missing() override {
    MysqlConnection admin(target_, "");
    admin.execute("CREATE DATABASE IF NOT EXISTS `" + database_ + "`");
  }

  std::unique_ptr<Connection> connect() override { return std::make_unique<MysqlConnection>(target_, database_); }

  std::vector<std::string> schema_statements() const override {
    return {
        "CREATE TABLE IF NOT EXISTS kine (id BIGINT UNSIGNED AUTO_INCREMENT, name VARBINARY(630) NOT NULL, "
        "created INTEGER, deleted INTEGER, create_revision BIGINT UNSIGNED, prev_revision BIGINT UNSIGNED, "
        "lease BIGINT, value MEDIUMBLOB, old_value MEDIUMBLOB, PRIMARY KEY (id)) ENGINE=InnoDB",
        "CREATE INDEX kine_name_index ON kine (name)",
        "CREATE INDEX kine_name_id_index ON kine (name, id)",
        "CREATE INDEX kine_id_deleted_index ON kine (id, deleted)",
        "CREATE INDEX kine_prev_revision_index ON kine (prev_revision)",
        "CREATE UNIQUE INDEX kine_name_prev_revision_uindex ON kine (name, prev_revision)",
        "CREATE TABLE IF NOT EXISTS kine_version (id BIGINT UNSIGNED PRIMARY KEY, version BIGINT NOT NULL) "
        "ENGINE=InnoDB",
        "CREATE TABLE IF NOT EXISTS kine_lease (id BIGINT PRIMARY KEY, ttl BIGINT NOT NULL) ENGINE=InnoDB",
    };
  }

  bool is_already_exists(const SqlError& e) const override {
    return std::string(e.what()).find("(error " + std::to_string(ER_DUP_KEYNAME) + ")") != std::string::npos;
  }

  std::string begin_statement() const override { return "START TRANSACTION"; }

  std::string server_version(Connection& conn) const override {
    auto rows = conn.query("SELECT VERSION()", {});
    return rows.empty() ? "" : rows[0].bytes(0);
  }

  int64_t database_size(Connection& conn) const override {
    auto rows = conn.query(
        "SELECT CAST(COALESCE(SUM(data_length + index_length), 0) AS SIGNED) FROM information_schema.tables "
        "WHERE table_schema = DATABASE()",
        {});
    return rows.empty() ? 0 : rows[0].integer(0);
  }

 private:
  std::string database_;
  MysqlTarget target_;
  std::string where_;
};

}  // namespace

std::unique_ptr<Driver> make_mysql_driver(const Dsn& dsn, const StoreConfig& config) {
  return std::make_unique<MysqlDriver>(dsn, config);
}

}  // namespace k3s::kine::sql
