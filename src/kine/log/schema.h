// Creating the database, tables and the reserved compact_rev_key row when missing.
#pragma once

#include "sql/driver.h"

namespace k3s::kine::log {

void prepare_database(sql::Driver& driver);

}  // namespace k3s::kine::log
