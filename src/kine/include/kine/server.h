// Serving a Store over the etcd v3 gRPC API (KV, Watch, Lease, Maintenance, Cluster),
// on a unix socket (<data-dir>/server/kine.sock) or a TCP address, and the standalone
// `k3s kine` subcommand built on it.
#pragma once

#include <memory>
#include <string>

#include "cli/config.h"
#include "kine/store.h"

namespace k3s::kine {

struct EtcdServerOptions {
  // "unix:///path/kine.sock" or "host:port"
  std::string listen_address;
  std::string cert_file, key_file, client_ca_file;  // empty = plaintext
};

class EtcdServer {
 public:
  virtual ~EtcdServer() = default;
  virtual void shutdown() = 0;  // stops serving; ends open watch streams
  virtual void wait() = 0;      // blocks until shutdown
};

std::unique_ptr<EtcdServer> serve_etcd_api(Store& store, const EtcdServerOptions& options);

// `k3s kine --endpoint DSN --listen-address host:port`; returns the process exit code.
int run_kine(const cli::KineConfig& config);

}  // namespace k3s::kine
