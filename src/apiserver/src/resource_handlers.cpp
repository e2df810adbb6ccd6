// The verbs on resources: get, list, watch, create, update, patch, delete, deletecollection,
// and the status subresource.
#include <spdlog/spdlog.h>

#include <chrono>

#include "codec.h"
#include "reviews.h"
#include "batch_defaults.h"
#include "defaults.h"
#include "apps_strategy.h"
#include "admission_plugins.h"
#include "binding.h"
#include "node_proxy.h"
#include "csr_strategy.h"
#include "eviction.h"
#include "list_body.h"
#include "node_restriction.h"
#include "util/base64.h"
#include "scale.h"
#include "context.h"
#include "object/meta.h"
#include "object/patch.h"
#include "schema/schema.h"
#include "status.h"
#include "tables.h"

namespace k3s::apiserver {

namespace {

using Clock = std::chrono::steady_clock;

bool is_dry_run(const ResourceRequest& req) {
  std::string d = req.param("dryRun");
  if (d.empty()) return false;
  if (d != "All") throw bad_request("Invalid dry run value: " + d + "; supported values: All");
  return true;
}

std::string field_manager(const ResourceRequest& req) {
  std::string m = req.param("fieldManager");
  if (!m.empty()) return m;
  std::string ua = req.http->headers.get("User-Agent");
  auto slash = ua.find('/');
  m = ua.substr(0, slash);
  return m.empty() ? "unknown" : m;
}

// The set of fields an object sets, in managedFields' FieldsV1 form (maps by key; lists atomic).
Json fields_v1(const Json& value) {
  Json out = Json::object();
  if (!value.is_object()) return out;
  for (const auto& [k, v] : value.items()) {
    if (k == "apiVersion" || k == "kind") continue;
    out["f:" + k] = v.is_object() ? fields_v1(v) : Json::object();
  }
  return out;
}

void record_managed_fields(Json& obj, const std::string& manager, const std::string& operation,
                           const std::string& api_version, const std::string& subresource) {
  Json owned = obj;
  owned.erase("status");
  if (owned.contains("metadata")) {
    Json meta = Json::object();
    for (const char* keep : {"labels", "annotations", "finalizers", "ownerReferences"})
      if (owned["metadata"].contains(keep)) meta[keep] = owned["metadata"][keep];
    owned["metadata"] = meta;
    if (meta.empty()) owned.erase("metadata");
  }
  if (!subresource.empty() && obj.contains(subresource)) owned = Json{{subresource, obj[subresource]}};
  Json entry = {{"manager", manager},
                {"operation", operation},
                {"apiVersion", api_version},
                {"time", object::format_time(object::now())},
                {"fieldsType", "FieldsV1"},
                {"fieldsV1", fields_v1(owned)}};
  if (!subresource.empty()) entry["subresource"] = subresource;
  Json& list = obj["metadata"]["managedFields"];
  if (!list.is_array()) list = Json::array();
  for (auto it = list.begin(); it != list.end();) {
    if (it->value("manager", "") == manager && it->value("operation", "") == operation &&
        it->value("subresource", "") == subresource)
      it = list.erase(it);
    else
      ++it;
  }
  list.push_back(entry);
}

void drop_unknown_fields(const ResourceRequest& req, const schema::Kind& kind, Json& obj) {
  auto dropped = schema::prune_unknown_fields(kind, obj);
  if (dropped.empty()) return;
  // Debug only: clients sending fields this server does not know is normal version skew.
  std::string paths;
  for (const auto& p : dropped) paths += (paths.empty() ? "" : ", ") + p;
  spdlog::debug("{} {}: dropped unknown fields {} (user agent \"{}\")", req.type->kind, object::name_of(obj), paths,
                req.http->headers.get("User-Agent"));
}

// `before`, when given, is the stored object a patch applies to: unknown fields it already
// holds are not the request's doing and are not reported. Whatever is not refused, unknown
// fields are dropped from `obj`, as decoding into kube-apiserver's typed objects drops them.
void check_strict(const ResourceRequest& req, Json& obj, const std::vector<std::string>& duplicates,
                  std::vector<std::string>& warnings, const Json* before = nullptr) {
  std::string mode = req.param("fieldValidation", "Warn");
  if (mode != "Strict" && mode != "Warn" && mode != "Ignore")
    throw bad_request("fieldValidation parameter unsupported: " + mode + ", must be one of: Ignore, Warn, Strict");
  const schema::Kind kind{req.type->group, req.type->version, req.type->kind};
  if (mode == "Ignore") {
    drop_unknown_fields(req, kind, obj);
    return;
  }
  std::vector<std::string> problems;
  std::vector<std::string> existing;
  if (before != nullptr) existing = schema::unknown_fields(kind, *before);
  for (const auto& f : schema::unknown_fields(kind, obj))
    if (std::find(existing.begin(), existing.end(), f) == existing.end()) problems.push_back("unknown field \"" + f + "\"");
  for (const auto& d : duplicates) problems.push_back("duplicate field \"" + d + "\"");
  if (!problems.empty() && mode == "Strict") {
    // A decoded body is named by kind as kube's decoder names it; a patch result is not.
    std::string msg = before != nullptr ? "" : kind.kind + " in version \"" + kind.version + "\" cannot be handled as a " + kind.kind + ": ";
    msg += "strict decoding error: ";
    for (std::size_t i = 0; i < problems.size(); ++i) msg += (i ? ", " : "") + problems[i];
    throw bad_request(msg);
  }
  warnings.insert(warnings.end(), problems.begin(), problems.end());
  drop_unknown_fields(req, kind, obj);
}

// Decodes and type-checks a request body against the addressed resource.
Json decode_object(const ResourceRequest& req, std::vector<std::string>& warnings) {
  std::vector<std::string> duplicates;
  const auto& t = *req.type;
  Json obj = decode_typed_body(req.http->body, req.http->headers.get("Content-Type"), {t.group, t.version, t.kind},
                               duplicates);
  std::string kind = obj.value("kind", "");
  std::string api_version = obj.value("apiVersion", "");
  // As kube-apiserver's decoder, the resource the URL names supplies a missing kind (the
  // Python client sends none unless the caller sets it).
  if (kind.empty() && (api_version.empty() || api_version == t.api_version())) {
    kind = t.kind;
    obj["kind"] = kind;
  }
  if (kind.empty()) throw bad_request("Object 'Kind' is missing in '" + req.http->body.substr(0, 200) + "'");
  if (kind != t.kind || (!api_version.empty() && api_version != t.api_version()))
    throw bad_request("the API version in the data (" + api_version + ") does not match the expected API version (" +
                      t.api_version() + ")");
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = Json::object();
  check_strict(req, obj, duplicates, warnings);
  obj["apiVersion"] = t.api_version();
  return obj;
}

void check_namespace(const ResourceRequest& req, Json& obj) {
  if (!req.type->namespaced) {
    obj["metadata"].erase("namespace");
    return;
  }
  std::string ns = object::namespace_of(obj);
  if (ns.empty()) {
    obj["metadata"]["namespace"] = req.ns;
  } else if (ns != req.ns) {
    throw bad_request("the namespace of the provided object does not match the namespace sent on the request");
  }
}

void require_namespace_exists(ApiContext& ctx, const ResourceRequest& req, bool for_create) {
  if (!req.type->namespaced) return;
  auto ns_type = ctx.registry.find("", "v1", "namespaces");
  auto ns = ctx.storage.get(*ns_type, "", req.ns);
  if (!ns) throw not_found("", "namespaces", req.ns);
  if (for_create && object::is_being_deleted(*ns)) {
    throw ApiError(403, "Forbidden",
                   req.type->resource + " \"" + req.name + "\" is forbidden: unable to create new content in namespace " +
                       req.ns + " because it is being terminated",
                   Json{{"name", req.name}, {"kind", req.type->resource},
                        {"causes", Json::array({{{"reason", "NamespaceTerminating"},
                                                 {"message", "namespace " + req.ns + " is being terminated"},
                                                 {"field", "metadata.namespace"}}})}});
  }
}

http::Response object_response(int status, const Json& obj, const std::vector<std::string>& warnings = {}) {
  auto r = json_response(status, obj);
  // The warn-text is an HTTP quoted-string: quotes and backslashes inside it are escaped.
  for (const auto& w : warnings) {
    std::string quoted;
    for (char c : w) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    r.headers.add("Warning", "299 - \"" + quoted + "\"");
  }
  return r;
}

Json json_at(const Json& obj, const char* key) { return obj.contains(key) ? obj[key] : Json(); }

bool spec_changed(const ResourceType& type, const Json& before, const Json& after) {
  if (type.generation_field.empty()) return false;
  Json::json_pointer p(type.generation_field);
  Json a = before.contains(p) ? before.at(p) : Json();
  Json b = after.contains(p) ? after.at(p) : Json();
  return a != b;
}

// Carries server-owned metadata over an update and applies the subresource rules.
Json prepare_update(ApiContext& ctx, const ResourceRequest& req, const Json& current, Json next) {
  const auto& t = *req.type;
  Json& meta = next["metadata"];
  const Json& cur_meta = current["metadata"];
  for (const char* key : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"}) {
    if (cur_meta.contains(key))
      meta[key] = cur_meta[key];
    else
      meta.erase(key);
  }
  meta["name"] = cur_meta.value("name", "");
  if (t.namespaced) meta["namespace"] = cur_meta.value("namespace", "");
  if (req.subresource == "approval") return csr_approval_update(current, next);
  if (req.subresource == "status") {
    // Only the status changes through /status.
    Json merged = current;
    merged["status"] = json_at(next, "status");
    if (merged["status"].is_null()) merged.erase("status");
    if (next["metadata"].contains("managedFields")) merged["metadata"]["managedFields"] = next["metadata"]["managedFields"];
    return merged;
  }
  if (req.subresource == "finalize") {
    // Only spec.finalizers changes through /finalize (the namespace controller's last step).
    Json merged = current;
    const Json wanted = json_at(json_at(next, "spec"), "finalizers");
    merged["spec"]["finalizers"] = wanted.is_array() ? wanted : Json::array();
    for (const auto& f : merged["spec"]["finalizers"])
      if (!f.is_string() || f.get<std::string>().empty())
        throw ApiError(422, "Invalid", "Namespace \"" + object::name_of(current) + "\" is invalid: spec.finalizers: Invalid value: " + f.dump());
    return merged;
  }
  if (t.has_subresource("status") && current.contains("status")) next["status"] = current["status"];
  else if (t.has_subresource("status")) next.erase("status");
  if (t.kind == "Service" && t.group.empty()) ctx.allocator.carry_over(current, next);
  if (t.kind == "Namespace" && t.group.empty()) {
    next["spec"] = json_at(current, "spec");
    if (next["spec"].is_null()) next.erase("spec");
    object::set_label(next, "kubernetes.io/metadata.name", object::name_of(next));
  }
  if (spec_changed(t, current, next)) object::set_generation(next, std::max<int64_t>(1, object::generation_of(current)) + 1);
  return next;
}

int64_t parse_rv(const std::string& text, const char* what) {
  if (text.empty()) return 0;
  try {
    std::size_t used = 0;
    int64_t v = std::stoll(text, &used);
    if (used != text.size() || v < 0) throw std::invalid_argument("x");
    return v;
  } catch (...) {
    throw bad_request(std::string("invalid ") + what + ": " + text);
  }
}

std::string stale_message() { return "the object has been modified; please apply your changes to the latest version and try again"; }

// ---- reads --------------------------------------------------------------------------

Json render_one(const ResourceRequest& req, const Json& obj, const Negotiated& out) {
  if (out.form == OutputForm::table) {
    IncludeObject inc = req.param("includeObject") == "Object" ? IncludeObject::object
                        : req.param("includeObject") == "None" ? IncludeObject::none
                                                                 : IncludeObject::metadata;
    return build_table(*req.type, {&obj}, inc, Json{{"resourceVersion", obj["metadata"].value("resourceVersion", "")}},
                       std::chrono::system_clock::now());
  }
  if (out.form == OutputForm::partial_metadata) return partial_object_metadata(obj);
  return obj;
}

http::Response handle_get(ApiContext& ctx, ResourceRequest& req) {
  auto out = negotiate(req.http->headers.get("Accept"));
  auto obj = ctx.storage.get(*req.type, req.ns, req.name);
  if (!obj) throw not_found(req.type->group, req.type->resource, req.name);
  (*obj)["apiVersion"] = req.type->api_version();
  (*obj)["kind"] = req.type->kind;
  return json_response(200, render_one(req, *obj, out));
}

ObjectFilter build_filter(const ResourceRequest& req) {
  ObjectFilter f;
  f.ns = req.type->namespaced ? req.ns : "";
  try {
    f.labels = object::labels::Selector::parse(req.param("labelSelector"));
  } catch (const std::exception& e) {
    throw bad_request("unable to parse requirement: " + std::string(e.what()));
  }
  try {
    f.fields = object::fields::Selector::parse(req.param("fieldSelector"));
  } catch (const std::exception& e) {
    throw bad_request(e.what());
  }
  for (const auto& r : f.fields.requirements()) {
    bool known = r.field == "metadata.name" || (r.field == "metadata.namespace" && req.type->namespaced) ||
                 req.type->selectable_fields.count(r.field);
    if (!known)
      throw bad_request("field label not supported: " + r.field);
  }
  return f;
}

// kube's continue token: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}.
std::string continue_token_decode(const std::string& token) {
  try {
    return util::base64_decode(token);
  } catch (const std::invalid_argument&) {
    throw bad_request("continue key is not valid: illegal base64 data");
  }
}


http::Response handle_list(ApiContext& ctx, ResourceRequest& req) {
  auto out = negotiate(req.http->headers.get("Accept"));
  WatchCache* cache = ctx.cache_for(*req.type);
  if (!cache) throw service_unavailable("the cache for " + req.type->resource + " is not ready");
  ObjectFilter filter = build_filter(req);
  int64_t limit = parse_rv(req.param("limit"), "limit");
  std::string start_after;
  std::string cont = req.param("continue");
  if (!cont.empty()) {
    Json token = Json::parse(continue_token_decode(cont), nullptr, false);
    if (token.is_discarded() || !token.is_object() || !token.contains("start"))
      throw bad_request("continue key is not valid: the continue token is not valid");
    start_after = token.value("start", "");
    if (!start_after.empty() && start_after.back() == '\0') start_after.pop_back();
  }
  std::string rv = req.param("resourceVersion");
  std::string rv_match = req.param("resourceVersionMatch");
  if (rv.empty() || (!rv_match.empty() && rv_match != "NotOlderThan" && rv_match != "Exact")) {
    if (!rv_match.empty() && rv.empty())
      throw bad_request("resourceVersionMatch is forbidden unless resourceVersion is provided");
    // A consistent read: the cache must have caught up with the datastore.
    if (!cache->wait_until_fresh(ctx.storage.current_revision(), std::chrono::seconds(3)))
      throw timeout_error("Too large resource version: the watch cache is not up to date");
  } else if (rv != "0") {
    int64_t wanted = parse_rv(rv, "resourceVersion");
    if (!cache->wait_until_fresh(wanted, std::chrono::seconds(3)))
      throw timeout_error("Too large resource version: " + rv + ", current: " + std::to_string(cache->revision()));
  }
  auto result = cache->list(filter, limit, start_after);
  Json meta = {{"resourceVersion", std::to_string(result.revision)}};
  if (!result.next_key.empty()) {
    meta["continue"] = util::base64_encode(
        Json{{"v", "meta.k8s.io/v1"}, {"rv", result.revision}, {"start", result.next_key + '\0'}}.dump(),
        util::Base64Alphabet::url, false);
    if (filter.labels.empty() && filter.fields.empty()) meta["remainingItemCount"] = result.remaining;
  }
  if (out.form == OutputForm::table) {
    std::vector<const Json*> objs;
    for (const auto& c : result.items) objs.push_back(&c->object);
    IncludeObject inc = req.param("includeObject") == "Object" ? IncludeObject::object
                        : req.param("includeObject") == "None" ? IncludeObject::none
                                                                 : IncludeObject::metadata;
    return json_response(200, build_table(*req.type, objs, inc, meta, std::chrono::system_clock::now()));
  }
  if (out.form == OutputForm::partial_metadata) {
    Json items = Json::array();
    for (const auto& c : result.items) items.push_back(partial_object_metadata(c->object));
    return json_response(200, {{"kind", "PartialObjectMetadataList"}, {"apiVersion", "meta.k8s.io/v1"},
                               {"metadata", meta}, {"items", items}});
  }
  return json_list_response(req.type->kind + "List", req.type->api_version(), meta, std::move(result.items));
}

// ---- watch -----------------------------------------------------------------------------

struct WatchState {
  std::mutex mu;
  std::shared_ptr<http::StreamWriter> writer;
  std::shared_ptr<CacheWatcher> watcher;
  bool headers_sent = false;
};

http::Response handle_watch(ApiContext& ctx, ResourceRequest& req) {
  auto out = negotiate(req.http->headers.get("Accept"));
  WatchCache* cache = ctx.cache_for(*req.type);
  if (!cache) throw service_unavailable("the cache for " + req.type->resource + " is not ready");
  ObjectFilter filter = build_filter(req);
  if (!req.name.empty()) {
    // GET .../name?watch=1 watches one object.
    filter.fields = filter.fields.empty() ? object::fields::Selector::parse("metadata.name=" + req.name)
                                          : object::fields::Selector::parse(filter.fields.to_string() + ",metadata.name=" + req.name);
  }
  std::string rv = req.param("resourceVersion");
  int64_t from = (rv.empty() || rv == "0") ? 0 : parse_rv(rv, "resourceVersion");
  if (from > 0 && !cache->wait_until_fresh(from, std::chrono::seconds(3)))
    throw timeout_error("Too large resource version: " + rv + ", current: " + std::to_string(cache->revision()));
  int64_t timeout_seconds = parse_rv(req.param("timeoutSeconds"), "timeoutSeconds");
  if (timeout_seconds == 0) timeout_seconds = 1800 + (std::rand() % 1800);  // kube's min-request-timeout spread

  auto type = req.type;
  const bool table = out.form == OutputForm::table;
  const bool partial = out.form == OutputForm::partial_metadata;
  const std::string include = req.param("includeObject");
  auto state = std::make_shared<WatchState>();
  auto columns_sent = std::make_shared<bool>(false);
  // Frames are built before the stream starts (initial events) and queued until the writer exists.
  auto pending = std::make_shared<std::vector<std::string>>();

  auto encode = [type, table, partial, include, columns_sent](const WatchEvent& ev) -> std::string {
    std::string frame = std::string("{\"type\":\"") + watch_event_type_name(ev.type) + "\",\"object\":";
    if (ev.type == WatchEvent::Type::bookmark || (!table && !partial)) {
      frame += ev.object->encoded;
    } else if (partial) {
      frame += partial_object_metadata(ev.object->object).dump();
    } else {
      IncludeObject inc = include == "Object" ? IncludeObject::object
                          : include == "None" ? IncludeObject::none
                                              : IncludeObject::metadata;
      Json t = build_table(*type, {&ev.object->object}, inc,
                           Json{{"resourceVersion", std::to_string(ev.revision)}}, std::chrono::system_clock::now());
      if (*columns_sent) t["columnDefinitions"] = Json::array();
      *columns_sent = true;
      frame += t.dump();
    }
    frame += "}\n";
    return frame;
  };

  WatchCache::WatchOptions wo;
  wo.filter = filter;
  wo.from_revision = from;
  wo.bookmarks = req.flag("allowWatchBookmarks");
  wo.deadline = Clock::now() + std::chrono::seconds(timeout_seconds);
  wo.on_end = [state] {
    std::lock_guard lock(state->mu);
    if (state->writer) state->writer->finish();
  };
  auto sink = [state, pending, encode](const WatchEvent& ev) -> bool {
    std::lock_guard lock(state->mu);
    if (!state->writer) {
      pending->push_back(encode(ev));
      return true;
    }
    return state->writer->write(encode(ev));
  };
  auto watcher = cache->watch(std::move(wo), sink);
  state->watcher = watcher;

  http::Response r;
  r.headers.set("Content-Type", "application/json");
  r.headers.set("Cache-Control", "no-cache, private");
  r.stream = [state, pending, cache, watcher](std::shared_ptr<http::StreamWriter> writer) {
    {
      std::lock_guard lock(state->mu);
      state->writer = writer;
      for (auto& frame : *pending) writer->write(std::move(frame));
      pending->clear();
      if (watcher->ended) writer->finish();
    }
    writer->on_close([cache, watcher] { cache->unwatch(watcher); });
  };
  return r;
}

// ---- writes ----------------------------------------------------------------------------

http::Response handle_create(ApiContext& ctx, ResourceRequest& req) {
  const auto& t = *req.type;
  if (!req.subresource.empty()) throw method_not_supported(t.group, t.resource + "/" + req.subresource, "create");
  std::vector<std::string> warnings;
  Json obj = decode_object(req, warnings);
  check_namespace(req, obj);
  const bool dry_run = is_dry_run(req);
  Json& meta = obj["metadata"];
  for (const char* key : {"uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
                          "deletionGracePeriodSeconds", "generation", "selfLink", "managedFields"})
    meta.erase(key);
  if (object::name_of(obj).empty() && !object::generate_name_of(obj).empty())
    meta["name"] = object::generate_name(object::generate_name_of(obj));
  req.name = object::name_of(obj);
  validate_object_meta(t, obj, true);
  require_namespace_exists(ctx, req, true);
  default_on_create(t, obj);
  prepare_daemon_set_write(t, obj);
  admit_create(ctx, req, obj, dry_run);
  if (t.kind == "Service" && t.group.empty()) ctx.allocator.allocate(obj, ctx.cache_for(t));
  meta["uid"] = object::new_uid();
  prepare_batch_create(t, obj);
  if (t.group == "certificates.k8s.io" && t.kind == "CertificateSigningRequest") prepare_csr_create(req.user, obj);
  object::set_creation_timestamp(obj, object::now());
  if (!t.generation_field.empty()) object::set_generation(obj, 1);
  record_managed_fields(obj, field_manager(req), "Update", t.api_version(), "");
  Json created = ctx.storage.create(t, std::move(obj), dry_run);
  return object_response(201, created, warnings);
}

http::Response write_update(ApiContext& ctx, ResourceRequest& req, const std::function<Json(const Json&)>& build_next,
                            std::vector<std::string>& warnings, const std::string& operation) {
  const auto& t = *req.type;
  const bool dry_run = is_dry_run(req);
  const std::string manager = field_manager(req);
  auto result = ctx.storage.update(
      t, req.ns, req.name,
      [&](const Json& current) -> std::optional<Json> {
        Json next = build_next(current);
        std::string wanted_rv = next["metadata"].value("resourceVersion", "");
        if (!wanted_rv.empty() && wanted_rv != current["metadata"].value("resourceVersion", ""))
          throw conflict(t.group, t.resource, req.name, stale_message());
        if (!object::name_of(next).empty() && object::name_of(next) != req.name)
          throw bad_request("the name of the object (" + object::name_of(next) +
                            ") does not match the name on the URL (" + req.name + ")");
        // As kube-apiserver defaults every object it decodes, the body of an update and the
        // result of a patch are defaulted before the strategy compares them with the stored one.
        set_defaults(t, next);
        next = prepare_update(ctx, req, current, std::move(next));
        validate_object_meta(t, next, false);
        if (req.subresource.empty()) prepare_daemon_set_write(t, next);
        drop_empty_metadata_collections(next);
        Json compare_next = next, compare_cur = current;
        compare_next["metadata"].erase("resourceVersion");
        compare_cur["metadata"].erase("resourceVersion");
        compare_next["metadata"].erase("managedFields");
        compare_cur["metadata"].erase("managedFields");
        if (compare_next == compare_cur) return std::nullopt;  // no-op updates do not write
        record_managed_fields(next, manager, operation, t.api_version(), req.subresource == "status" ? "status" : "");
        return next;
      },
      dry_run);
  Json obj = result.object;
  // The last finalizer removed from an object being deleted completes the deletion (for a
  // namespace, also the last spec.finalizers entry, which the namespace controller drops).
  const bool spec_finalized = !(t.group.empty() && t.kind == "Namespace") ||
                              json_at(json_at(obj, "spec"), "finalizers").empty();
  if (!dry_run && object::is_being_deleted(obj) && object::finalizers_of(obj).empty() && spec_finalized) {
    try {
      ctx.storage.remove(t, req.ns, req.name, nullptr, false);
    } catch (const ApiError& e) {
      if (e.code() != 404) throw;
    }
  }
  return object_response(200, obj, warnings);
}

http::Response handle_update(ApiContext& ctx, ResourceRequest& req) {
  const auto& t = *req.type;
  if (!req.subresource.empty() && req.subresource != "status" && req.subresource != "approval" && req.subresource != "finalize")
    throw method_not_supported(t.group, t.resource + "/" + req.subresource, "update");
  std::vector<std::string> warnings;
  Json obj = decode_object(req, warnings);
  check_namespace(req, obj);
  return write_update(ctx, req, [&](const Json&) { return obj; }, warnings, "Update");
}

http::Response handle_patch(ApiContext& ctx, ResourceRequest& req) {
  const auto& t = *req.type;
  if (!req.subresource.empty() && req.subresource != "status" && req.subresource != "approval")
    throw method_not_supported(t.group, t.resource + "/" + req.subresource, "patch");
  std::string content_type = req.http->headers.get("Content-Type");
  std::string media = content_type.substr(0, content_type.find(';'));
  if (media == "application/apply-patch+yaml")
    throw ApiError(415, "UnsupportedMediaType", "server-side apply is not supported yet by this server");
  if (media != "application/json-patch+json" && media != "application/merge-patch+json" &&
      media != "application/strategic-merge-patch+json")
    throw unsupported_media_type(content_type);
  std::vector<std::string> duplicates, warnings;
  Json patch = decode_body(req.http->body, content_type, duplicates);
  auto schema = object::patch::builtin_patch_schema(t.group, t.kind);
  auto apply = [&](const Json& current) -> Json {
    Json base = current;
    Json patched;
    try {
      if (media == "application/json-patch+json") {
        if (!patch.is_array()) throw bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        patched = object::patch::apply_json_patch(base, patch);
      } else if (media == "application/merge-patch+json") {
        patched = object::patch::apply_merge_patch(base, patch);
      } else {
        if (!patch.is_object()) throw bad_request("the patch must be a JSON object");
        static const object::patch::TablePatchSchema no_merge_keys;
        const object::patch::PatchSchema& meta =
            schema ? *schema : static_cast<const object::patch::PatchSchema&>(no_merge_keys);
        patched = object::patch::apply_strategic_merge_patch(base, patch, meta);
      }
    } catch (const object::patch::PatchError& e) {
      switch (e.code()) {
        case object::patch::PatchErrorCode::bad_request: throw bad_request(e.what());
        case object::patch::PatchErrorCode::unprocessable: throw ApiError(422, "Invalid", e.what());
        case object::patch::PatchErrorCode::too_large: throw too_large(e.what());
        default: throw internal_error(e.what());
      }
    }
    if (!patched.is_object()) throw bad_request("the patched object is not a JSON object");
    std::string kind = patched.value("kind", t.kind);
    if (kind != t.kind) throw bad_request("the patch changed the kind of the object");
    patched["kind"] = t.kind;
    patched["apiVersion"] = t.api_version();
    if (!patched.contains("metadata") || !patched["metadata"].is_object()) patched["metadata"] = Json::object();
    // A patch without resourceVersion does not require the current one.
    bool patch_sets_rv = patch.is_object() && patch.contains("metadata") && patch["metadata"].is_object() &&
                         patch["metadata"].contains("resourceVersion");
    if (!patch_sets_rv) patched["metadata"]["resourceVersion"] = current["metadata"].value("resourceVersion", "");
    if (auto mismatch = schema::type_error({t.group, t.version, t.kind}, patched)) throw bad_request(*mismatch);
    std::vector<std::string> dup;
    check_strict(req, patched, dup, warnings, &current);
    return patched;
  };
  return write_update(ctx, req, apply, warnings, "Update");
}

struct DeleteOptions {
  std::optional<int64_t> grace_period;
  std::string propagation;
  std::string precondition_uid, precondition_rv;
  bool dry_run = false;
};

DeleteOptions parse_delete_options(const ResourceRequest& req) {
  DeleteOptions o;
  o.dry_run = is_dry_run(req);
  if (!req.param("gracePeriodSeconds").empty()) o.grace_period = parse_rv(req.param("gracePeriodSeconds"), "gracePeriodSeconds");
  o.propagation = req.param("propagationPolicy");
  const std::string& body = req.http->body;
  if (body.find_first_not_of(" \t\r\n") != std::string::npos) {
    std::vector<std::string> dup;
    Json d = decode_typed_body(body, req.http->headers.get("Content-Type"), {"meta.k8s.io", "v1", "DeleteOptions"}, dup);
    if (d.contains("gracePeriodSeconds") && d["gracePeriodSeconds"].is_number_integer())
      o.grace_period = d["gracePeriodSeconds"].get<int64_t>();
    if (d.contains("propagationPolicy") && d["propagationPolicy"].is_string()) o.propagation = d["propagationPolicy"];
    if (d.contains("orphanDependents") && d["orphanDependents"].is_boolean() && o.propagation.empty())
      o.propagation = d["orphanDependents"].get<bool>() ? "Orphan" : "Background";
    if (d.contains("preconditions") && d["preconditions"].is_object()) {
      o.precondition_uid = d["preconditions"].value("uid", "");
      o.precondition_rv = d["preconditions"].value("resourceVersion", "");
    }
    if (d.contains("dryRun") && d["dryRun"].is_array() && !d["dryRun"].empty()) o.dry_run = true;
  }
  if (!o.propagation.empty() && o.propagation != "Orphan" && o.propagation != "Background" &&
      o.propagation != "Foreground")
    throw ApiError(422, "Invalid", "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"" +
                                       o.propagation + "\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
  return o;
}

// Deletes one object: objects with finalizers (or a graceful pod on a node) only get a
// deletionTimestamp; the rest are removed. Returns the object as kube answers.
Json delete_one(ApiContext& ctx, const ResourceRequest& req, const std::string& name, const DeleteOptions& o) {
  const auto& t = *req.type;
  auto precondition = [&](const Json& current) {
    if (!o.precondition_uid.empty() && o.precondition_uid != object::uid_of(current))
      throw conflict(t.group, t.resource, name,
                     "Precondition failed: UID in precondition: " + o.precondition_uid +
                         ", UID in object meta: " + object::uid_of(current));
    if (!o.precondition_rv.empty() && o.precondition_rv != object::resource_version_of(current))
      throw conflict(t.group, t.resource, name,
                     "Precondition failed: ResourceVersion in precondition: " + o.precondition_rv +
                         ", ResourceVersion in object meta: " + object::resource_version_of(current));
  };
  bool must_wait = false;
  Json marked;
  auto result = ctx.storage.update(
      t, req.ns, name,
      [&](const Json& current) -> std::optional<Json> {
        precondition(current);
        Json next = current;
        bool changed = false;
        if (o.propagation == "Foreground") changed |= object::add_finalizer(next, "foregroundDeletion");
        if (o.propagation == "Orphan") changed |= object::add_finalizer(next, "orphan");
        bool is_namespace = t.group.empty() && t.kind == "Namespace";
        bool graceful_pod = t.group.empty() && t.kind == "Pod" &&
                            !next.value("spec", Json::object()).value("nodeName", "").empty() &&
                            o.grace_period.value_or(next["spec"].value("terminationGracePeriodSeconds", 30)) > 0;
        bool finalizers = !object::finalizers_of(next).empty() ||
                          (is_namespace && !next.value("spec", Json::object()).value("finalizers", Json::array()).empty());
        must_wait = finalizers || graceful_pod;
        if (!must_wait) return std::nullopt;
        if (!object::is_being_deleted(next)) {
          int64_t grace = graceful_pod ? o.grace_period.value_or(next["spec"].value("terminationGracePeriodSeconds", 30)) : 0;
          object::set_deletion_timestamp(next, object::now() + std::chrono::seconds(grace));
          next["metadata"]["deletionGracePeriodSeconds"] = grace;
          if (is_namespace) next["status"]["phase"] = "Terminating";
          changed = true;
        }
        if (!changed) return std::nullopt;
        return next;
      },
      o.dry_run);
  if (must_wait) return result.object;
  return ctx.storage.remove(t, req.ns, name, precondition, o.dry_run);
}

http::Response handle_delete(ApiContext& ctx, ResourceRequest& req) {
  const auto& t = *req.type;
  if (!req.subresource.empty()) throw method_not_supported(t.group, t.resource + "/" + req.subresource, "delete");
  auto o = parse_delete_options(req);
  Json obj = delete_one(ctx, req, req.name, o);
  obj["apiVersion"] = t.api_version();
  obj["kind"] = t.kind;
  // Still present (finalizers / graceful): 202 Accepted with the object, as kube-apiserver does.
  bool pending = object::is_being_deleted(obj) && ctx.storage.get(t, req.ns, req.name).has_value();
  return json_response(pending ? 202 : 200, obj);
}

http::Response handle_deletecollection(ApiContext& ctx, ResourceRequest& req) {
  const auto& t = *req.type;
  WatchCache* cache = ctx.cache_for(t);
  if (!cache) throw service_unavailable("the cache for " + t.resource + " is not ready");
  auto o = parse_delete_options(req);
  ObjectFilter filter = build_filter(req);
  cache->wait_until_fresh(ctx.storage.current_revision(), std::chrono::seconds(3));
  auto result = cache->list(filter, 0, "");
  Json items = Json::array();
  for (const auto& c : result.items) {
    std::string name = object::name_of(c->object);
    ResourceRequest one = req;
    one.ns = c->ns;
    try {
      items.push_back(delete_one(ctx, one, name, o));
    } catch (const ApiError& e) {
      if (e.code() != 404) throw;
    }
  }
  return json_response(200, {{"kind", t.kind + "List"}, {"apiVersion", t.api_version()},
                             {"metadata", {{"resourceVersion", std::to_string(ctx.storage.current_revision())}}},
                             {"items", items}});
}

}  // namespace

http::Response handle_resource(ApiContext& ctx, ResourceRequest& req) {
  const auto& t = *req.type;
  const std::string& v = req.verb;
  if (!t.stored) return handle_review(ctx, req);
  if (req.subresource.empty() && !t.has_verb(v)) throw method_not_supported(t.group, t.resource, v);
  if (!req.subresource.empty() && !t.has_subresource(req.subresource))
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  enforce_node_restriction(ctx, req);
  if (req.subresource == "scale") return handle_scale(ctx, req);
  if (req.subresource == "binding" && t.kind == "Pod") return handle_binding(ctx, req);
  if (is_node_proxy_subresource(t, req.subresource)) return handle_node_proxy(ctx, req);
  if (req.subresource == "eviction" && t.kind == "Pod") return handle_eviction(ctx, req);
  if (req.subresource == "token" && t.group.empty() && t.kind == "ServiceAccount") return handle_token_request(ctx, req);
  if (req.subresource == "finalize") {
    if (v != "update") throw method_not_supported(t.group, t.resource + "/finalize", v);
    return handle_update(ctx, req);
  }
  if (!req.subresource.empty() && req.subresource != "status" && req.subresource != "approval")
    throw ApiError(404, "NotFound", "the server could not find the requested resource");
  if (v == "get") return handle_get(ctx, req);
  if (v == "list") return handle_list(ctx, req);
  if (v == "watch") return handle_watch(ctx, req);
  if (v == "create") return handle_create(ctx, req);
  if (v == "update") return handle_update(ctx, req);
  if (v == "patch") return handle_patch(ctx, req);
  if (v == "delete") return handle_delete(ctx, req);
  if (v == "deletecollection") return handle_deletecollection(ctx, req);
  throw method_not_supported(t.group, t.resource, v);
}

}  // namespace k3s::apiserver
