// open_store: endpoint → backend, with start-up retries for databases not up yet.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "dsn.h"
#include "kine/store.h"
#include "log/log_store.h"
#include "log/schema.h"
#include "sql/drivers.h"
#include "etcd_store.h"

namespace k3s::kine {
namespace {

std::unique_ptr<sql::Driver> make_driver(const Dsn& dsn, const StoreConfig& config) {
  switch (dsn.kind) {
    case Dsn::Kind::sqlite:
      return sql::make_sqlite_driver(dsn);
    case Dsn::Kind::postgres:
      return sql::make_postgres_driver(dsn, config);
    case Dsn::Kind::mysql:
      return sql::make_mysql_driver(dsn, config);
    case Dsn::Kind::etcd:
      break;
  }
  throw StoreError(Errc::internal, "kine: no SQL driver for this endpoint");
}

void prepare_with_retries(sql::Driver& driver, const StoreConfig& config) {
  auto backoff = std::chrono::milliseconds(500);
  for (int attempt = 1;; ++attempt) {
    try {
      log::prepare_database(driver);
      if (attempt > 1) spdlog::info("kine: {} reachable after {} attempts", driver.describe(), attempt);
      return;
    } catch (const sql::SqlError& e) {
      // Two servers creating the schema at once may collide on the catalog; just go again.
      bool transient = e.kind() != sql::ErrorKind::other;
      if (!transient) throw StoreError(Errc::internal, "kine: cannot open " + driver.describe() + ": " + e.what());
      if (config.max_connect_attempts > 0 && attempt >= config.max_connect_attempts)
        throw StoreError(Errc::unavailable, "kine: giving up on " + driver.describe() + " after " +
                                                std::to_string(attempt) + " attempts: " + e.what());
      spdlog::warn("kine: cannot reach {} (attempt {}): {}; retrying in {} ms", driver.describe(), attempt, e.what(),
                   backoff.count());
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
    }
  }
}

}  // namespace

std::string prefix_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last < 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key from prefix on
}

std::unique_ptr<Store> open_store(const StoreConfig& config) {
  Dsn dsn = parse_endpoint(config.endpoint, config.default_sqlite_path);
  if (dsn.kind == Dsn::Kind::etcd) return open_etcd_store(config);
  auto driver = make_driver(dsn, config);
  prepare_with_retries(*driver, config);
  try {
    return std::make_unique<log::LogStore>(std::move(driver), config);
  } catch (const sql::SqlError& e) {
    throw StoreError(Errc::unavailable, std::string("kine: ") + e.what());
  }
}

}  // namespace k3s::kine
