// A small in-memory Kubernetes API server for the client's unit tests, on the project's
// http::Server: discovery for a few resources, CRUD with resourceVersion conflicts, merge
// patches, label-selected lists and watches with a history that can be compacted (410),
// and a restart (the listener goes away and comes back on the same port, state kept).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/server.h"

namespace k3s::client::testing {

using Json = nlohmann::json;

class FakeApiServer {
 public:
  FakeApiServer();
  ~FakeApiServer();

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  // Listener control: stop() drops every connection (watches end); start() listens again
  // on the same port with the same objects.
  void stop();
  void start();

  // Forgets the watch history: watches from older resourceVersions get 410 Gone.
  void compact();
  // Ends every open watch with an ERROR event carrying a 410 Status.
  void expire_watches();
  // Ends every open watch cleanly (as a server-side timeout does).
  void close_watches();
  int open_watches() const;

  // Direct state changes, as another client would make them.
  Json put_object(const std::string& resource, Json object);  // create or replace
  void delete_object(const std::string& resource, const std::string& ns, const std::string& name);

  std::int64_t revision() const;
  int list_requests(const std::string& resource) const;
  int watch_requests(const std::string& resource) const;
  // Headers of the last request (for auth / user agent checks); repeated fields joined by ", ".
  std::string last_header(const std::string& name) const;
  std::string last_target() const;

 private:
  struct Watcher {
    std::string resource, ns;
    std::shared_ptr<http::StreamWriter> writer;
  };
  struct HistoryEntry {
    std::int64_t revision;
    std::string resource, ns, type;
    Json object;
  };

  http::Response handle(http::Request& request);
  http::Response handle_resource(http::Request& request, const std::string& resource, const std::string& ns,
                                 const std::string& name, const std::string& subresource);
  Json store_locked(const std::string& resource, Json object, const std::string& type);
  void remove_locked(const std::string& resource, const std::string& ns, const std::string& name);
  void notify_locked(const HistoryEntry& entry);

  mutable std::mutex mu_;
  std::unique_ptr<http::Server> server_;
  int port_ = 0;
  std::int64_t revision_ = 100;
  std::int64_t compacted_ = 0;
  std::map<std::string, Json> objects_;  // resource|ns|name
  std::vector<HistoryEntry> history_;
  std::vector<Watcher> watchers_;
  std::map<std::string, int> list_requests_, watch_requests_;
  http::Headers last_headers_;
  std::string last_target_;
};

}  // namespace k3s::client::testing
