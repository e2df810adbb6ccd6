#include "etcd_endpoints.h"

#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

namespace k3s::kine::etcdpb {

namespace {

std::string read_file_or_throw(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw StoreError(Errc::invalid_argument, std::string("cannot read datastore ") + what + " " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::shared_ptr<grpc::ChannelCredentials> credentials_for(bool tls, const StoreConfig& config) {
  if (!tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  if (!config.ca_file.empty()) options.pem_root_certs = read_file_or_throw(config.ca_file, "CA file");
  if (!config.cert_file.empty() || !config.key_file.empty()) {
    if (config.cert_file.empty() || config.key_file.empty())
      throw StoreError(Errc::invalid_argument, "datastore client certificate and key must be given together");
    options.pem_cert_chain = read_file_or_throw(config.cert_file, "certificate file");
    options.pem_private_key = read_file_or_throw(config.key_file, "key file");
  }
  return grpc::SslCredentials(options);
}

}  // namespace

std::vector<ParsedEndpoint> parse_etcd_endpoints(const std::string& endpoint_list) {
  std::vector<ParsedEndpoint> out;
  std::stringstream stream(endpoint_list);
  std::string item;
  while (std::getline(stream, item, ',')) {
    if (item.empty()) continue;
    ParsedEndpoint parsed;
    parsed.url = item;
    std::string rest;
    if (item.rfind("http://", 0) == 0) {
      rest = item.substr(7);
    } else if (item.rfind("https://", 0) == 0) {
      rest = item.substr(8);
      parsed.tls = true;
    } else {
      throw StoreError(Errc::invalid_argument, "invalid etcd endpoint \"" + item + "\": expected http://host:port or https://host:port");
    }
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    auto colon = rest.rfind(':');
    bool bracketed_v6 = !rest.empty() && rest.front() == '[' && rest.back() == ']';
    if (rest.empty() || rest.find('/') != std::string::npos) {
      throw StoreError(Errc::invalid_argument, "invalid etcd endpoint \"" + item + "\": missing or malformed host");
    }
    if (colon == std::string::npos || bracketed_v6) rest += ":2379";
    parsed.target = rest;
    out.push_back(std::move(parsed));
  }
  if (out.empty()) throw StoreError(Errc::invalid_argument, "no etcd endpoint given in \"" + endpoint_list + "\"");
  return out;
}

EtcdEndpoints::EtcdEndpoints(const StoreConfig& config) {
  for (auto& parsed : parse_etcd_endpoints(config.endpoint)) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    args.SetMaxSendMessageSize(-1);
    // Notice a dead member within seconds even while only a watch is open.
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 3000);
    auto endpoint = std::make_unique<EtcdEndpoint>();
    endpoint->url = parsed.url;
    endpoint->channel = grpc::CreateCustomChannel(parsed.target, credentials_for(parsed.tls, config), args);
    endpoint->kv = ::etcdserverpb::KV::NewStub(endpoint->channel);
    endpoint->watch = ::etcdserverpb::Watch::NewStub(endpoint->channel);
    endpoint->lease = ::etcdserverpb::Lease::NewStub(endpoint->channel);
    endpoint->maintenance = ::etcdserverpb::Maintenance::NewStub(endpoint->channel);
    endpoints_.push_back(std::move(endpoint));
  }
}

void EtcdEndpoints::fail_over_from(std::size_t index) {
  if (endpoints_.size() < 2) return;
  std::size_t next = (index + 1) % endpoints_.size();
  if (current_.compare_exchange_strong(index, next)) {
    spdlog::warn("etcd: {} unreachable, switching to {}", at(index).url, at(next).url);
  }
}

std::string EtcdEndpoints::urls() const {
  std::string out;
  for (const auto& endpoint : endpoints_) {
    if (!out.empty()) out += ",";
    out += endpoint->url;
  }
  return out;
}

}  // namespace k3s::kine::etcdpb
