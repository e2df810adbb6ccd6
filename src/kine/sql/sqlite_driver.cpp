// SQLite: WAL journal so readers never block the writer, durable commits (synchronous FULL
// by default, NORMAL on request, never OFF), a busy timeout for other processes on the file.
// The WAL is checkpointed into the database file by a background thread, not by the commit
// that happens to cross the threshold (which would hold its writers' answers meanwhile).
#include <sqlite3.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "kine/store.h"
#include "sql/drivers.h"

namespace k3s::kine::sql {
namespace {

struct SqliteOptions {
  int busy_timeout_ms = 30000;
  std::string synchronous = "FULL";
};

SqliteOptions parse_options(const Dsn& dsn) {
  SqliteOptions options;
  for (const auto& [key, value] : dsn.options) {
    if (key == "_busy_timeout" || key == "_timeout") {
      try {
        options.busy_timeout_ms = std::stoi(value);
      } catch (const std::exception&) {
        throw StoreError(Errc::invalid_argument, "sqlite option " + key + "=" + value + " is not a number");
      }
    } else if (key == "_synchronous" || key == "_sync") {
      std::string upper;
      for (char c : value) upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
      if (upper == "OFF" || upper == "0")
        throw StoreError(Errc::invalid_argument,
                         "sqlite option " + key + "=OFF is refused: acknowledged writes must be durable");
      if (upper == "1") upper = "NORMAL";
      if (upper == "2") upper = "FULL";
      if (upper == "3") upper = "EXTRA";
      if (upper != "NORMAL" && upper != "FULL" && upper != "EXTRA")
        throw StoreError(Errc::invalid_argument, "sqlite option " + key + "=" + value + " is not NORMAL, FULL or EXTRA");
      options.synchronous = upper;
    }
    // Other go-sqlite3 options (_journal, cache, _txlock, _fk, ...) are implied or irrelevant here.
  }
  return options;
}

ErrorKind classify(int code) {
  int primary = code & 0xff;
  if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) return ErrorKind::unique_violation;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN ||
      primary == SQLITE_FULL)
    return ErrorKind::connection_lost;
  return ErrorKind::other;
}

// SQLite's own automatic checkpoint threshold, in WAL pages.
constexpr int kCheckpointPages = 1000;

// Copies committed WAL pages into the database file on its own connection (PASSIVE: never
// waits for, nor blocks, readers or the writer). Durability is the WAL's, synced at commit.
class Checkpointer {
 public:
  Checkpointer(std::string path, int busy_timeout_ms) : path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms) {
    thread_ = std::thread([this] { loop(); });
  }
  ~Checkpointer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  // sqlite3_wal_hook: called after a commit with the WAL's size in pages.
  static int on_commit(void* self, sqlite3*, const char*, int pages) {
    if (pages >= kCheckpointPages) static_cast<Checkpointer*>(self)->request();
    return SQLITE_OK;
  }

 private:
  void request() {
    {
      std::lock_guard lock(mutex_);
      requested_ = true;
    }
    wake_.notify_one();
  }

  void loop() {
    sqlite3* db = nullptr;
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return stopping_ || requested_; });
      if (stopping_) break;
      requested_ = false;
      lock.unlock();
      if (!db) {
        if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
          sqlite3_close_v2(db);
          db = nullptr;
        } else {
          sqlite3_busy_timeout(db, busy_timeout_ms_);
        }
      }
      int rc = db ? sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) : SQLITE_CANTOPEN;
      if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        spdlog::warn("kine: sqlite checkpoint of {} failed: {}", path_, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
      lock.lock();
    }
    lock.unlock();
    sqlite3_close_v2(db);
  }

  std::string path_;
  int busy_timeout_ms_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool requested_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

class SqliteConnection : public Connection {
 public:
  SqliteConnection(const std::string& path, const SqliteOptions& options, std::shared_ptr<Checkpointer> checkpointer)
      : path_(path), checkpointer_(std::move(checkpointer)) {
    int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
      std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close_v2(db_);
      db_ = nullptr;
      throw SqlError(ErrorKind::other, "sqlite: cannot open " + path + ": " + message);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, options.busy_timeout_ms);
    auto mode = query("PRAGMA journal_mode=WAL", {});
    if (mode.empty() || mode[0].bytes(0) != "wal")
      throw SqlError(ErrorKind::other, "sqlite: " + path + " cannot use WAL journal mode (read-only location?)");
    execute("PRAGMA synchronous=" + options.synchronous);
    // Replaces SQLite's automatic checkpoint on this connection.
    sqlite3_wal_hook(db_, &Checkpointer::on_commit, checkpointer_.get());
  }

  ~SqliteConnection() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  void execute(const std::string& sql) override {
    char* error = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
      std::string message = error ? error : sqlite3_errstr(rc);
      sqlite3_free(error);
      fail(rc, message);
    }
  }

  std::vector<Row> query(const std::string& sql, const Params& params) override {
    sqlite3_stmt* stmt = prepare(sql, params);
    std::vector<Row> rows;
    int columns = sqlite3_column_count(stmt);
    while (true) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        std::string message = sqlite3_errmsg(db_);
        sqlite3_reset(stmt);
        fail(sqlite3_extended_errcode(db_), message);
      }
      std::vector<Cell> cells(columns);
      for (int i = 0; i < columns; ++i) {
        switch (sqlite3_column_type(stmt, i)) {
          case SQLITE_NULL:
            break;
          case SQLITE_INTEGER:
            cells[i].type = Cell::Type::integer;
            cells[i].integer = sqlite3_column_int64(stmt, i);
            break;
          default: {
            cells[i].type = Cell::Type::bytes;
            const void* data = sqlite3_column_blob(stmt, i);
            int size = sqlite3_column_bytes(stmt, i);
            if (data && size > 0) cells[i].bytes.assign(static_cast<const char*>(data), size);
          }
        }
      }
      rows.emplace_back(std::move(cells));
    }
    sqlite3_reset(stmt);
    return rows;
  }

  int64_t insert_returning_id(const std::string& sql, const Params& params) override {
    step_to_done(sql, params);
    return sqlite3_last_insert_rowid(db_);
  }

  int64_t modify(const std::string& sql, const Params& params) override {
    step_to_done(sql, params);
    return sqlite3_changes(db_);
  }

 private:
  [[noreturn]] void fail(int code, const std::string& message) {
    int primary = code & 0xff;
    std::string text = "sqlite " + path_ + ": " + message;
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB)
      text = "sqlite " + path_ + " is corrupt or not a database: " + message;
    else if (primary == SQLITE_READONLY)
      text = "sqlite " + path_ + " is read-only: " + message;
    throw SqlError(classify(code), text);
  }

  sqlite3_stmt* prepare(const std::string& sql, const Params& params) {
    sqlite3_stmt* stmt = nullptr;
    if (auto it = statements_.find(sql); it != statements_.end()) {
      stmt = it->second;
    } else {
      int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                  nullptr);
      if (rc != SQLITE_OK) fail(rc, sqlite3_errmsg(db_));
      statements_.emplace(sql, stmt);
    }
    sqlite3_clear_bindings(stmt);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Param& p = params[i];
      int index = static_cast<int>(i) + 1;
      int rc = SQLITE_OK;
      switch (p.type) {
        case Param::Type::null:
          rc = sqlite3_bind_null(stmt, index);
          break;
        case Param::Type::integer:
          rc = sqlite3_bind_int64(stmt, index, p.integer);
          break;
        case Param::Type::text:
          rc = sqlite3_bind_text64(stmt, index, p.bytes.data(), p.bytes.size(), SQLITE_STATIC, SQLITE_UTF8);
          break;
        case Param::Type::blob:
          rc = sqlite3_bind_blob64(stmt, index, p.bytes.data(), p.bytes.size(), SQLITE_STATIC);
          break;
      }
      if (rc != SQLITE_OK) fail(rc, sqlite3_errmsg(db_));
    }
    return stmt;
  }

  void step_to_done(const std::string& sql, const Params& params) {
    sqlite3_stmt* stmt = prepare(sql, params);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) {
      std::string message = sqlite3_errmsg(db_);
      int code = sqlite3_extended_errcode(db_);
      sqlite3_reset(stmt);
      fail(code, message);
    }
    sqlite3_reset(stmt);
  }

  std::string path_;
  std::shared_ptr<Checkpointer> checkpointer_;  // outlives the hook registered on db_
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

class SqliteDriver : public Driver {
 public:
  explicit SqliteDriver(const Dsn& dsn) : path_(dsn.path), options_(parse_options(dsn)) {}

  std::string backend() const override { return "sqlite"; }
  std::string describe() const override { return "sqlite at " + path_; }

  void create_database_if_missing() override {
    std::filesystem::path parent = std::filesystem::path(path_).parent_path();
    if (parent.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw SqlError(ErrorKind::other, "sqlite: cannot create directory " + parent.string() + ": " + ec.message());
  }

  std::unique_ptr<Connection> connect() override {
    std::shared_ptr<Checkpointer> checkpointer;
    {
      std::lock_guard lock(checkpointer_mutex_);
      if (!checkpointer_) checkpointer_ = std::make_shared<Checkpointer>(path_, options_.busy_timeout_ms);
      checkpointer = checkpointer_;
    }
    return std::make_unique<SqliteConnection>(path_, options_, std::move(checkpointer));
  }

  std::vector<std::string> schema_statements() const override {
    return {
        "CREATE TABLE IF NOT EXISTS kine (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, created INTEGER, "
        "deleted INTEGER, create_revision INTEGER, prev_revision INTEGER, lease INTEGER, value BLOB, old_value BLOB)",
        "CREATE INDEX IF NOT EXISTS kine_name_index ON kine (name)",
        "CREATE INDEX IF NOT EXISTS kine_name_id_index ON kine (name, id)",
        "CREATE INDEX IF NOT EXISTS kine_id_deleted_index ON kine (id, deleted)",
        "CREATE INDEX IF NOT EXISTS kine_prev_revision_index ON kine (prev_revision)",
        "CREATE UNIQUE INDEX IF NOT EXISTS kine_name_prev_revision_uindex ON kine (name, prev_revision)",
        "CREATE TABLE IF NOT EXISTS kine_version (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS kine_lease (id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL)",
    };
  }

  // IMMEDIATE takes the write lock up front, so two processes on one file serialise
  // instead of failing with SQLITE_BUSY at commit.
  std::string begin_statement() const override { return "BEGIN IMMEDIATE"; }

  std::string server_version(Connection&) const override { return sqlite3_libversion(); }
  bool shared_by_servers() const override { return false; }

  int64_t database_size(Connection& conn) const override {
    auto pages = conn.query("PRAGMA page_count", {});
    auto size = conn.query("PRAGMA page_size", {});
    if (pages.empty() || size.empty()) return 0;
    return pages[0].integer(0) * size[0].integer(0);
  }

 private:
  std::string path_;
  SqliteOptions options_;
  std::mutex checkpointer_mutex_;
  std::shared_ptr<Checkpointer> checkpointer_;
};

}  // namespace

std::unique_ptr<Driver> make_sqlite_driver(const Dsn& dsn) { return std::make_unique<SqliteDriver>(dsn); }

}  // namespace k3s::kine::sql
