#include "node_proxy.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "http/client.h"
#include "http/connection.h"
#include "object/meta.h"
#include "util/strings.h"

namespace k3s::apiserver {

namespace {

constexpr int kDefaultKubeletPort = 10250;

struct KubeletTarget {
  std::string node;
  std::string host;
  int port = kDefaultKubeletPort;
};

Json cached_object(ApiContext& ctx, const std::string& resource, const std::string& ns, const std::string& name) {
  WatchCache* cache = ctx.cache_for("", "v1", resource);
  if (!cache) throw service_unavailable("the cache for " + resource + " is not ready");
  cache->wait_until_fresh(ctx.storage.current_revision(), std::chrono::seconds(3));
  auto found = cache->get(ns, name);
  if (!found) throw not_found("", resource, name);
  return found->object;
}

KubeletTarget kubelet_of_node(ApiContext& ctx, const std::string& node_name) {
  Json node = cached_object(ctx, "nodes", "", node_name);
  KubeletTarget target;
  target.node = node_name;
  const Json status = node.value("status", Json::object());
  for (const auto& address : status.value("addresses", Json::array())) {
    if (address.value("type", "") == "InternalIP") {
      target.host = address.value("address", "");
      break;
    }
  }
  if (target.host.empty()) {
    for (const auto& address : status.value("addresses", Json::array())) {
      if (address.value("type", "") == "Hostname") target.host = address.value("address", "");
    }
  }
  if (target.host.empty()) throw bad_request("node " + node_name + " has no address to reach its kubelet");
  const Json endpoints = status.value("daemonEndpoints", Json::object()).value("kubeletEndpoint", Json::object());
  if (endpoints.contains("Port") && endpoints["Port"].is_number_integer() && endpoints["Port"].get<int>() > 0)
    target.port = endpoints["Port"].get<int>();
  return target;
}

std::vector<std::string> container_names(const Json& spec) {
  std::vector<std::string> names;
  for (const char* field : {"containers", "initContainers", "ephemeralContainers"})
    for (const auto& c : spec.value(field, Json::array())) names.push_back(c.value("name", ""));
  return names;
}

// The container a pod subresource addresses: ?container=, the default-container annotation,
// or the only container; otherwise kube's "a container name must be specified" error.
std::string choose_container(const Json& pod, const std::string& requested) {
  const Json spec = pod.value("spec", Json::object());
  const std::string pod_name = object::name_of(pod);
  auto names = container_names(spec);
  if (!requested.empty()) {
    if (std::find(names.begin(), names.end(), requested) == names.end())
      throw bad_request("container " + requested + " is not valid for pod " + pod_name);
    return requested;
  }
  const std::string annotated =
      pod.value("metadata", Json::object()).value("annotations", Json::object()).value(
          "kubectl.kubernetes.io/default-container", "");
  if (!annotated.empty() && std::find(names.begin(), names.end(), annotated) != names.end()) return annotated;
  const Json containers = spec.value("containers", Json::array());
  if (containers.size() == 1) return containers[0].value("name", "");
  std::string choices;
  for (const auto& c : containers) choices += (choices.empty() ? "" : " ") + c.value("name", "");
  throw bad_request("a container name must be specified for pod " + pod_name + ", choose one of: [" + choices + "]");
}

// The raw query minus the parameters the API server consumes itself.
std::string forwarded_query(const std::string& raw_query) {
  std::string out;
  for (const auto& [key, value] : http::parse_query(raw_query)) {
    if (key == "container" || key == "insecureSkipTLSVerifyBackend" || key == "pretty") continue;
    // PodPortForwardOptions' `ports` is the kubelet's `port`, one parameter per port.
    if (key == "ports") {
      for (const auto& port : util::split(value, ','))
        if (!port.empty()) out += (out.empty() ? "" : "&") + std::string("port=") + http::percent_encode(port);
      continue;
    }
    out += (out.empty() ? "" : "&") + http::percent_encode(key) + "=" + http::percent_encode(value);
  }
  return out;
}

bool is_hop_by_hop_or_credential(const std::string& name) {
  static const char* kDropped[] = {"Host", "Authorization", "Content-Length", "Transfer-Encoding", "Keep-Alive",
                                   "Proxy-Authorization", "TE", "Trailer"};
  for (const char* dropped : kDropped)
    if (http::iequals(name, dropped)) return true;
  auto starts_with = [&](const char* prefix) {
    std::string_view n(name), p(prefix);
    return n.size() >= p.size() && http::iequals(n.substr(0, p.size()), p);
  };
  return starts_with("Impersonate-") || starts_with("X-Remote-");
}

http::Headers forwarded_headers(const http::Headers& in, bool upgrade) {
  http::Headers out;
  for (const auto& [name, value] : in.fields()) {
    if (is_hop_by_hop_or_credential(name)) continue;
    if (!upgrade && (http::iequals(name, "Connection") || http::iequals(name, "Upgrade"))) continue;
    out.add(name, value);
  }
  return out;
}

class KubeletCaller {
 public:
  KubeletCaller(ApiContext& ctx, const KubeletTarget& target) {
    const auto& access = ctx.options.kubelet;
    http::ClientOptions options;
    options.ca_file = access.ca_file;
    options.cert_file = access.client_cert_file;
    options.key_file = access.client_key_file;
    if (access.tunnel_dialer) options.dialer = access.tunnel_dialer(target.node);
    const bool ipv6 = target.host.find(':') != std::string::npos;
    base_ = "https://" + (ipv6 ? "[" + target.host + "]" : target.host) + ":" + std::to_string(target.port);
    client_ = std::make_unique<http::Client>(base_, options);
  }

  http::Response call(const http::Request& incoming, const std::string& path_and_query, bool follow) {
    const bool upgrade = incoming.headers.has("Upgrade");
    http::Headers headers = forwarded_headers(incoming.headers, upgrade);
    try {
      if (upgrade) return pass_upgrade(incoming.method, path_and_query, headers, incoming.body);
      if (follow) return pass_stream(incoming.method, path_and_query, headers);
      auto answer = client_->request(incoming.method, path_and_query, headers, incoming.body);
      http::Response r;
      r.status = answer.status;
      for (const auto& [name, value] : answer.headers.fields())
        if (!is_hop_by_hop_or_credential(name) && !http::iequals(name, "Connection")) r.headers.add(name, value);
      r.body = std::move(answer.body);
      return r;
    } catch (const http::ClientError& e) {
      throw ApiError(500, "InternalError", "error dialing backend: " + std::string(e.what()));
    }
  }

 private:
  http::Response pass_upgrade(const std::string& method, const std::string& path, const http::Headers& headers,
                              const std::string& body) {
    auto answer = client_->upgrade(method, path, headers, body);
    http::Response r;
    r.status = answer.status;
    for (const auto& [name, value] : answer.headers.fields())
      if (!http::iequals(name, "Content-Length") && !http::iequals(name, "Transfer-Encoding"))
        r.headers.add(name, value);
    if (answer.status != 101) {
      r.body = std::move(answer.body);
      return r;
    }
    std::shared_ptr<http::Connection> kubelet(std::move(answer.connection));
    r.upgrade = [kubelet](std::unique_ptr<http::Connection> caller) { http::splice(*caller, *kubelet); };
    return r;
  }

  http::Response pass_stream(const std::string& method, const std::string& path, const http::Headers& headers) {
    std::shared_ptr<http::ResponseStream> stream = client_->stream(method, path, headers);
    http::Response r;
    r.status = stream->status();
    for (const auto& [name, value] : stream->headers().fields())
      if (!is_hop_by_hop_or_credential(name) && !http::iequals(name, "Connection")) r.headers.add(name, value);
    if (stream->status() / 100 != 2) {
      while (auto piece = stream->read()) r.body += *piece;
      return r;
    }
    r.stream = [stream](std::shared_ptr<http::StreamWriter> writer) {
      writer->on_close([stream] { stream->cancel(); });
      // Followed logs may stay open for hours: a thread of their own, not a server worker.
      std::thread([stream, writer] {
        while (auto piece = stream->read())
          if (!writer->write(std::move(*piece))) break;
        writer->finish();
      }).detach();
    };
    return r;
  }

  std::string base_;
  std::unique_ptr<http::Client> client_;
};

std::string pod_path(const std::string& subresource, const std::string& ns, const std::string& pod,
                     const std::string& container) {
  if (subresource == "log") return "/containerLogs/" + ns + "/" + pod + "/" + container;
  if (subresource == "exec") return "/exec/" + ns + "/" + pod + "/" + container;
  if (subresource == "attach") return "/attach/" + ns + "/" + pod + "/" + container;
  return "/portForward/" + ns + "/" + pod;
}

}  // namespace

bool is_node_proxy_subresource(const ResourceType& type, const std::string& subresource) {
  if (type.group != "") return false;
  if (type.resource == "pods")
    return subresource == "log" || subresource == "exec" || subresource == "attach" || subresource == "portforward";
  return type.resource == "nodes" && subresource == "proxy";
}

http::Response handle_node_proxy(ApiContext& ctx, ResourceRequest& req) {
  const http::Request& incoming = *req.http;
  if (req.type->resource == "nodes") {
    // /api/v1/nodes/<name>[:<port>]/proxy/<rest>
    std::string node_name = req.name;
    int port = 0;
    if (auto colon = node_name.find(':'); colon != std::string::npos) {
      try {
        port = std::stoi(node_name.substr(colon + 1));
      } catch (...) {
        throw bad_request("invalid port in node name " + node_name);
      }
      node_name = node_name.substr(0, colon);
    }
    KubeletTarget target = kubelet_of_node(ctx, node_name);
    if (port > 0) target.port = port;
    const std::string marker = "/proxy";
    auto at = incoming.path.find("/" + req.name + marker);
    std::string rest = at == std::string::npos ? "/" : incoming.path.substr(at + 1 + req.name.size() + marker.size());
    if (rest.empty()) rest = "/";
    std::string query = incoming.query;
    return KubeletCaller(ctx, target).call(incoming, rest + (query.empty() ? "" : "?" + query), false);
  }

  Json pod = cached_object(ctx, "pods", req.ns, req.name);
  const std::string node_name = pod.value("spec", Json::object()).value("nodeName", "");
  if (node_name.empty()) throw bad_request("pod " + req.name + " does not have a host assigned");
  std::string container;
  if (req.subresource != "portforward") container = choose_container(pod, req.param("container"));
  if (req.subresource == "log" && req.verb != "get")
    throw method_not_supported("", "pods/log", req.verb);
  KubeletTarget target = kubelet_of_node(ctx, node_name);
  std::string query = forwarded_query(incoming.query);
  std::string path = pod_path(req.subresource, req.ns, req.name, container) + (query.empty() ? "" : "?" + query);
  const std::string follow = req.param("follow");
  return KubeletCaller(ctx, target).call(incoming, path, req.subresource == "log" && is_true_query_value(follow));
}

}  // namespace k3s::apiserver
