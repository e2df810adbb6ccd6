// --datastore-endpoint parsing, as k3s spells it.
#include <gtest/gtest.h>

#include "dsn.h"
#include "kine/store.h"

namespace k3s::kine {
namespace {

Errc error_of(const std::string& endpoint) {
  try {
    parse_endpoint(endpoint, "/default/state.db");
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one-line message";
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << "password leaked: " << e.what();
    return e.code();
  }
  ADD_FAILURE() << "accepted " << endpoint;
  return Errc::internal;
}

TEST(Dsn, EmptyMeansSqliteAtTheDefaultPath) {
  auto dsn = parse_endpoint("", "/var/lib/rancher/k3s/server/db/state.db");
  EXPECT_EQ(dsn.kind, Dsn::Kind::sqlite);
  EXPECT_EQ(dsn.path, "/var/lib/rancher/k3s/server/db/state.db");
}

TEST(Dsn, Sqlite) {
  auto dsn = parse_endpoint("sqlite:///tmp/x/state.db?_journal=WAL&cache=shared&_busy_timeout=30000", "/d");
  EXPECT_EQ(dsn.kind, Dsn::Kind::sqlite);
  EXPECT_EQ(dsn.path, "/tmp/x/state.db");
  EXPECT_EQ(dsn.options.at("_busy_timeout"), "30000");
  EXPECT_EQ(parse_endpoint("sqlite://relative/db.sqlite", "/d").path, "relative/db.sqlite");
  EXPECT_EQ(parse_endpoint("sqlite://", "/d/state.db").path, "/d/state.db");
}

TEST(Dsn, Postgres) {
  auto dsn = parse_endpoint("postgres://kine:s%40cret@db.example:6543/k3s?sslmode=disable", "");
  EXPECT_EQ(dsn.kind, Dsn::Kind::postgres);
  EXPECT_EQ(dsn.user, "kine");
  EXPECT_EQ(dsn.password, "s@cret");
  EXPECT_EQ(dsn.host, "db.example");
  EXPECT_EQ(dsn.port, 6543);
  EXPECT_EQ(dsn.database, "k3s");
  EXPECT_EQ(dsn.options.at("sslmode"), "disable");

  auto defaults = parse_endpoint("postgresql://host", "");
  EXPECT_EQ(defaults.port, 5432);
  EXPECT_EQ(defaults.database, "kubernetes");
  EXPECT_TRUE(defaults.user.empty());

  auto v6 = parse_endpoint("postgres://u:p@[::1]:5433/db", "");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 5433);

  auto socket = parse_endpoint("postgres://u@/db?host=/run/postgresql", "");
  EXPECT_EQ(socket.unix_socket, "/run/postgresql");
  EXPECT_EQ(socket.options.count("host"), 0u);

  auto at_in_password = parse_endpoint("postgres://u:p@ss@h/db", "");
  EXPECT_EQ(at_in_password.password, "p@ss");
  EXPECT_EQ(at_in_password.host, "h");
}

TEST(Dsn, Mysql) {
  auto dsn = parse_endpoint("mysql://root:secret@tcp(10.0.0.5:3307)/k3s", "");
  EXPECT_EQ(dsn.kind, Dsn::Kind::mysql);
  EXPECT_EQ(dsn.user, "root");
  EXPECT_EQ(dsn.password, "secret");
  EXPECT_EQ(dsn.host, "10.0.0.5");
  EXPECT_EQ(dsn.port, 3307);
  EXPECT_EQ(dsn.database, "k3s");

  auto defaults = parse_endpoint("mysql://u:p@tcp(db)/", "");
  EXPECT_EQ(defaults.host, "db");
  EXPECT_EQ(defaults.port, 3306);
  EXPECT_EQ(defaults.database, "kubernetes");

  auto socket = parse_endpoint("mysql://u@unix(/run/mysqld/mysqld.sock)/kine", "");
  EXPECT_EQ(socket.unix_socket, "/run/mysqld/mysqld.sock");
  EXPECT_EQ(socket.database, "kine");

  auto plain = parse_endpoint("mysql://u:p@dbhost:3310/kine", "");
  EXPECT_EQ(plain.host, "dbhost");
  EXPECT_EQ(plain.port, 3310);
}

TEST(Dsn, Etcd) {
  auto dsn = parse_endpoint("https://10.0.0.1:2379,https://10.0.0.2:2379", "");
  EXPECT_EQ(dsn.kind, Dsn::Kind::etcd);
  ASSERT_EQ(dsn.endpoints.size(), 2u);
  EXPECT_EQ(dsn.endpoints[1], "https://10.0.0.2:2379");
  EXPECT_EQ(parse_endpoint("http://127.0.0.1:2379", "").endpoints.size(), 1u);
}

TEST(Dsn, MalformedEndpointsAreOneLineInvalidArgument) {
  for (const char* bad : {"foo://bar", "localhost:5432", "postgres://u:secret@h:notaport/db",
                          "postgres://u:secret@h:99999/db", "mysql://u:secret@tcp(h:1)", "mysql://u:secret@udp(h)/db",
                          "postgres://u:secret@h/db%zz", "postgres://u:secret@h/my;db", "http://a:1,ftp://b",
                          "https://", "mysql://u:secret@tcp(h:0)/db", "sqlite://a\nb"})
    EXPECT_EQ(error_of(bad), Errc::invalid_argument) << bad;
}

TEST(Dsn, RedactsPasswords) {
  EXPECT_EQ(redact_endpoint("postgres://u:secret@h/db"), "postgres://u:***@h/db");
  EXPECT_EQ(redact_endpoint("mysql://u:secret@tcp(h:1)/db"), "mysql://u:***@tcp(h:1)/db");
  EXPECT_EQ(redact_endpoint("sqlite:///x"), "sqlite:///x");
}

TEST(PrefixEnd, FollowsEtcd) {
  EXPECT_EQ(prefix_end("/a/"), "/a0");
  EXPECT_EQ(prefix_end("a\xff"), "b");
  EXPECT_EQ(prefix_end(std::string("\xff\xff")), std::string(1, '\0'));
}

}  // namespace
}  // namespace k3s::kine
