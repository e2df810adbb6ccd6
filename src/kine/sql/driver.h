// The small SQL layer the log-structured store runs on: one Driver per backend
// (SQLite, PostgreSQL, MySQL/MariaDB) handing out Connections that run parameterised
// statements. SQL is written once with `?` placeholders; drivers translate as needed.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace k3s::kine::sql {

// What the store needs to know about a failure to react correctly.
enum class ErrorKind {
  unique_violation,  // another writer got there first: re-evaluate the operation
  connection_lost,   // the database is (temporarily) unreachable: reconnect, report unavailable
  other,             // anything else: report it
};

class SqlError : public std::runtime_error {
 public:
  SqlError(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

struct Param {
  enum class Type { null, integer, text, blob };
  Type type = Type::null;
  int64_t integer = 0;
  std::string bytes;

  static Param Int(int64_t v) { return Param{Type::integer, v, {}}; }
  static Param Text(std::string v) { return Param{Type::text, 0, std::move(v)}; }
  static Param Blob(std::string v) { return Param{Type::blob, 0, std::move(v)}; }
};
using Params = std::vector<Param>;

struct Cell {
  enum class Type { null, integer, bytes };
  Type type = Type::null;
  int64_t integer = 0;
  std::string bytes;
};

class Row {
 public:
  explicit Row(std::vector<Cell> cells) : cells_(std::move(cells)) {}
  std::size_t size() const { return cells_.size(); }
  bool is_null(std::size_t i) const { return cells_.at(i).type == Cell::Type::null; }
  // Integers may arrive as text (MySQL text protocol); both spellings are accepted.
  int64_t integer(std::size_t i) const;
  std::string bytes(std::size_t i) const;
  std::string take_bytes(std::size_t i);

 private:
  std::vector<Cell> cells_;
};

class Connection {
 public:
  virtual ~Connection() = default;
  // Statements without parameters or results: DDL, BEGIN/COMMIT, SAVEPOINT, NOTIFY.
  virtual void execute(const std::string& sql) = 0;
  virtual std::vector<Row> query(const std::string& sql, const Params& params) = 0;
  // INSERT into a table with an auto-increment `id`; returns the new id.
  virtual int64_t insert_returning_id(const std::string& sql, const Params& params) = 0;
  // INSERT/UPDATE/DELETE; returns the number of affected rows.
  virtual int64_t modify(const std::string& sql, const Params& params) = 0;
  // Blocks up to `timeout` for a change notification (PostgreSQL LISTEN); false when the
  // backend has none or nothing arrived.
  virtual bool wait_for_notification(std::chrono::milliseconds timeout);
};

class Driver {
 public:
  virtual ~Driver() = default;
  virtual std::string backend() const = 0;   // "sqlite", "postgres", "mysql"
  virtual std::string describe() const = 0;  // where, for log lines: "postgres at 127.0.0.1:5432/kubernetes"
  // Creates the database itself (not the tables) when the server lacks it.
  virtual void create_database_if_missing() {}
  virtual std::unique_ptr<Connection> connect() = 0;
  virtual std::vector<std::string> schema_statements() const = 0;
  // Error codes of schema statements that mean "already exists" on backends without IF NOT EXISTS.
  virtual bool is_already_exists(const SqlError&) const { return false; }
  virtual std::string begin_statement() const { return "BEGIN"; }
  // Statement run inside a write transaction so other servers' pollers wake on commit.
  virtual std::string change_notify_statement() const { return {}; }
  virtual std::string listen_statement() const { return {}; }
  virtual std::string server_version(Connection& conn) const = 0;
  virtual int64_t database_size(Connection& conn) const = 0;
  virtual int reader_pool_size() const { return 4; }
  // Whether other servers may write to the same database (reads then ask it for the newest revision).
  virtual bool shared_by_servers() const { return true; }
};

}  // namespace k3s::kine::sql
