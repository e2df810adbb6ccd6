// Parsing of --datastore-endpoint, spelled exactly as k3s accepts it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace k3s::kine {

struct Dsn {
  enum class Kind { sqlite, postgres, mysql, etcd };
  Kind kind = Kind::sqlite;

  // sqlite: file path; options from the query string (_busy_timeout, _synchronous, ...)
  std::string path;

  // postgres / mysql
  std::string user, password;
  std::string host;         // TCP host (empty with a unix socket)
  int port = 0;
  std::string unix_socket;  // mysql unix(/path) or postgres ?host=/dir
  std::string database;

  // etcd: one URL per endpoint
  std::vector<std::string> endpoints;

  std::map<std::string, std::string> options;  // the query string, decoded
};

// Throws StoreError(invalid_argument) with a one-line message for anything malformed.
Dsn parse_endpoint(const std::string& endpoint, const std::string& default_sqlite_path);

// The endpoint with its password replaced by "***", for log lines.
std::string redact_endpoint(const std::string& endpoint);

}  // namespace k3s::kine
