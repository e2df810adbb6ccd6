// serve_etcd_api: assembles the etcd v3 services over one Store into a gRPC server.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <absl/synchronization/mutex.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include "cluster_service.h"
#include "kine/server.h"
#include "kv_service.h"
#include "lease_service.h"
#include "member_identity.h"
#include "watch_service.h"

namespace k3s::kine {

namespace {

std::string read_pem(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + what + " " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::shared_ptr<grpc::ServerCredentials> server_credentials(const EtcdServerOptions& options) {
  if (options.cert_file.empty() && options.key_file.empty()) return grpc::InsecureServerCredentials();
  if (options.cert_file.empty() || options.key_file.empty())
    throw std::runtime_error("the server certificate and key must be given together");
  grpc::SslServerCredentialsOptions ssl(options.client_ca_file.empty()
                                            ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                            : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_key_cert_pairs.push_back({read_pem(options.key_file, "server key"), read_pem(options.cert_file, "server certificate")});
  if (!options.client_ca_file.empty()) ssl.pem_root_certs = read_pem(options.client_ca_file, "client CA");
  return grpc::SslServerCredentials(ssl);
}

// gRPC spells listen addresses "unix:/path" or "host:port"; accept the etcd-style URLs too.
std::string grpc_listen_address(const std::string& address) {
  if (address.rfind("unix://", 0) == 0) return "unix:" + address.substr(7);
  if (address.rfind("http://", 0) == 0) return address.substr(7);
  if (address.rfind("https://", 0) == 0) return address.substr(8);
  return address;
}

void remove_stale_socket(const std::string& grpc_address) {
  if (grpc_address.rfind("unix:", 0) != 0) return;
  std::string path = grpc_address.substr(5);
  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0 && S_ISSOCK(info.st_mode)) ::unlink(path.c_str());
}

class GrpcEtcdServer final : public EtcdServer {
 public:
  GrpcEtcdServer(Store& store, const EtcdServerOptions& options)
      : identity_(grpcserver::MemberIdentity::for_listen_address(options.listen_address, !options.cert_file.empty())),
        kv_(store, identity_),
        watch_(store, identity_),
        lease_(store, identity_),
        maintenance_(store, identity_),
        cluster_(store, identity_) {
    std::string address = grpc_listen_address(options.listen_address);
    if (address.empty()) throw std::runtime_error("empty listen address");
    remove_stale_socket(address);

    // Debian builds abseil without NDEBUG, which leaves lock-order (deadlock) tracking on:
    // every absl::Mutex that gRPC takes per message then also takes abseil's one global
    // graph lock. Upstream release builds do not track, and neither do we.
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

    grpc::ServerBuilder builder;
    int bound_port = 0;
    builder.AddListeningPort(address, server_credentials(options), &bound_port);
    // A request may carry a value up to the size limit plus the rest of the message;
    // larger ones are refused by gRPC before they reach us.
    builder.SetMaxReceiveMessageSize(static_cast<int>(kMaxValueBytes + 2 * 1024 * 1024));
    builder.SetMaxSendMessageSize(-1);
    // etcd clients ping every few seconds on idle connections; do not punish them for it.
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    builder.RegisterService(&kv_);
    builder.RegisterService(&watch_);
    builder.RegisterService(&lease_);
    builder.RegisterService(&maintenance_);
    builder.RegisterService(&cluster_);
    server_ = builder.BuildAndStart();
    if (!server_ || (address.rfind("unix:", 0) != 0 && bound_port == 0)) {
      throw std::runtime_error("cannot listen on " + options.listen_address);
    }
    spdlog::info("kine: serving the etcd v3 API on {}", options.listen_address);
  }

  ~GrpcEtcdServer() override { shutdown(); }

  void shutdown() override {
    std::call_once(shutdown_once_, [this] {
      server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    });
  }

  void wait() override { server_->Wait(); }

 private:
  grpcserver::MemberIdentity identity_;
  grpcserver::KvService kv_;
  grpcserver::WatchService watch_;
  grpcserver::LeaseService lease_;
  grpcserver::MaintenanceService maintenance_;
  grpcserver::ClusterService cluster_;
  std::unique_ptr<grpc::Server> server_;
  std::once_flag shutdown_once_;
};

}  // namespace

std::unique_ptr<EtcdServer> serve_etcd_api(Store& store, const EtcdServerOptions& options) {
  return std::make_unique<GrpcEtcdServer>(store, options);
}

}  // namespace k3s::kine
