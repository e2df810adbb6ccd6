// Opening a store: bad endpoints, unreachable databases, damaged SQLite files, the schema.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "backends.h"
#include "harness/db_servers.h"
#include "kine/store.h"

namespace k3s::kine::testing {
namespace {

StoreError open_error(const StoreConfig& config) {
  try {
    open_store(config);
  } catch (const StoreError& e) {
    return e;
  }
  ADD_FAILURE() << "open_store(" << config.endpoint << ") succeeded";
  return StoreError(Errc::internal, "");
}

TEST(OpenStore, MalformedEndpointIsInvalidArgument) {
  for (const char* endpoint : {"nosuch://x", "postgres://u:p@h:port/db", "mysql://u@tcp(h:1)", "just-a-word"}) {
    auto e = open_error(test_config(endpoint));
    EXPECT_EQ(e.code(), Errc::invalid_argument) << endpoint;
    EXPECT_NE(std::string(e.what()).find("datastore endpoint"), std::string::npos) << e.what();
  }
  auto unknown_option = open_error(test_config("postgres://u@127.0.0.1:1/db?nosuchoption=1"));
  EXPECT_EQ(unknown_option.code(), Errc::invalid_argument);
  EXPECT_NE(std::string(unknown_option.what()).find("nosuchoption"), std::string::npos);
}

TEST(OpenStore, UnreachableDatabaseIsRetriedThenUnavailable) {
  int port = k3s::testing::free_tcp_port();  // nothing listens there
  for (const std::string& endpoint : {"postgres://u@127.0.0.1:" + std::to_string(port) + "/db?sslmode=disable",
                                      "mysql://u@tcp(127.0.0.1:" + std::to_string(port) + ")/db"}) {
    auto config = test_config(endpoint);
    config.max_connect_attempts = 2;
    auto e = open_error(config);
    EXPECT_EQ(e.code(), Errc::unavailable) << endpoint;
    EXPECT_NE(std::string(e.what()).find("2 attempts"), std::string::npos) << e.what();
  }
}

TEST(OpenStore, EmptyEndpointCreatesSqliteAtTheDefaultPath) {
  k3s::testing::TempDir dir;
  auto config = test_config("");
  config.default_sqlite_path = dir.path() + "/server/db/state.db";
  {
    auto store = open_store(config);
    PutRequest p;
    p.key = "/k";
    p.value = "v";
    store->put(p);
    EXPECT_EQ(store->status().backend, "sqlite");
  }
  std::ifstream file(config.default_sqlite_path);
  EXPECT_TRUE(file.good());
}

TEST(OpenStore, SqliteKeepsKinesTableSchema) {
  k3s::testing::TempDir dir;
  std::string path = dir.path() + "/state.db";
  open_store(test_config("sqlite://" + path)).reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA table_info(kine)", -1, &stmt, nullptr), SQLITE_OK);
  std::vector<std::string> columns;
  while (sqlite3_step(stmt) == SQLITE_ROW) columns.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
  sqlite3_finalize(stmt);
  EXPECT_EQ(columns, (std::vector<std::string>{"id", "name", "created", "deleted", "create_revision", "prev_revision",
                                               "lease", "value", "old_value"}));
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))), "wal");
  sqlite3_finalize(stmt);
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'kine_name_prev_revision_uindex'",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 1);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(OpenStore, CorruptSqliteFileIsAClearError) {
  k3s::testing::TempDir dir;
  std::string path = dir.path() + "/state.db";
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 1000; ++i) out << "this is not an sqlite database ";
  }
  auto e = open_error(test_config("sqlite://" + path));
  EXPECT_EQ(e.code(), Errc::internal);
  EXPECT_NE(std::string(e.what()).find("not a database"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
}

TEST(OpenStore, SqliteInAnUnwritableLocationIsAClearError) {
  k3s::testing::TempDir dir;
  std::string blocker = dir.path() + "/file";
  std::ofstream(blocker) << "x";
  auto e = open_error(test_config("sqlite://" + blocker + "/db/state.db"));
  EXPECT_EQ(e.code(), Errc::internal);
  EXPECT_NE(std::string(e.what()).find(blocker), std::string::npos) << e.what();
}

TEST(OpenStore, SqliteRefusesSynchronousOff) {
  k3s::testing::TempDir dir;
  auto e = open_error(test_config("sqlite://" + dir.path() + "/state.db?_synchronous=OFF"));
  EXPECT_EQ(e.code(), Errc::invalid_argument);
  EXPECT_NE(std::string(e.what()).find("durable"), std::string::npos) << e.what();
}

}  // namespace
}  // namespace k3s::kine::testing
