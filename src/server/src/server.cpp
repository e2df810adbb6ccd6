#include "server/server.h"

#include <openssl/crypto.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "apiserver/apiserver.h"
#include "bootstrap.h"
#include "cluster_admin.h"
#include "cluster_bootstrap.h"
#include "control_plane.h"
#include "embedded_agent.h"
#include "http/server.h"
#include "kine/server.h"
#include "kine/store.h"
#include "object/meta.h"
#include "supervisor.h"
#include "tunnel/tunnel.h"
#include "util/base64.h"
#include "util/sd_notify.h"

#ifndef K3S_GIT_COMMIT
#define K3S_GIT_COMMIT ""
#endif
#ifndef K3S_GIT_VERSION
#define K3S_GIT_VERSION "v1.33.5+k3s1"
#endif

namespace k3s::server {

namespace fs = std::filesystem;

namespace {

// Blocks the stop signals in every thread (threads inherit the mask) so sigwait gets them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// Type=notify units: READY=1 once the API answers (the storage behind it is open and the
// bootstrap objects exist), not merely when the listener is bound.
// Runs on its own thread so that a stop signal during a slow start is still handled.
std::jthread notify_when_api_ready(std::shared_ptr<apiserver::ApiServer> api, std::string notify_socket) {
  if (notify_socket.empty()) return {};
  return std::jthread([api, notify_socket](std::stop_token stop) {
    while (!stop.stop_requested() && !api->ready()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (stop.stop_requested()) return;
    if (!util::sd_notify(notify_socket, "READY=1")) spdlog::warn("Could not notify systemd at {}", notify_socket);
  });
}

// A bootstrap token is valid while its kube-system/bootstrap-token-<id> Secret exists with
// the same secret, allows authentication and has not expired. Read through the API in
// process, as the supervisor (a system:masters identity).
bool bootstrap_token_valid(apiserver::ApiServer& api, const std::string& id, const std::string& secret) {
  http::Request request;
  request.method = "GET";
  request.target = request.path = "/api/v1/namespaces/kube-system/secrets/bootstrap-token-" + id;
  request.peer = {true, "system:k3s-supervisor", {"system:masters"}};
  const http::Response response = api.handle(request);
  if (response.status != 200) return false;
  try {
    const auto object = nlohmann::json::parse(response.body);
    if (object.value("type", "") != "bootstrap.kubernetes.io/token") return false;
    const auto data = object.value("data", nlohmann::json::object());
    auto field = [&](const char* key) {
      return data.contains(key) && data[key].is_string() ? util::base64_decode(data[key].get<std::string>()) : "";
    };
    const std::string stored = field("token-secret");
    if (field("token-id") != id || stored.size() != secret.size() ||
        CRYPTO_memcmp(stored.data(), secret.data(), secret.size()) != 0)
      return false;
    if (field("usage-bootstrap-authentication") != "true") return false;
    const std::string expiration = field("expiration");
    if (!expiration.empty()) {
      const auto expires = object::parse_time(expiration);
      if (!expires || *expires <= object::now()) return false;
    }
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

int run_server(const cli::ServerConfig& config) {
  sigset_t stop_signals = block_stop_signals();
  const std::string notify_socket = util::take_notify_socket();
  const std::string data_dir = config.agent.data_dir;
  const std::string server_dir = data_dir + "/server";
  try {
    fs::create_directories(server_dir + "/tls");
    fs::create_directories(server_dir + "/db");
    fs::create_directories(server_dir + "/manifests");
    ::chmod(server_dir.c_str(), 0700);

    kine::StoreConfig store_config;
    store_config.endpoint = config.datastore_endpoint;
    store_config.default_sqlite_path = server_dir + "/db/state.db";
    store_config.ca_file = config.datastore_cafile;
    store_config.cert_file = config.datastore_certfile;
    store_config.key_file = config.datastore_keyfile;
    store_config.compact_interval_seconds = config.etcd_compact_interval_seconds;
    spdlog::info("Configuring datastore {}", config.datastore_endpoint.empty() ? "sqlite " + store_config.default_sqlite_path
                                                                               : kine::redact_endpoint(config.datastore_endpoint));
    std::unique_ptr<kine::Store> store = kine::open_store(store_config);

    // The cluster's CAs and service-account key live in the datastore, sealed with the server
    // token (k3s's bootstrap data): servers sharing an external datastore share them through it,
    // and `k3s token rotate` / `k3s certificate rotate-ca` change them there for the next start.
    const std::string tls_dir = server_dir + "/tls";
    const std::string token_password = server_token_password(config, server_dir);
    RestoreResult restored = restore_cluster_secrets(*store, tls_dir, token_password);
    if (restored == RestoreResult::replaced) {
      spdlog::info("The datastore holds other CAs than {}: re-issuing every certificate from them", tls_dir);
      remove_leaf_certificates(tls_dir);
    }
    ServerCerts certs = ensure_server_certs(config, tls_dir);
    Tokens tokens = ensure_tokens(config, server_dir, certs.server_ca.cert_file);
    if (restored == RestoreResult::absent && !publish_cluster_secrets(*store, tls_dir, tokens.server_password)) {
      // Another server published first: take its CAs and re-issue this server's certificates.
      restore_cluster_secrets(*store, tls_dir, tokens.server_password);
      remove_leaf_certificates(tls_dir);
      certs = ensure_server_certs(config, tls_dir);
      tokens = ensure_tokens(config, server_dir, certs.server_ca.cert_file);
    }

    kine::EtcdServerOptions etcd_options;
    const std::string kine_socket = server_dir + "/kine.sock";
    std::error_code ec;
    fs::remove(kine_socket, ec);
    etcd_options.listen_address = "unix://" + kine_socket;
    auto etcd = kine::serve_etcd_api(*store, etcd_options);
    spdlog::info("Kine available at unix://{}", kine_socket);

    apiserver::Options api_options;
    api_options.store = store.get();
    api_options.service_cidr = config.service_cidr;
    api_options.service_node_port_range = config.service_node_port_range;
    api_options.git_commit = K3S_GIT_COMMIT;
    api_options.git_version = K3S_GIT_VERSION;
    // k3s's kube-apiserver arguments: the issuer names the cluster domain; "k3s" is an extra audience.
    api_options.service_account_key_file = certs.service_account_key;
    api_options.service_account_issuer = "https://kubernetes.default.svc." + config.cluster_domain;
    api_options.api_audiences = {api_options.service_account_issuer, "k3s"};
    spdlog::info(
        "Running kube-apiserver --advertise-port={} --allow-privileged=true --anonymous-auth=false "
        "--authorization-mode=Node,RBAC --bind-address={} --client-ca-file={} --etcd-servers=unix://{} "
        "--secure-port={} --service-cluster-ip-range={} --service-node-port-range={} --tls-cert-file={} "
        "--tls-private-key-file={}",
        config.advertise_port ? config.advertise_port : config.https_listen_port, config.bind_address,
        certs.client_ca.cert_file, kine_socket, config.https_listen_port, config.service_cidr,
        config.service_node_port_range, certs.serving_cert, certs.serving_key);
    // Kubelets are reached through their agents' tunnels when connected, else directly.
    auto tunnels = std::make_shared<tunnel::TunnelServer>();
    api_options.kubelet.client_cert_file = certs.apiserver_client_cert;
    api_options.kubelet.client_key_file = certs.apiserver_client_key;
    api_options.kubelet.ca_file = certs.server_ca.cert_file;
    api_options.kubelet.tunnel_dialer = [tunnels](const std::string& node) -> http::Dialer {
      if (!tunnels->connected(node)) return {};
      return [tunnels, node](const std::string& host, const std::string& port) {
        const bool ipv6 = host.find(':') != std::string::npos;
        return tunnels->dial(node, (ipv6 ? "[" + host + "]" : host) + ":" + port);
      };
    };
    auto api = std::make_shared<apiserver::ApiServer>(api_options);

    Supervisor supervisor({certs.server_ca.cert_file, tokens.server_password, tokens.agent_password,
                           [api] { return api->ready(); },
                           [api](const std::string& id, const std::string& secret) {
                             return bootstrap_token_valid(*api, id, secret);
                           },
                           tunnels.get()});

    http::ServerOptions http_options;
    http_options.bind_address = config.bind_address;
    http_options.port = config.https_listen_port;
    http_options.cert_file = certs.serving_cert;
    http_options.key_file = certs.serving_key;
    http_options.client_ca_file = certs.client_ca.cert_file;
    http_options.error_responder = &apiserver::ApiServer::error_response;
    http::Server listener(http_options, [&supervisor, api](http::Request& request) {
      if (auto response = supervisor.handle(request)) return *response;
      return api->handle(request);
    });
    spdlog::info("Tunnel server and supervisor listening on {}:{}", config.bind_address, listener.port());
    supervisor.enable_server_admin([&supervisor, store = store.get(), server_dir, tls_dir](
                                       const http::Request& request, const std::string& password) {
      ClusterAdminOptions admin{store, server_dir, tls_dir,
                                [&supervisor](const std::string& old_password, const std::string& new_password) {
                                  supervisor.replace_server_password(old_password, new_password);
                                }};
      return handle_cluster_admin(admin, request, password);
    });
    {
      const std::string advertise = config.advertise_address.empty() ? "127.0.0.1" : config.advertise_address;
      const int advertised_port = config.advertise_port ? config.advertise_port : listener.port();
      supervisor.enable_node_join({&certs, "https://127.0.0.1:" + std::to_string(listener.port()),
                                   agent_config_json(config, listener.port()),
                                   "[\"" + advertise + ":" + std::to_string(advertised_port) + "\"]"});
    }

    write_admin_kubeconfig(config.write_kubeconfig, config.write_kubeconfig_mode.empty() ? "0600" : config.write_kubeconfig_mode,
                           listener.port(), certs);
    spdlog::info("Wrote kubeconfig {}", config.write_kubeconfig);
    ControlPlane control_plane(config, certs, listener.port());
    std::unique_ptr<EmbeddedAgent> embedded_agent;
    if (!config.disable_agent) {
      embedded_agent = std::make_unique<EmbeddedAgent>(config, certs, listener.port());
      embedded_agent->start();
    }
    std::jthread readiness = notify_when_api_ready(api, notify_socket);
    spdlog::info("k3s is up and running");

    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    spdlog::info("Received {}; shutting down", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
    if (embedded_agent) embedded_agent->stop();
    control_plane.stop();
    tunnels->stop();
    listener.stop();
    api->stop();
    etcd->shutdown();
    fs::remove(kine_socket, ec);
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("server: {}", e.what());
    return 1;
  }
}

}  // namespace k3s::server
