// The leader-elected control-plane components a server runs in process (the scheduler now;
// the controllers join here). Each talks to the API through the one API client with its
// own client certificate and holds a coordination Lease, so that several servers sharing
// one datastore run exactly one active copy.
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "bootstrap.h"
#include "cli/config.h"

namespace k3s::server {

class ControlPlane {
 public:
  ControlPlane(const cli::ServerConfig& config, const ServerCerts& certs, int api_port);
  ~ControlPlane();
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  void stop();  // ends leadership (releasing the Leases) and joins the threads

 private:
  struct Component;
  std::vector<std::unique_ptr<Component>> components_;
  // Packaged components applied once at start (idempotent, so not leader-elected).
  std::jthread packaged_;
};

}  // namespace k3s::server
