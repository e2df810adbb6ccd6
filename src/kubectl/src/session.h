// One kubectl invocation: the global flags, the resolved configuration, the lazily built
// API client, and kubectl's error reporting.
#pragma once

#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "client/client.h"
#include "client/kubeconfig.h"
#include "client/rest_mapper.h"
#include "flags.h"

namespace k3s::kubectl {

using client::Json;

// An error kubectl prints as "error: <message>" and exits 1.
class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An error already printed in full (kubectl's exact text); exits with `code`.
class ExitError : public std::runtime_error {
 public:
  ExitError(std::string text, int code = 1) : std::runtime_error(std::move(text)), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

// Registers the flags every kubectl command accepts.
void add_global_flags(Flags& flags);

class Session {
 public:
  Session(const Flags& flags, std::string fallback_kubeconfig, std::string command_path);

  const Flags& flags() const { return flags_; }
  const std::string& command_path() const { return command_path_; }  // "kubectl get"

  // The kubeconfig files as loaded (for `config` commands).
  client::LoadingRules loading_rules() const;
  client::ConfigOverrides overrides() const;
  client::RestConfig& rest_config();
  client::Client& api();
  client::RESTMapper& mapper() { return api().mapper(); }

  // -n, else the context's namespace, else "default".
  std::string namespace_();
  bool namespace_explicit();
  bool all_namespaces() const;

  // Looks up a resource argument ("po", "deployments.apps"); kubectl's error otherwise.
  client::ResourceInfo resource(const std::string& text);

 private:
  const Flags& flags_;
  std::string fallback_kubeconfig_;
  std::string command_path_;
  std::optional<client::RestConfig> config_;
  std::unique_ptr<client::Client> client_;
};

// Prints an error the way kubectl does and returns the exit code.
int report_error(const std::exception& e, std::ostream& err);
// "Error from server (NotFound): pods \"x\" not found".
std::string api_error_text(const client::ApiError& e);
// A 422 with field causes: "The Pod \"x\" is invalid: metadata.name: ..." (one line per
// cause when there are several), with its newline.
std::string invalid_error_text(const client::ApiError& e);
// kubectl's words for a request that got no answer.
std::string transport_error_text(const std::string& server, const std::string& message);

}  // namespace k3s::kubectl
