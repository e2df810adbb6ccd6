#include "agent/join.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "client/kubeconfig.h"
#include "http/client.h"
#include "pki/pki.h"
#include "util/base64.h"

namespace k3s::agent {

namespace fs = std::filesystem;

namespace {

// A failure worth retrying (server down, starting, restarting).
class Transient : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string hex(const unsigned char* data, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 15]);
  }
  return out;
}

std::string sha256_hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return hex(digest, sizeof digest);
}

std::string first_line(std::string text) {
  auto eol = text.find('\n');
  if (eol != std::string::npos) text.resize(eol);
  while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// Splits the PEM body of /v1-k3s/*-kubelet.crt into the certificate(s) and the key.
void split_cert_and_key(const std::string& body, std::string& certs, std::string& key) {
  std::size_t pos = 0;
  while (true) {
    auto begin = body.find("-----BEGIN ", pos);
    if (begin == std::string::npos) break;
    auto end_marker = body.find("-----END ", begin);
    if (end_marker == std::string::npos) break;
    auto end = body.find("-----", end_marker + 9);
    if (end == std::string::npos) break;
    end += 5;
    std::string block = body.substr(begin, end - begin) + "\n";
    if (block.find("PRIVATE KEY-----") != std::string::npos)
      key += block;
    else
      certs += block;
    pos = end;
  }
  if (certs.empty() || key.empty()) throw Transient("the server answered with an incomplete certificate bundle");
}

class ServerSession {
 public:
  ServerSession(const JoinOptions& options, const JoinToken& token, const std::string& ca_pem,
                const std::string& password)
      : options_(options), token_(token), password_(password) {
    http::ClientOptions co;
    co.ca_pem = ca_pem;
    co.timeout = std::chrono::seconds(30);
    client_ = std::make_unique<http::Client>(options.server_url, co);
  }

  std::string get(const std::string& path) {
    http::Headers headers;
    headers.add("Authorization", "Basic " + util::base64_encode(token_.username + ":" + token_.password));
    headers.add("k3s-Node-Name", options_.node_name);
    headers.add("k3s-Node-Password", password_);
    if (!options_.node_ips.empty()) headers.add("k3s-Node-IP", join_list(options_.node_ips));
    if (!options_.node_external_ips.empty())
      headers.add("k3s-Node-External-IP", join_list(options_.node_external_ips));
    http::ClientResponse res;
    try {
      res = client_->request("GET", path, headers);
    } catch (const http::ClientError& e) {
      throw Transient(e.what());
    }
    if (res.status == 200) return res.body;
    const std::string detail = first_line(res.body);
    if (res.status == 401)
      throw JoinRefused("the server at " + options_.server_url +
                        " rejected the token (401 Unauthorized): check --token / K3S_TOKEN");
    if (res.status == 403) throw JoinRefused("the server refused node " + options_.node_name + ": " + detail);
    if (res.status == 400) throw JoinRefused("the server rejected the join request: " + detail);
    throw Transient("GET " + path + ": " + std::to_string(res.status) + (detail.empty() ? "" : " " + detail));
  }

 private:
  const JoinOptions& options_;
  const JoinToken& token_;
  std::string password_;
  std::unique_ptr<http::Client> client_;
};

ServerSettings parse_settings(const std::string& body) {
  ServerSettings s;
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object()) throw Transient("the server's /v1-k3s/config is not JSON");
  if (j.contains("clusterDNS") && j["clusterDNS"].is_string()) s.cluster_dns = {j["clusterDNS"].get<std::string>()};
  s.cluster_domain = j.value("clusterDomain", s.cluster_domain);
  s.cluster_cidr = j.value("clusterCIDR", s.cluster_cidr);
  s.service_cidr = j.value("serviceCIDR", s.service_cidr);
  s.pause_image = j.value("pauseImage", "");
  return s;
}

JoinResult join_once(const JoinOptions& options, const JoinToken& token, const std::string& password) {
  // /cacerts is fetched before we can verify anyone: the token's hash is what makes it safe.
  std::string ca_pem;
  {
    http::ClientOptions insecure;
    insecure.insecure_skip_verify = true;
    insecure.timeout = std::chrono::seconds(30);
    http::ClientResponse res;
    try {
      res = http::Client(options.server_url, insecure).request("GET", "/cacerts");
    } catch (const http::ClientError& e) {
      throw Transient(e.what());
    }
    if (res.status != 200) throw Transient("GET /cacerts: " + std::to_string(res.status));
    ca_pem = res.body;
  }
  if (!token.ca_hash.empty()) {
    const std::string actual = sha256_hex(ca_pem);
    if (actual != token.ca_hash)
      throw JoinRefused("token CA hash does not match the server CA hash: " + token.ca_hash + " != " + actual +
                        " (is the token from this server?)");
  }

  JoinResult r;
  const std::string& dir = options.agent_dir;
  fs::create_directories(dir);
  r.server_ca = dir + "/server-ca.crt";
  r.client_ca = dir + "/client-ca.crt";
  r.client_cert = dir + "/client-kubelet.crt";
  r.client_key = dir + "/client-kubelet.key";
  r.serving_cert = dir + "/serving-kubelet.crt";
  r.serving_key = dir + "/serving-kubelet.key";
  r.kubeconfig = dir + "/kubelet.kubeconfig";
  r.node_ips = options.node_ips;

  ServerSession server(options, token, ca_pem, password);
  // The serving certificate first: it is where a node password conflict shows up.
  std::string serving_certs, serving_key, client_certs, client_key;
  split_cert_and_key(server.get("/v1-k3s/serving-kubelet.crt"), serving_certs, serving_key);
  split_cert_and_key(server.get("/v1-k3s/client-kubelet.crt"), client_certs, client_key);
  const std::string client_ca = server.get("/v1-k3s/client-ca.crt");
  r.settings = parse_settings(server.get("/v1-k3s/config"));

  pki::write_file_atomic(r.server_ca, ca_pem, 0644);
  pki::write_file_atomic(r.client_ca, client_ca, 0644);
  pki::write_file_atomic(r.serving_cert, serving_certs, 0644);
  pki::write_file_atomic(r.serving_key, serving_key, 0600);
  pki::write_file_atomic(r.client_cert, client_certs, 0644);
  pki::write_file_atomic(r.client_key, client_key, 0600);
  pki::write_file_atomic(r.kubeconfig, client::kubeconfig_referencing_files(options.server_url, r.server_ca, r.client_cert, r.client_key), 0600);
  return r;
}

}  // namespace

JoinToken parse_join_token(const std::string& raw) {
  std::string token = raw;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) throw JoinRefused("no token given: use --token, --token-file or K3S_TOKEN");
  JoinToken out;
  out.username = "node";
  std::string credentials = token;
  if (token.rfind("K10", 0) == 0) {
    auto sep = token.find("::");
    if (sep == std::string::npos)
      throw JoinRefused("malformed token: expected K10<ca-sha256>::<user>:<password> or a bare password");
    out.ca_hash = token.substr(3, sep - 3);
    credentials = token.substr(sep + 2);
    if (out.ca_hash.size() != 64 || out.ca_hash.find_first_not_of("0123456789abcdef") != std::string::npos)
      throw JoinRefused("malformed token: the CA hash after K10 must be 64 lower-case hex digits");
    auto colon = credentials.find(':');
    if (colon == std::string::npos) {
      out.password = credentials;
    } else {
      out.username = credentials.substr(0, colon);
      out.password = credentials.substr(colon + 1);
    }
  } else {
    out.password = credentials;
  }
  if (out.password.empty()) throw JoinRefused("malformed token: the password part is empty");
  return out;
}

std::string ensure_node_password(const std::string& path) {
  {
    std::ifstream in(path);
    std::string password;
    if (in && std::getline(in, password)) {
      while (!password.empty() && (password.back() == '\r' || password.back() == ' ')) password.pop_back();
      if (!password.empty()) return password;
    }
  }
  unsigned char random[16];
  RAND_bytes(random, sizeof random);
  const std::string password = hex(random, sizeof random);
  fs::create_directories(fs::path(path).parent_path());
  pki::write_file_atomic(path, password + "\n", 0600);
  return password;
}

std::string local_address_towards(const std::string& server_url) {
  std::string rest = server_url.substr(server_url.find("://") == std::string::npos ? 0 : server_url.find("://") + 3);
  std::string host;
  if (!rest.empty() && rest.front() == '[') {
    host = rest.substr(1, rest.find(']') - 1);
  } else {
    host = rest.substr(0, rest.find_first_of(":/"));
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), "6443", &hints, &found) != 0) return {};
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  // A connected UDP socket sends nothing but makes the kernel pick the source address.
  int fd = ::socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  std::string out;
  if (::connect(fd, found->ai_addr, found->ai_addrlen) == 0) {
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
      char text[INET6_ADDRSTRLEN] = {};
      if (local.ss_family == AF_INET)
        inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&local)->sin_addr, text, sizeof text);
      else
        inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr, text, sizeof text);
      out = text;
    }
  }
  ::close(fd);
  return out;
}

JoinResult join_cluster(const JoinOptions& options) {
  const JoinToken token = parse_join_token(options.token);
  if (options.server_url.rfind("https://", 0) != 0)
    throw JoinRefused("the server URL must start with https:// (got '" + options.server_url + "')");
  const std::string password = ensure_node_password(options.password_file);
  auto backoff = std::chrono::milliseconds(500);
  for (;;) {
    try {
      return join_once(options, token, password);
    } catch (const Transient& e) {
      if (options.on_retry) options.on_retry(e.what());
    }
    // Sleep in small steps so that a stop request is noticed.
    auto until = std::chrono::steady_clock::now() + backoff;
    while (std::chrono::steady_clock::now() < until) {
      if (options.stopping && options.stopping()) throw JoinRefused("interrupted while joining");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    backoff = std::min(options.max_backoff, backoff * 2);
  }
}

}  // namespace k3s::agent
