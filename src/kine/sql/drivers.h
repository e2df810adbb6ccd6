// Constructors of the concrete SQL drivers.
#pragma once

#include <memory>

#include "dsn.h"
#include "kine/store.h"
#include "sql/driver.h"

namespace k3s::kine::sql {

std::unique_ptr<Driver> make_sqlite_driver(const Dsn& dsn);
std::unique_ptr<Driver> make_postgres_driver(const Dsn& dsn, const StoreConfig& config);
std::unique_ptr<Driver> make_mysql_driver(const Dsn& dsn, const StoreConfig& config);

}  // namespace k3s::kine::sql
