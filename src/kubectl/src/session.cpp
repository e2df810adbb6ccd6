#include "session.h"

#include <memory>
#include <set>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <regex>

namespace k3s::kubectl {

void add_global_flags(Flags& flags) {
  flags.add("kubeconfig", 0, true);
  flags.add("context", 0, true);
  flags.add("cluster", 0, true);
  flags.add("user", 0, true);
  flags.add("namespace", 'n', true);
  flags.add("server", 's', true);
  flags.add("token", 0, true);
  flags.add("username", 0, true);
  flags.add("password", 0, true);
  flags.add("client-certificate", 0, true);
  flags.add("client-key", 0, true);
  flags.add("certificate-authority", 0, true);
  flags.add("tls-server-name", 0, true);
  flags.add("insecure-skip-tls-verify", 0, false);
  flags.add("request-timeout", 0, true, "0");
  flags.add("v", 'v', true, "0");
  flags.add("match-server-version", 0, false);
  flags.add("cache-dir", 0, true);
  flags.add("as", 0, true);
  flags.add("as-group", 0, true);
  flags.add("as-uid", 0, true);
  flags.add("warnings-as-errors", 0, false);
  flags.add("disable-compression", 0, false);
  flags.add("profile", 0, true, "none");
  flags.add("profile-output", 0, true);
  flags.add("log-flush-frequency", 0, true);
  flags.add("help", 'h', false);
}

namespace {

// kubectl's --request-timeout: "0" (none), "5", "5s", "1m", "500ms".
std::optional<std::chrono::milliseconds> parse_timeout(const std::string& text) {
  if (text.empty() || text == "0") return std::nullopt;
  static const std::regex re(R"(^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) {
    throw CommandError("invalid timeout value. Timeout must be a single integer in seconds, or an integer followed "
                       "by a corresponding time unit (e.g. 1s | 2m | 3h)");
  }
  double value = std::stod(m[1]);
  std::string unit = m[2];
  double ms = unit == "ms" ? value : unit == "m" ? value * 60000 : unit == "h" ? value * 3600000 : value * 1000;
  if (ms <= 0) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(ms));
}

}  // namespace

Session::Session(const Flags& flags, std::string fallback_kubeconfig, std::string command_path)
    : flags_(flags), fallback_kubeconfig_(std::move(fallback_kubeconfig)), command_path_(std::move(command_path)) {}

client::LoadingRules Session::loading_rules() const {
  std::string fallback;
  if (!fallback_kubeconfig_.empty() && access(fallback_kubeconfig_.c_str(), R_OK) == 0) fallback = fallback_kubeconfig_;
  client::LoadingRules rules = client::LoadingRules::from_environment(fallback);
  rules.explicit_path = flags_.str("kubeconfig");
  rules.default_server = "http://localhost:8080";
  return rules;
}

namespace {
// A global flag's value, unless the command took the name for its own flag.
std::string global_str(const Flags& flags, const std::string& name) {
  return flags.shadowed(name) ? std::string() : flags.str(name);
}
}  // namespace

client::ConfigOverrides Session::overrides() const {
  client::ConfigOverrides o;
  o.context = global_str(flags_, "context");
  o.cluster = global_str(flags_, "cluster");
  o.user = global_str(flags_, "user");
  o.server = global_str(flags_, "server");
  o.token = global_str(flags_, "token");
  o.username = global_str(flags_, "username");
  o.password = global_str(flags_, "password");
  o.client_certificate = global_str(flags_, "client-certificate");
  o.client_key = global_str(flags_, "client-key");
  o.certificate_authority = global_str(flags_, "certificate-authority");
  o.tls_server_name = global_str(flags_, "tls-server-name");
  if (flags_.given("insecure-skip-tls-verify")) o.insecure_skip_tls_verify = flags_.boolean("insecure-skip-tls-verify");
  o.namespace_ = global_str(flags_, "namespace");
  o.impersonate_user = global_str(flags_, "as");
  o.impersonate_uid = global_str(flags_, "as-uid");
  o.impersonate_groups = flags_.all("as-group");
  o.request_timeout = parse_timeout(flags_.str("request-timeout"));
  return o;
}

client::RestConfig& Session::rest_config() {
  if (!config_) {
    auto overrides_value = overrides();
    try {
      config_ = client::build_config(loading_rules(), overrides_value);
    } catch (const client::ConfigError& e) {
      switch (e.kind()) {
        case client::ConfigErrorKind::load:
          throw ExitError(std::string("error: ") + e.what());
        case client::ConfigErrorKind::context_not_found:
        case client::ConfigErrorKind::cluster_not_found:
        case client::ConfigErrorKind::user_not_found:
        case client::ConfigErrorKind::empty:
          throw ExitError(std::string("Error in configuration: ") + e.what());
        default:
          throw ExitError(std::string("error: ") + e.what());
      }
    }
    if (config_->impersonate_user.empty() &&
        (!config_->impersonate_groups.empty() || !config_->impersonate_uid.empty() || !config_->impersonate_extra.empty()))
      // kubectl meets this while resolving the namespace (a plain error) unless -n gave it,
      // and then while building the client ("Error in configuration").
      throw ExitError(std::string(flags_.given("namespace") ? "Error in configuration: " : "error: ") +
                      "requesting uid, groups or user-extra for " + config_->user_name + " without impersonating a user");
    config_->user_agent = "kubectl/v1.33.5 (linux/amd64) kubernetes/k3s";
    config_->qps = 0;
    // Server warnings go to stderr once each, as kubectl's warning writer does.
    config_->on_warning = [seen = std::make_shared<std::set<std::string>>()](const std::string& text) {
      if (seen->insert(text).second) std::cerr << "Warning: " << text << "\n";
    };
    // Without --request-timeout kubectl waits as long as the server takes.
    if (!overrides_value.request_timeout) config_->timeout = std::chrono::hours(24);
  }
  return *config_;
}

client::Client& Session::api() {
  if (!client_) {
    auto& config = rest_config();
    try {
      client_ = std::make_unique<client::Client>(config);
      // Discovery documents are kept on disk between invocations, as kubectl keeps them
      // under ~/.kube/cache/discovery (a miss still asks the server).
      std::string cache_dir = flags_.str("cache-dir");
      if (cache_dir.empty()) {
        if (const char* home = std::getenv("HOME"); home && *home) cache_dir = std::string(home) + "/.kube/cache";
      }
      if (!cache_dir.empty()) client_->mapper().set_cache(cache_dir + "/k3s-discovery");
    } catch (const client::TransportError& e) {
      throw ExitError(std::string("error: ") + e.what());
    }
  }
  return *client_;
}

std::string Session::namespace_() { return rest_config().namespace_; }

bool Session::namespace_explicit() { return rest_config().namespace_explicit; }

bool Session::all_namespaces() const { return flags_.given("all-namespaces") && flags_.boolean("all-namespaces"); }

client::ResourceInfo Session::resource(const std::string& text) {
  auto found = mapper().find(text);
  if (!found) throw CommandError("the server doesn't have a resource type \"" + text + "\"");
  return *found;
}

std::string api_error_text(const client::ApiError& e) {
  std::string reason = e.reason();
  std::string message = e.message();
  if (reason.empty()) {
    return "Error from server: " + message;
  }
  return "Error from server (" + reason + "): " + message;
}

std::string invalid_error_text(const client::ApiError& e) {
  const Json& details = e.details();
  std::string kind = details.value("kind", ""), name = details.value("name", "");
  std::string text = "The request is invalid";
  if (!kind.empty() || !name.empty()) text = "The " + kind + " " + Json(name).dump() + " is invalid";
  std::vector<std::string> causes;
  for (const auto& c : details.value("causes", Json::array())) {
    std::string field = c.value("field", ""), message = c.value("message", "");
    causes.push_back(field.empty() ? message : field + ": " + message);
  }
  if (causes.empty()) return text + "\n";
  if (causes.size() == 1) return text + ": " + causes[0] + "\n";
  text += ": \n";
  for (const auto& c : causes) text += "* " + c + "\n";
  return text;
}

std::string transport_error_text(const std::string& server, const std::string& message) {
  std::string host = server;
  if (auto p = host.find("://"); p != std::string::npos) host = host.substr(p + 3);
  if (auto slash = host.find('/'); slash != std::string::npos) host = host.substr(0, slash);
  if (message.find("refused") != std::string::npos) {
    return "The connection to the server " + host + " was refused - did you specify the right host or port?";
  }
  if (message.find("timed out") != std::string::npos) {
    return "Unable to connect to the server: net/http: request canceled (Client.Timeout exceeded while awaiting "
           "headers)";
  }
  return "Unable to connect to the server: " + message;
}

int report_error(const std::exception& e, std::ostream& err) {
  if (auto* exit = dynamic_cast<const ExitError*>(&e)) {
    if (std::string(exit->what()).size()) err << exit->what() << "\n";
    return exit->code();
  }
  if (auto* api = dynamic_cast<const client::ApiError*>(&e)) {
    if (api->is_invalid()) {
      err << invalid_error_text(*api);
      return 1;
    }
    err << api_error_text(*api) << "\n";
    return 1;
  }
  err << "error: " << e.what() << "\n";
  return 1;
}

}  // namespace k3s::kubectl
