#include "fake_api_server.h"

#include "object/labels.h"
#include "object/meta.h"
#include "object/patch.h"

namespace k3s::client::testing {
namespace {

http::Response json_response(int status, const Json& body) {
  http::Response r;
  r.status = status;
  r.headers.set("Content-Type", "application/json");
  r.body = body.dump();
  return r;
}

http::Response status_response(int code, const std::string& reason, const std::string& message) {
  return json_response(code, {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", Json::object()},
                              {"status", "Failure"}, {"message", message}, {"reason", reason}, {"code", code}});
}

std::string key_of(const std::string& resource, const std::string& ns, const std::string& name) {
  return resource + "|" + ns + "|" + name;
}

struct KindInfo {
  std::string kind, api_version;
};

KindInfo kind_for(const std::string& resource) {
  static const std::map<std::string, KindInfo> kinds = {
      {"configmaps", {"ConfigMap", "v1"}},     {"pods", {"Pod", "v1"}},
      {"events", {"Event", "v1"}},             {"namespaces", {"Namespace", "v1"}},
      {"leases", {"Lease", "coordination.k8s.io/v1"}}, {"deployments", {"Deployment", "apps/v1"}}};
  auto it = kinds.find(resource);
  return it == kinds.end() ? KindInfo{"Unknown", "v1"} : it->second;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 1;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

Json discovery_v1() {
  return {{"kind", "APIResourceList"},
          {"groupVersion", "v1"},
          {"resources",
           {{{"name", "pods"}, {"singularName", "pod"}, {"namespaced", true}, {"kind", "Pod"},
             {"verbs", {"get", "list", "watch", "create", "update", "patch", "delete"}}, {"shortNames", {"po"}},
             {"categories", {"all"}}},
            {{"name", "pods/status"}, {"singularName", ""}, {"namespaced", true}, {"kind", "Pod"},
             {"verbs", {"get", "patch", "update"}}},
            {{"name", "configmaps"}, {"singularName", "configmap"}, {"namespaced", true}, {"kind", "ConfigMap"},
             {"verbs", {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}},
             {"shortNames", {"cm"}}},
            {{"name", "events"}, {"singularName", "event"}, {"namespaced", true}, {"kind", "Event"},
             {"verbs", {"get", "list", "watch", "create", "patch"}}, {"shortNames", {"ev"}}},
            {{"name", "namespaces"}, {"singularName", "namespace"}, {"namespaced", false}, {"kind", "Namespace"},
             {"verbs", {"get", "list", "watch", "create", "delete"}}, {"shortNames", {"ns"}}}}}};
}

}  // namespace

FakeApiServer::FakeApiServer() { start(); }

FakeApiServer::~FakeApiServer() { stop(); }

void FakeApiServer::start() {
  http::ServerOptions options;
  options.bind_address = "127.0.0.1";
  options.port = port_;
  options.worker_threads = 4;
  auto server = std::make_unique<http::Server>(options, [this](http::Request& r) { return handle(r); });
  std::lock_guard lock(mu_);
  port_ = server->port();
  server_ = std::move(server);
}

void FakeApiServer::stop() {
  std::unique_ptr<http::Server> server;
  {
    std::lock_guard lock(mu_);
    server = std::move(server_);
    for (auto& w : watchers_) w.writer->finish();
    watchers_.clear();
  }
  if (server) server->stop();
}

void FakeApiServer::compact() {
  std::lock_guard lock(mu_);
  compacted_ = revision_;
  history_.clear();
}

void FakeApiServer::expire_watches() {
  std::lock_guard lock(mu_);
  Json status = {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"}, {"code", 410},
                 {"reason", "Expired"}, {"message", "too old resource version"}};
  for (auto& w : watchers_) {
    w.writer->write(Json{{"type", "ERROR"}, {"object", status}}.dump() + "\n");
    w.writer->finish();
  }
  watchers_.clear();
}

int FakeApiServer::open_watches() const {
  std::lock_guard lock(mu_);
  int open = 0;
  for (const auto& w : watchers_)
    if (!w.writer->closed()) ++open;
  return open;
}

void FakeApiServer::close_watches() {
  std::lock_guard lock(mu_);
  for (auto& w : watchers_) w.writer->finish();
  watchers_.clear();
}

std::int64_t FakeApiServer::revision() const {
  std::lock_guard lock(mu_);
  return revision_;
}

int FakeApiServer::list_requests(const std::string& resource) const {
  std::lock_guard lock(mu_);
  auto it = list_requests_.find(resource);
  return it == list_requests_.end() ? 0 : it->second;
}

int FakeApiServer::watch_requests(const std::string& resource) const {
  std::lock_guard lock(mu_);
  auto it = watch_requests_.find(resource);
  return it == watch_requests_.end() ? 0 : it->second;
}

std::string FakeApiServer::last_header(const std::string& name) const {
  std::lock_guard lock(mu_);
  std::string joined;
  for (const auto& value : last_headers_.get_all(name)) joined += (joined.empty() ? "" : ", ") + value;
  return joined;
}

std::string FakeApiServer::last_target() const {
  std::lock_guard lock(mu_);
  return last_target_;
}

Json FakeApiServer::put_object(const std::string& resource, Json object) {
  std::lock_guard lock(mu_);
  const std::string key = key_of(resource, object::namespace_of(object), object::name_of(object));
  const bool exists = objects_.count(key) > 0;
  if (exists) {
    object["metadata"]["uid"] = objects_[key]["metadata"]["uid"];
    object["metadata"]["creationTimestamp"] = objects_[key]["metadata"]["creationTimestamp"];
  }
  return store_locked(resource, std::move(object), exists ? "MODIFIED" : "ADDED");
}

void FakeApiServer::delete_object(const std::string& resource, const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  remove_locked(resource, ns, name);
}

Json FakeApiServer::store_locked(const std::string& resource, Json object, const std::string& type) {
  auto kind = kind_for(resource);
  object["kind"] = kind.kind;
  object["apiVersion"] = kind.api_version;
  if (object::uid_of(object).empty()) object::set_uid(object, object::new_uid());
  if (!object::creation_timestamp_of(object)) object::set_creation_timestamp(object, object::now());
  object::set_resource_version(object, std::to_string(++revision_));
  objects_[key_of(resource, object::namespace_of(object), object::name_of(object))] = object;
  HistoryEntry entry{revision_, resource, object::namespace_of(object), type, object};
  history_.push_back(entry);
  notify_locked(entry);
  return object;
}

void FakeApiServer::remove_locked(const std::string& resource, const std::string& ns, const std::string& name) {
  auto it = objects_.find(key_of(resource, ns, name));
  if (it == objects_.end()) return;
  Json object = it->second;
  objects_.erase(it);
  object::set_resource_version(object, std::to_string(++revision_));
  HistoryEntry entry{revision_, resource, ns, "DELETED", object};
  history_.push_back(entry);
  notify_locked(entry);
}

void FakeApiServer::notify_locked(const HistoryEntry& entry) {
  const std::string frame = Json{{"type", entry.type}, {"object", entry.object}}.dump() + "\n";
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    if (it->writer->closed()) {
      it = watchers_.erase(it);
      continue;
    }
    if (it->resource == entry.resource && (it->ns.empty() || it->ns == entry.ns)) it->writer->write(frame);
    ++it;
  }
}

http::Response FakeApiServer::handle(http::Request& request) {
  {
    std::lock_guard lock(mu_);
    last_headers_ = request.headers;
    last_target_ = request.target;
  }
  auto parts = split_path(request.path);
  if (request.path == "/api") return json_response(200, {{"kind", "APIVersions"}, {"versions", {"v1"}}});
  if (request.path == "/apis")
    return json_response(
        200, {{"kind", "APIGroupList"},
              {"groups",
               {{{"name", "apps"},
                 {"versions", {{{"groupVersion", "apps/v1"}, {"version", "v1"}}}},
                 {"preferredVersion", {{"groupVersion", "apps/v1"}, {"version", "v1"}}}},
                {{"name", "coordination.k8s.io"},
                 {"versions", {{{"groupVersion", "coordination.k8s.io/v1"}, {"version", "v1"}}}},
                 {"preferredVersion", {{"groupVersion", "coordination.k8s.io/v1"}, {"version", "v1"}}}}}}});
  if (request.path == "/api/v1") return json_response(200, discovery_v1());
  if (request.path == "/apis/apps/v1")
    return json_response(200, {{"kind", "APIResourceList"},
                               {"groupVersion", "apps/v1"},
                               {"resources",
                                {{{"name", "deployments"}, {"singularName", "deployment"}, {"namespaced", true},
                                  {"kind", "Deployment"}, {"verbs", {"get", "list"}}, {"shortNames", {"deploy"}},
                                  {"categories", {"all"}}},
                                 {{"name", "deployments/scale"}, {"namespaced", true}, {"kind", "Scale"},
                                  {"verbs", {"get", "update"}}}}}});
  if (request.path == "/apis/coordination.k8s.io/v1")
    return json_response(200, {{"kind", "APIResourceList"},
                               {"groupVersion", "coordination.k8s.io/v1"},
                               {"resources",
                                {{{"name", "leases"}, {"singularName", "lease"}, {"namespaced", true}, {"kind", "Lease"},
                                  {"verbs", {"get", "list", "watch", "create", "update", "patch", "delete"}}}}}});
  if (request.path == "/version") return json_response(200, {{"major", "1"}, {"minor", "33"}, {"gitVersion", "v1.33.5+k3s1"}});

  // /api/v1/... or /apis/<group>/<version>/...
  std::size_t at = 0;
  if (parts.size() >= 2 && parts[0] == "api")
    at = 2;
  else if (parts.size() >= 3 && parts[0] == "apis")
    at = 3;
  else
    return status_response(404, "NotFound", "the server could not find the requested resource");
  std::string ns;
  if (parts.size() > at + 2 && parts[at] == "namespaces") {
    ns = parts[at + 1];
    at += 2;
  }
  if (parts.size() <= at) return status_response(404, "NotFound", "the server could not find the requested resource");
  const std::string resource = parts[at];
  const std::string name = parts.size() > at + 1 ? parts[at + 1] : "";
  const std::string subresource = parts.size() > at + 2 ? parts[at + 2] : "";
  return handle_resource(request, resource, ns, name, subresource);
}

http::Response FakeApiServer::handle_resource(http::Request& request, const std::string& resource,
                                              const std::string& ns, const std::string& name,
                                              const std::string& subresource) {
  std::map<std::string, std::string> query;
  for (auto& [k, v] : http::parse_query(request.query)) query[k] = v;
  auto kind = kind_for(resource);
  std::unique_lock lock(mu_);
  const std::string key = key_of(resource, ns, name);

  if (request.method == "GET" && name.empty() && query["watch"] == "true") {
    ++watch_requests_[resource];
    const std::string rv = query["resourceVersion"];
    http::Response r;
    r.headers.set("Content-Type", "application/json");
    // The backlog is computed when the stream opens, under the same lock as registration,
    // so no change falls between them.
    r.stream = [this, resource, ns, rv](std::shared_ptr<http::StreamWriter> writer) {
      std::lock_guard stream_lock(mu_);
      std::vector<std::string> backlog;
      bool expired = false;
      if (rv.empty() || rv == "0") {
        for (const auto& [k, o] : objects_)
          if (k.rfind(resource + "|", 0) == 0 && (ns.empty() || object::namespace_of(o) == ns))
            backlog.push_back(Json{{"type", "ADDED"}, {"object", o}}.dump() + "\n");
      } else {
        const std::int64_t from = std::stoll(rv);
        if (from < compacted_) {
          expired = true;
        } else {
          for (const auto& e : history_)
            if (e.revision > from && e.resource == resource && (ns.empty() || e.ns == ns))
              backlog.push_back(Json{{"type", e.type}, {"object", e.object}}.dump() + "\n");
        }
      }
      if (expired) {
        Json status = {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"}, {"code", 410},
                       {"reason", "Expired"}, {"message", "too old resource version"}};
        writer->write(Json{{"type", "ERROR"}, {"object", status}}.dump() + "\n");
        writer->finish();
        return;
      }
      for (const auto& frame : backlog) writer->write(frame);
      watchers_.push_back({resource, ns, writer});
    };
    return r;
  }

  if (request.method == "GET" && name.empty()) {
    ++list_requests_[resource];
    auto selector = object::labels::Selector::parse(query["labelSelector"]);
    Json items = Json::array();
    for (const auto& [k, o] : objects_)
      if (k.rfind(resource + "|", 0) == 0 && (ns.empty() || object::namespace_of(o) == ns) &&
          selector.matches(object::labels_of(o))) {
        Json item = o;
        item.erase("kind");
        item.erase("apiVersion");
        items.push_back(item);
      }
    // Pagination: "continue" is the index to start from.
    std::size_t start = query["continue"].empty() ? 0 : std::stoul(query["continue"]);
    std::size_t limit = query["limit"].empty() ? 0 : std::stoul(query["limit"]);
    Json page = Json::array();
    std::string next;
    for (std::size_t i = start; i < items.size(); ++i) {
      if (limit && page.size() == limit) {
        next = std::to_string(i);
        break;
      }
      page.push_back(items[i]);
    }
    Json list = {{"kind", kind.kind + "List"},
                 {"apiVersion", kind.api_version},
                 {"metadata", {{"resourceVersion", std::to_string(revision_)}}},
                 {"items", page}};
    if (!next.empty()) list["metadata"]["continue"] = next;
    return json_response(200, list);
  }

  auto found = objects_.find(key);
  if (request.method == "GET") {
    if (found == objects_.end())
      return status_response(404, "NotFound", resource + " \"" + name + "\" not found");
    return json_response(200, found->second);
  }
  if (request.method == "POST") {
    Json object = Json::parse(request.body, nullptr, false);
    if (!object.is_object()) return status_response(400, "BadRequest", "body is not a JSON object");
    if (object::name_of(object).empty() && !object::generate_name_of(object).empty())
      object::set_name(object, object::generate_name(object::generate_name_of(object)));
    if (!ns.empty()) object::set_namespace(object, ns);
    if (objects_.count(key_of(resource, ns, object::name_of(object))))
      return status_response(409, "AlreadyExists", resource + " \"" + object::name_of(object) + "\" already exists");
    if (query["dryRun"] == "All") return json_response(201, object);
    return json_response(201, store_locked(resource, std::move(object), "ADDED"));
  }
  if (request.method == "PUT") {
    if (found == objects_.end()) return status_response(404, "NotFound", resource + " \"" + name + "\" not found");
    Json object = Json::parse(request.body, nullptr, false);
    if (!object.is_object()) return status_response(400, "BadRequest", "body is not a JSON object");
    const std::string rv = object::resource_version_of(object);
    if (!rv.empty() && rv != object::resource_version_of(found->second))
      return status_response(409, "Conflict",
                             "Operation cannot be fulfilled on " + resource + " \"" + name +
                                 "\": the object has been modified; please apply your changes to the latest version "
                                 "and try again");
    if (subresource == "status") {
      Json merged = found->second;
      merged["status"] = object.value("status", Json::object());
      object = merged;
    }
    object["metadata"]["uid"] = found->second["metadata"]["uid"];
    object["metadata"]["creationTimestamp"] = found->second["metadata"]["creationTimestamp"];
    return json_response(200, store_locked(resource, std::move(object), "MODIFIED"));
  }
  if (request.method == "PATCH") {
    if (found == objects_.end()) return status_response(404, "NotFound", resource + " \"" + name + "\" not found");
    const std::string type = request.headers.get("Content-Type");
    Json patch = Json::parse(request.body, nullptr, false);
    if (patch.is_discarded()) return status_response(400, "BadRequest", "invalid patch");
    Json patched;
    if (type == "application/merge-patch+json")
      patched = object::patch::apply_merge_patch(found->second, patch);
    else if (type == "application/json-patch+json")
      patched = object::patch::apply_json_patch(found->second, patch);
    else
      return status_response(415, "UnsupportedMediaType", "the body of the request was in an unknown format");
    return json_response(200, store_locked(resource, std::move(patched), "MODIFIED"));
  }
  if (request.method == "DELETE") {
    if (name.empty()) {
      std::vector<std::string> names;
      for (const auto& [k, o] : objects_)
        if (k.rfind(resource + "|" + ns + "|", 0) == 0) names.push_back(object::name_of(o));
      for (const auto& n : names) remove_locked(resource, ns, n);
      return json_response(200, {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Success"}});
    }
    if (found == objects_.end()) return status_response(404, "NotFound", resource + " \"" + name + "\" not found");
    Json options = Json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
    if (options.is_object() && options.contains("preconditions") &&
        options["preconditions"].value("uid", "") != "" &&
        options["preconditions"]["uid"] != found->second["metadata"]["uid"])
      return status_response(409, "Conflict", "Precondition failed: UID in precondition does not match");
    Json last = found->second;
    remove_locked(resource, ns, name);
    return json_response(200, last);
  }
  return status_response(405, "MethodNotAllowed", "method not allowed");
}

}  // namespace k3s::client::testing
