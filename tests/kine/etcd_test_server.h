// A real single-member etcd (Debian's etcd-server 3.4) for tests: loopback, free ports,
// data in a temporary directory; stop()/start() keep the data. Start failures throw with
// etcd's log attached.
#pragma once

#include <string>

#include "harness/db_servers.h"

namespace k3s::testing {

class EtcdTestServer : public DatabaseServer {
 public:
  EtcdTestServer();
  ~EtcdTestServer() override;
  // etcd has one keyspace: the database name is ignored.
  std::string endpoint(const std::string& database = "") const override;
  void stop() override;
  void start() override;

 private:
  TempDir dir_{"k3s-etcd"};
  int peer_port_ = 0;
  int starts_ = 0;
  ChildProcess server_;
};

}  // namespace k3s::testing
