#include "client/client.h"

#include <fstream>
#include <sstream>
#include <thread>

#include "client/rest_mapper.h"
#include "http/client.h"
#include "object/meta.h"

namespace k3s::client {
namespace {

// The warn-text of a Warning header value (`299 - "text"`), its quoted-string unescaped;
// "" for other codes or malformed values.
std::string warning_text(const std::string& value) {
  if (value.rfind("299 ", 0) != 0) return "";
  auto open = value.find('"');
  if (open == std::string::npos) return "";
  std::string out;
  for (std::size_t i = open + 1; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) {
      out += value[++i];
    } else if (value[i] == '"') {
      return out;
    } else {
      out += value[i];
    }
  }
  return "";
}

// Re-read token files this often: projected service-account tokens rotate.
constexpr auto kTokenFileRefresh = std::chrono::minutes(1);
constexpr int kMaxTooManyRequestsRetries = 5;

class Query {
 public:
  void add(const std::string& key, const std::string& value) {
    if (value.empty()) return;
    text_ += text_.empty() ? '?' : '&';
    text_ += http::percent_encode(key) + "=" + http::percent_encode(value);
  }
  void add_bool(const std::string& key, bool value) {
    if (value) add(key, "true");
  }
  void add_int(const std::string& key, std::optional<std::int64_t> value) {
    if (value) add(key, std::to_string(*value));
  }
  void add_all(const std::string& key, const std::vector<std::string>& values) {
    for (const auto& v : values) add(key, v);
  }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

void add_list_options(Query& q, const ListOptions& o) {
  q.add("labelSelector", o.label_selector);
  q.add("fieldSelector", o.field_selector);
  if (o.limit > 0) q.add("limit", std::to_string(o.limit));
  q.add("continue", o.continue_token);
  q.add("resourceVersion", o.resource_version);
  q.add("resourceVersionMatch", o.resource_version_match);
  q.add_int("timeoutSeconds", o.timeout_seconds);
}

void add_write_options(Query& q, const std::vector<std::string>& dry_run, const std::string& field_manager,
                       const std::string& field_validation) {
  q.add_all("dryRun", dry_run);
  q.add("fieldManager", field_manager);
  q.add("fieldValidation", field_validation);
}

Json parse_body(const RawResponse& response, const std::string& what) {
  if (response.body.empty()) return Json::object();
  auto parsed = Json::parse(response.body, nullptr, false);
  if (parsed.is_discarded())
    throw ApiError({{"kind", "Status"},
                    {"apiVersion", "v1"},
                    {"status", "Failure"},
                    {"code", 500},
                    {"reason", reason::kInternalError},
                    {"message", what + ": the server answered with a body that is not JSON"}});
  return parsed;
}

Json json_or_throw(const RawResponse& response, const std::string& what) {
  if (response.status < 200 || response.status > 299) throw ApiError(status_for_response(response.status, response.body));
  return parse_body(response, what);
}

std::string trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start]))) ++start;
  return text.substr(start);
}

}  // namespace

std::string resource_path(const GroupVersionResource& gvr, const std::string& namespace_, const std::string& name,
                          const std::string& subresource) {
  std::string path = gvr.group.empty() ? "/api/" + gvr.version : "/apis/" + gvr.group + "/" + gvr.version;
  const bool is_namespace_resource = gvr.group.empty() && gvr.resource == "namespaces";
  if (!namespace_.empty() && !is_namespace_resource) path += "/namespaces/" + http::percent_encode(namespace_);
  path += "/" + gvr.resource;
  if (!name.empty()) {
    path += "/" + http::percent_encode(name);
    if (!subresource.empty()) path += "/" + subresource;
  }
  return path;
}

const char* content_type_of(PatchType type) {
  switch (type) {
    case PatchType::json: return "application/json-patch+json";
    case PatchType::merge: return "application/merge-patch+json";
    case PatchType::strategic: return "application/strategic-merge-patch+json";
    case PatchType::apply: return "application/apply-patch+yaml";
  }
  return "application/json";
}

// ---- Client ---------------------------------------------------------------------------

Client::Client(RestConfig config) : config_(std::move(config)), limiter_(config_.qps, config_.burst) {
  http::ClientOptions options;
  options.ca_file = config_.ca_file;
  options.ca_pem = config_.ca_pem;
  options.cert_file = config_.cert_file;
  options.key_file = config_.key_file;
  options.cert_pem = config_.cert_pem;
  options.key_pem = config_.key_pem;
  options.insecure_skip_verify = config_.insecure_skip_tls_verify;
  options.timeout = config_.timeout.count() > 0 ? config_.timeout : std::chrono::milliseconds(60000);
  try {
    http_ = std::make_unique<http::Client>(config_.server, options);
  } catch (const http::ClientError& e) {
    throw TransportError(e.what());
  }
  mapper_ = std::make_unique<RESTMapper>(*this);
}

Client::~Client() = default;

RESTMapper& Client::mapper() { return *mapper_; }

std::string Client::bearer_token() {
  if (config_.bearer_token_file.empty()) return config_.bearer_token;
  std::lock_guard lock(token_mu_);
  auto now = std::chrono::steady_clock::now();
  if (cached_token_.empty() || now - token_read_at_ > kTokenFileRefresh) {
    std::ifstream in(config_.bearer_token_file);
    if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      cached_token_ = trim(text.str());
      token_read_at_ = now;
    }
    // An unreadable file keeps the last token (or the inline one) rather than failing.
    if (cached_token_.empty()) cached_token_ = config_.bearer_token;
  }
  return cached_token_;
}

http::Headers Client::base_headers() {
  http::Headers headers;
  headers.set("User-Agent", config_.user_agent);
  if (auto token = bearer_token(); !token.empty()) {
    headers.set("Authorization", "Bearer " + token);
  } else if (!config_.username.empty() || !config_.password.empty()) {
    headers.set("Authorization", "Basic " + base64_encode(config_.username + ":" + config_.password));
  }
  if (!config_.impersonate_user.empty()) headers.set("Impersonate-User", config_.impersonate_user);
  if (!config_.impersonate_uid.empty()) headers.set("Impersonate-Uid", config_.impersonate_uid);
  for (const auto& g : config_.impersonate_groups) headers.add("Impersonate-Group", g);
  for (const auto& [key, values] : config_.impersonate_extra)
    for (const auto& v : values) headers.add("Impersonate-Extra-" + http::percent_encode(key), v);
  return headers;
}

RawResponse Client::send(const std::string& method, const std::string& path_and_query, const std::string& body,
                         const http::Headers& extra) {
  http::Headers headers = base_headers();
  for (const auto& [name, value] : extra.fields()) headers.set(name, value);
  for (int attempt = 0;; ++attempt) {
    limiter_.accept();
    http::ClientResponse response;
    try {
      response = http_->request(method, path_and_query, headers, body);
    } catch (const http::ClientError& e) {
      throw TransportError(e.what());
    }
    // The server asks us to back off (API priority and fairness): honour Retry-After.
    if (response.status == 429 && attempt < kMaxTooManyRequestsRetries) {
      int seconds = 1;
      try {
        if (auto value = response.headers.get("Retry-After"); !value.empty()) seconds = std::stoi(value);
      } catch (...) {
      }
      std::this_thread::sleep_for(std::chrono::seconds(std::clamp(seconds, 1, 10)));
      continue;
    }
    if (config_.on_warning)
      for (const auto& w : response.headers.get_all("Warning")) {
        auto text = warning_text(w);
        if (!text.empty()) config_.on_warning(text);
      }
    return {response.status, std::move(response.headers), std::move(response.body)};
  }
}

RawResponse Client::raw(const std::string& method, const std::string& path_and_query, const std::string& body,
                        const http::Headers& headers) {
  return send(method, path_and_query, body, headers);
}

std::unique_ptr<http::ResponseStream> Client::raw_stream(const std::string& method, const std::string& path_and_query,
                                                         const http::Headers& extra) {
  http::Headers headers = base_headers();
  for (const auto& [name, value] : extra.fields()) headers.set(name, value);
  limiter_.accept();
  try {
    return http_->stream(method, path_and_query, headers);
  } catch (const http::ClientError& e) {
    throw TransportError(e.what());
  }
}

http::UpgradeResponse Client::raw_upgrade(const std::string& method, const std::string& path_and_query,
                                         const http::Headers& extra) {
  http::Headers headers = base_headers();
  for (const auto& [name, value] : extra.fields()) headers.set(name, value);
  limiter_.accept();
  http::UpgradeResponse answer;
  try {
    answer = http_->upgrade(method, path_and_query, headers);
  } catch (const http::ClientError& e) {
    throw TransportError(e.what());
  }
  if (answer.status != 101 || !answer.connection) throw ApiError(status_for_response(answer.status, answer.body));
  return answer;
}

Json Client::request_json(const std::string& method, const std::string& path_and_query, const std::string& body,
                          const std::string& content_type) {
  http::Headers headers;
  headers.set("Accept", "application/json");
  if (!body.empty()) headers.set("Content-Type", content_type);
  return json_or_throw(send(method, path_and_query, body, headers), method + " " + path_and_query);
}

Json Client::get(const GroupVersionResource& gvr, const std::string& namespace_, const std::string& name,
                 const GetOptions& options) {
  Query q;
  q.add("resourceVersion", options.resource_version);
  return request_json("GET", resource_path(gvr, namespace_, name, options.subresource) + q.str());
}

Json Client::list(const GroupVersionResource& gvr, const std::string& namespace_, const ListOptions& options) {
  Query q;
  add_list_options(q, options);
  return request_json("GET", resource_path(gvr, namespace_) + q.str());
}

Json Client::create(const GroupVersionResource& gvr, const Json& object, const WriteOptions& options) {
  Query q;
  add_write_options(q, options.dry_run, options.field_manager, options.field_validation);
  const std::string ns = object::namespace_of(object);
  std::string path = options.subresource.empty() ? resource_path(gvr, ns)
                                                  : resource_path(gvr, ns, options.name, options.subresource);
  return request_json("POST", path + q.str(), object.dump());
}

Json Client::update(const GroupVersionResource& gvr, const Json& object, const WriteOptions& options) {
  Query q;
  add_write_options(q, options.dry_run, options.field_manager, options.field_validation);
  return request_json("PUT",
                      resource_path(gvr, object::namespace_of(object), object::name_of(object), options.subresource) +
                          q.str(),
                      object.dump());
}

Json Client::update_status(const GroupVersionResource& gvr, const Json& object, const WriteOptions& options) {
  WriteOptions with_status = options;
  with_status.subresource = "status";
  return update(gvr, object, with_status);
}

Json Client::patch(const GroupVersionResource& gvr, const std::string& namespace_, const std::string& name,
                   PatchType type, const std::string& patch_body, const PatchOptions& options) {
  Query q;
  add_write_options(q, options.dry_run, options.field_manager, options.field_validation);
  if (options.force) q.add("force", *options.force ? "true" : "false");
  return request_json("PATCH", resource_path(gvr, namespace_, name, options.subresource) + q.str(), patch_body,
                      content_type_of(type));
}

Json Client::patch(const GroupVersionResource& gvr, const std::string& namespace_, const std::string& name,
                   PatchType type, const Json& patch_document, const PatchOptions& options) {
  return patch(gvr, namespace_, name, type, patch_document.dump(), options);
}

namespace {
Json delete_options_body(const DeleteOptions& options) {
  Json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  if (!options.precondition_uid.empty()) body["preconditions"]["uid"] = options.precondition_uid;
  if (!options.precondition_resource_version.empty())
    body["preconditions"]["resourceVersion"] = options.precondition_resource_version;
  if (!options.dry_run.empty()) body["dryRun"] = options.dry_run;
  return body;
}
}  // namespace

Json Client::remove(const GroupVersionResource& gvr, const std::string& namespace_, const std::string& name,
                    const DeleteOptions& options) {
  return request_json("DELETE", resource_path(gvr, namespace_, name), delete_options_body(options).dump());
}

Json Client::delete_collection(const GroupVersionResource& gvr, const std::string& namespace_,
                               const ListOptions& list_options, const DeleteOptions& options) {
  Query q;
  add_list_options(q, list_options);
  return request_json("DELETE", resource_path(gvr, namespace_) + q.str(), delete_options_body(options).dump());
}

std::unique_ptr<Watch> Client::watch(const GroupVersionResource& gvr, const std::string& namespace_,
                                     const ListOptions& options) {
  Query q;
  q.add("watch", "true");
  add_list_options(q, options);
  q.add_bool("allowWatchBookmarks", options.allow_watch_bookmarks);
  q.add_bool("sendInitialEvents", options.send_initial_events);
  const std::string path = resource_path(gvr, namespace_) + q.str();
  http::Headers headers;
  headers.set("Accept", "application/json");
  auto stream = raw_stream("GET", path, headers);
  if (stream->status() < 200 || stream->status() > 299) {
    std::string body;
    while (auto piece = stream->read()) {
      body += *piece;
      if (body.size() > 1 << 20) break;
    }
    throw ApiError(status_for_response(stream->status(), body));
  }
  return std::make_unique<Watch>(std::move(stream));
}

// ---- Watch -------------------------------------------------------------------------------

const char* to_string(WatchEvent::Type type) {
  switch (type) {
    case WatchEvent::Type::added: return "ADDED";
    case WatchEvent::Type::modified: return "MODIFIED";
    case WatchEvent::Type::deleted: return "DELETED";
    case WatchEvent::Type::bookmark: return "BOOKMARK";
    case WatchEvent::Type::error: return "ERROR";
  }
  return "";
}

Watch::Watch(std::unique_ptr<http::ResponseStream> stream) : stream_(std::move(stream)) {}

Watch::~Watch() { stop(); }

void Watch::stop() {
  if (stopped_.exchange(true)) return;
  if (stream_) stream_->cancel();
}

// One complete JSON value from the buffer; frames are concatenated JSON objects
// (usually newline-separated, but a decoder must not rely on that).
std::optional<std::string> Watch::next_frame() {
  for (;;) {
    std::size_t start = 0;
    while (start < buffer_.size() && std::isspace(static_cast<unsigned char>(buffer_[start]))) ++start;
    if (start < buffer_.size()) {
      int depth = 0;
      bool in_string = false, escaped = false;
      for (std::size_t i = start; i < buffer_.size(); ++i) {
        char c = buffer_[i];
        if (in_string) {
          if (escaped)
            escaped = false;
          else if (c == '\\')
            escaped = true;
          else if (c == '"')
            in_string = false;
          continue;
        }
        if (c == '"') {
          in_string = true;
        } else if (c == '{' || c == '[') {
          ++depth;
        } else if (c == '}' || c == ']') {
          if (--depth == 0) {
            std::string frame = buffer_.substr(start, i + 1 - start);
            buffer_.erase(0, i + 1);
            return frame;
          }
        }
      }
    } else {
      buffer_.clear();
    }
    if (stopped_ || ended_) return std::nullopt;
    auto piece = stream_->read();
    if (!piece) {
      ended_ = true;
      return std::nullopt;
    }
    buffer_ += *piece;
  }
}

std::optional<WatchEvent> Watch::next() {
  if (stopped_) return std::nullopt;
  auto frame = next_frame();
  if (!frame || stopped_) return std::nullopt;
  auto parsed = Json::parse(*frame, nullptr, false);
  auto malformed = [&](const std::string& why) {
    ended_ = true;
    WatchEvent event;
    event.type = WatchEvent::Type::error;
    event.object = {{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"}, {"code", 500},
                    {"reason", reason::kInternalError}, {"message", "malformed watch event: " + why}};
    return event;
  };
  if (!parsed.is_object()) return malformed("not a JSON object");
  const std::string type = parsed.value("type", "");
  WatchEvent event;
  if (type == "ADDED")
    event.type = WatchEvent::Type::added;
  else if (type == "MODIFIED")
    event.type = WatchEvent::Type::modified;
  else if (type == "DELETED")
    event.type = WatchEvent::Type::deleted;
  else if (type == "BOOKMARK")
    event.type = WatchEvent::Type::bookmark;
  else if (type == "ERROR")
    event.type = WatchEvent::Type::error;
  else
    return malformed("unknown type \"" + type + "\"");
  if (auto it = parsed.find("object"); it != parsed.end()) event.object = std::move(*it);
  return event;
}

}  // namespace k3s::client
