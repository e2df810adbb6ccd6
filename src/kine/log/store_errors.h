// How database failures surface to Store callers.
#pragma once

#include "kine/store.h"
#include "sql/driver.h"

namespace k3s::kine::log {

inline StoreError to_store_error(const sql::SqlError& e) {
  switch (e.kind()) {
    case sql::ErrorKind::connection_lost:
      return StoreError(Errc::unavailable, std::string("kine: datastore unavailable: ") + e.what());
    case sql::ErrorKind::unique_violation:
      return StoreError(Errc::unavailable, std::string("kine: write conflict: ") + e.what());
    case sql::ErrorKind::other:
      break;
  }
  return StoreError(Errc::internal, std::string("kine: ") + e.what());
}

}  // namespace k3s::kine::log
