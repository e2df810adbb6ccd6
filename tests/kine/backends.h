// The backends the conformance suite runs against. To add one (e.g. the etcd
// pass-through), add an entry in conformance_backends() in backends.cpp.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "harness/db_servers.h"
#include "kine/store.h"

namespace k3s::kine::testing {

struct Backend {
  std::string name;
  // Endpoint of a database no test used before; opening it twice gives two servers on one database.
  std::function<std::string()> fresh_endpoint;
  // The database server, started on first call; null when there is none (SQLite).
  std::function<k3s::testing::DatabaseServer*()> server;
  bool has_server = false;       // `server` gives a server the suite may stop and start
  bool shared_database = false;  // several Store instances may share one database (multi-server)
};

std::vector<Backend> conformance_backends();

// Test names and failure messages show the backend's name, not its bytes.
inline void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

// Store options tuned for tests: quick polling, no automatic compaction, bounded retries.
StoreConfig test_config(const std::string& endpoint);

}  // namespace k3s::kine::testing
