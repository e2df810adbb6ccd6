// Routing of every API request: authentication, authorization, non-resource endpoints
// (/version, /healthz, /livez, /readyz), discovery, and resource requests.
#include "apiserver/apiserver.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <thread>


#include <algorithm>
#include <cstdio>

#include "context.h"
#include "object/fields.h"
#include "discovery.h"
#include "impersonation.h"
#include "openapi.h"
#include "openapi_v2.h"
#include "request_info.h"
#include "status.h"

namespace k3s::apiserver {

http::Response json_response(int status, const Json& body) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = body.dump();
  return r;
}

http::Response error_to_response(const ApiError& e) { return json_response(e.code(), e.to_status()); }

http::Response ApiServer::error_response(int status, const std::string& message) {
  switch (status) {
    case 413: return error_to_response(too_large(message));
    case 504: return error_to_response(timeout_error(message));
    case 400: return error_to_response(bad_request(message));
    default: return error_to_response(ApiError(status, "", message));
  }
}

struct ApiServer::Impl {
  explicit Impl(Options o) : ctx(std::move(o)) {}
  ApiContext ctx;
  std::thread ticker;
  std::mutex tick_mu;
  std::condition_variable tick_cv;
  bool stopping = false;

  void run_ticker() {
    std::unique_lock lock(tick_mu);
    while (!stopping) {
      tick_cv.wait_for(lock, std::chrono::seconds(1));
      if (stopping) break;
      lock.unlock();
      auto now = std::chrono::steady_clock::now();
      for (auto& [prefix, cache] : ctx.caches) cache->tick(now, std::chrono::seconds(30));
      lock.lock();
    }
  }

  http::Response handle(http::Request& req);
  void record_request(const http::Request& req, const http::Response& response,
                      std::chrono::steady_clock::duration elapsed);
  metrics::Counter* requests_total = nullptr;
  metrics::Histogram* request_duration = nullptr;
  http::Response non_resource(const RequestInfo& info, const http::Request& req);
  http::Response health(const std::string& path, const http::Request& req);
};

ApiServer::ApiServer(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {
  auto& ctx = impl_->ctx;
  if (!ctx.options.store) throw std::invalid_argument("apiserver: no datastore");
  register_builtin_types(ctx.registry);
  impl_->requests_total = &ctx.metrics.counter(
      "apiserver_request_total", "Counter of apiserver requests broken out for each verb, group, version, resource and HTTP response code.",
      {"verb", "group", "version", "resource", "subresource", "path", "code"});
  impl_->request_duration = &ctx.metrics.histogram(
      "apiserver_request_duration_seconds", "Response latency distribution in seconds for each verb, group, version and resource.",
      {"verb", "group", "version", "resource", "subresource"}, metrics::request_latency_buckets());
  ctx.storage.set_latency_histogram(&ctx.metrics.histogram(
      "etcd_request_duration_seconds", "Datastore (kine) request latency in seconds for each operation and object type.",
      {"operation", "type"}, metrics::request_latency_buckets()));
  for (const auto& type : ctx.registry.storage_types()) {
    auto cache = std::make_unique<WatchCache>(*ctx.options.store, type);
    cache->start();
    ctx.caches[type->storage_prefix] = std::move(cache);
  }
  ctx.authorizer = std::make_unique<Authorizer>(
      RbacSources{ctx.cache_for("rbac.authorization.k8s.io", "v1", "clusterroles"),
                  ctx.cache_for("rbac.authorization.k8s.io", "v1", "clusterrolebindings"),
                  ctx.cache_for("rbac.authorization.k8s.io", "v1", "roles"),
                  ctx.cache_for("rbac.authorization.k8s.io", "v1", "rolebindings")},
      NodeGraphSources{ctx.cache_for("", "v1", "pods"), ctx.cache_for("", "v1", "persistentvolumeclaims"),
                       ctx.cache_for("", "v1", "persistentvolumes"),
                       ctx.cache_for("storage.k8s.io", "v1", "volumeattachments")});
  if (!ctx.options.service_account_key_file.empty()) {
    ctx.sa_tokens = std::make_unique<ServiceAccountTokens>(
        pki::SigningKey::load_private(ctx.options.service_account_key_file), ctx.options.service_account_issuer,
        ctx.options.api_audiences);
    ctx.authenticators.add([&ctx](const http::Request& request) -> std::optional<UserInfo> {
      const std::string authorization = request.headers.get("Authorization");
      constexpr std::string_view kBearer = "Bearer ";
      if (authorization.size() <= kBearer.size() || authorization.compare(0, kBearer.size(), kBearer) != 0)
        return std::nullopt;
      return ctx.sa_tokens->authenticate(ctx, std::string_view(authorization).substr(kBearer.size()));
    });
  }
  ensure_bootstrap_objects(ctx);
  impl_->ticker = std::thread([this] { impl_->run_ticker(); });
  ctx.ready = true;
}

ApiServer::~ApiServer() { stop(); }

void ApiServer::stop() {
  {
    std::lock_guard lock(impl_->tick_mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  impl_->tick_cv.notify_all();
  if (impl_->ticker.joinable()) impl_->ticker.join();
  for (auto& [prefix, cache] : impl_->ctx.caches) cache->stop();
  impl_->ctx.ready = false;
}

bool ApiServer::ready() const { return impl_->ctx.ready; }

void ApiServer::add_authenticator(Authenticator authenticator) { impl_->ctx.authenticators.add(std::move(authenticator)); }

http::Response ApiServer::handle(http::Request& request) {
  const auto start = std::chrono::steady_clock::now();
  http::Response response;
  try {
    response = impl_->handle(request);
  } catch (const ApiError& e) {
    response = error_to_response(e);
  } catch (const std::exception& e) {
    spdlog::error("apiserver: {} {}: {}", request.method, request.target, e.what());
    response = error_to_response(internal_error(e.what()));
  }
  impl_->record_request(request, response, std::chrono::steady_clock::now() - start);
  return response;
}

void ApiServer::Impl::record_request(const http::Request& req, const http::Response& response,
                                     std::chrono::steady_clock::duration elapsed) {
  const bool watch = req.query.find("watch=true") != std::string::npos || req.query.find("watch=1") != std::string::npos;
  const RequestInfo info = parse_request_info(req.method, req.path, watch);
  std::string verb = info.verb;
  std::transform(verb.begin(), verb.end(), verb.begin(), [](unsigned char c) { return std::toupper(c); });
  // Non-resource paths are few and fixed; anything else (a scan of random URLs) is one label.
  const std::string resource = info.is_resource_request ? info.resource : "";
  const std::string path = info.is_resource_request ? "" : (response.status == 404 ? "other" : info.path);
  requests_total->inc({verb, info.group, info.version, resource, info.subresource, path, std::to_string(response.status)});
  // A watch's handler returns once the stream is set up: its duration says nothing.
  if (verb != "WATCH")
    request_duration->observe({verb, info.group, info.version, resource, info.subresource},
                              std::chrono::duration<double>(elapsed).count());
}

http::Response ApiServer::Impl::health(const std::string& path, const http::Request& req) {
  const bool verbose = req.query.find("verbose") != std::string::npos;
  std::vector<std::pair<std::string, bool>> checks = {{"ping", true}, {"log", true}};
  bool etcd_ok = true;
  try {
    ctx.options.store->current_revision();
  } catch (...) {
    etcd_ok = false;
  }
  checks.push_back({"etcd", etcd_ok});
  if (path != "/livez") checks.push_back({"informer-sync", ctx.ready.load()});
  checks.push_back({"poststarthook/start-apiserver-admission-initializer", true});
  checks.push_back({"poststarthook/bootstrap-controller", ctx.ready.load()});
  bool ok = true;
  std::string body;
  for (const auto& [name, good] : checks) {
    ok = ok && good;
    body += std::string("[") + (good ? "+" : "-") + "]" + name + (good ? " ok" : " failed: reason withheld") + "\n";
  }
  std::string what = path.substr(1);
  http::Response r;
  r.status = ok ? 200 : 500;
  r.headers.set("Content-Type", "text/plain; charset=utf-8");
  r.headers.set("X-Content-Type-Options", "nosniff");
  if (verbose || !ok)
    r.body = body + what + (ok ? " check passed\n" : " check failed\n");
  else
    r.body = "ok";
  return r;
}

http::Response ApiServer::Impl::non_resource(const RequestInfo& info, const http::Request& req) {
  const std::string& p = info.path;
  if (ctx.sa_tokens && (p == "/.well-known/openid-configuration" || p == "/.well-known/openid-configuration/"))
    return json_response(200, openid_configuration(*ctx.sa_tokens));
  if (ctx.sa_tokens && (p == "/openid/v1/jwks" || p == "/openid/v1/jwks/"))
    return json_response(200, openid_key_set(*ctx.sa_tokens));
  if (p == "/metrics") {
    http::Response r;
    r.status = 200;
    r.headers.set("Content-Type", metrics::kTextContentType);
    r.body = ctx.metrics.expose() + metrics::process_metrics_text();
    return r;
  }
  if (p == "/version" || p == "/version/") {
    return json_response(200, {{"major", "1"},
                               {"minor", "33"},
                               {"emulationMajor", "1"},
                               {"emulationMinor", "33"},
                               {"minCompatibilityMajor", "1"},
                               {"minCompatibilityMinor", "32"},
                               {"gitVersion", ctx.options.git_version},
                               {"gitCommit", ctx.options.git_commit},
                               {"gitTreeState", "clean"},
                               {"buildDate", __DATE__ " " __TIME__},
                               {"goVersion", std::string("g++ ") + __VERSION__},
                               {"compiler", "gcc"},
                               {"platform", "linux/amd64"}});
  }
  if (p == "/healthz" || p == "/livez" || p == "/readyz") return health(p, req);
  if (p.rfind("/healthz/", 0) == 0 || p.rfind("/livez/", 0) == 0 || p.rfind("/readyz/", 0) == 0) {
    http::Response r;
    r.headers.set("Content-Type", "text/plain; charset=utf-8");
    r.body = "ok";
    return r;
  }
  if (p == "/openapi/v2" || p == "/openapi/v2/") {
    if (req.headers.get("Accept").find("protobuf") != std::string::npos) {
      http::Response r;
      r.headers.set("Content-Type", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
      r.body = openapi_v2_protobuf(ctx.registry);
      return r;
    }
    return json_response(200, openapi_v2_json(ctx.registry));
  }
  if (p == "/openapi/v3" || p == "/openapi/v3/") return json_response(200, openapi_v3_root(ctx.registry));
  if (p.rfind("/openapi/v3/", 0) == 0) {
    Json doc = openapi_v3_document(ctx.registry, p.substr(12));
    if (!doc.is_null()) return json_response(200, doc);
  }
  const bool core_root = p == "/api" || p == "/api/";
  if (core_root || p == "/apis" || p == "/apis/") {
    // One path, two documents chosen by Accept: caches between client and server must key on it.
    http::Response r;
    const std::string version = aggregated_discovery_version(req.headers.get("Accept"));
    if (!version.empty()) {
      r = json_response(200, aggregated_discovery(ctx.registry, core_root, version));
      r.headers.set("Content-Type", aggregated_discovery_content_type(version));
    } else if (core_root) {
      std::string host = req.headers.get("Host");
      r = json_response(200, core_api_versions(host.empty() ? "127.0.0.1:6443" : host));
    } else {
      r = json_response(200, api_group_list(ctx.registry));
    }
    r.headers.set("Vary", "Accept");
    return r;
  }
  if (info.api_prefix == "api" && !info.version.empty()) {
    Json list = api_resource_list(ctx.registry, "", info.version);
    if (!list.is_null()) return json_response(200, list);
  }
  if (info.api_prefix == "apis") {
    if (!info.group.empty() && !info.version.empty()) {
      Json list = api_resource_list(ctx.registry, info.group, info.version);
      if (!list.is_null()) return json_response(200, list);
    } else {
      // /apis/<group>
      std::string group = p.substr(6);
      while (!group.empty() && group.back() == '/') group.pop_back();
      Json g = api_group(ctx.registry, group);
      if (!g.is_null()) return json_response(200, g);
    }
  }
  throw ApiError(404, "NotFound", "the server could not find the requested resource");
}

http::Response ApiServer::Impl::handle(http::Request& req) {
  auto user = ctx.authenticators.authenticate(req);
  if (!user) throw unauthorized();
  user = impersonated_user(*ctx.authorizer, req, *user);

  std::map<std::string, std::string> query;
  for (auto& [k, v] : http::parse_query(req.query)) query[k] = v;
  bool watch = query.count("watch") && is_true_query_value(query["watch"]);
  RequestInfo info = parse_request_info(req.method, req.path, watch);

  Attributes attrs;
  attrs.user = *user;
  attrs.verb = info.verb;
  attrs.resource_request = info.is_resource_request;
  attrs.group = info.group;
  attrs.resource = info.resource;
  attrs.subresource = info.subresource;
  attrs.ns = info.ns;
  attrs.name = info.name;
  attrs.path = info.path;
  attrs.field_selector = query.count("fieldSelector") ? query["fieldSelector"] : "";
  // A list or watch of one object by a metadata.name field selector is authorized as that
  // object (RBAC resourceNames, the Node authorizer), as kube-apiserver's request info does.
  if (attrs.name.empty() && (info.verb == "list" || info.verb == "watch") && !attrs.field_selector.empty()) {
    try {
      if (auto name = object::fields::Selector::parse(attrs.field_selector).requires_exact_match("metadata.name"))
        attrs.name = *name;
    } catch (const object::fields::SelectorError&) {
      // the handler answers 400
    }
  }
  std::string denied_because;
  if (!ctx.authorizer->allowed(attrs, &denied_because)) {
    throw forbidden(user->name, info.verb, info.group, info.resource, info.subresource, info.ns,
                    info.is_resource_request ? info.name : info.path, denied_because);
  }
  if (!info.is_resource_request) {
    if (req.method != "GET" && req.method != "HEAD")
      throw ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
    return non_resource(info, req);
  }
  auto type = ctx.registry.find(info.group, info.version, info.resource);
  if (!type) throw ApiError(404, "NotFound", "the server could not find the requested resource");
  ResourceRequest rr;
  rr.http = &req;
  rr.type = type;
  rr.verb = info.verb;
  rr.ns = type->namespaced ? info.ns : "";
  rr.name = info.name;
  rr.subresource = info.subresource;
  rr.user = *user;
  rr.query = std::move(query);
  if (type->namespaced && rr.ns.empty() && (info.verb == "create" || !rr.name.empty()))
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  return handle_resource(ctx, rr);
}

}  // namespace k3s::apiserver
