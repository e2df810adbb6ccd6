// kubectl config: view, contexts, and edits of the kubeconfig file.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "jsonpath.h"
#include "object/yaml.h"
#include "output.h"

namespace k3s::kubectl {
namespace {

using client::Kubeconfig;

void add_view_flags(Flags& flags) {
  flags.add("output", 'o', true, "yaml");
  flags.add("minify", 0, false);
  flags.add("flatten", 0, false);
  flags.add("raw", 0, false);
  flags.add("merge", 0, false, "true");
}

void add_context_flags(Flags& flags) {
  flags.add("current", 0, false);
  flags.add("output", 'o', true);
  flags.add("no-headers", 0, false);
}

void add_set_flags(Flags& flags) {
  flags.add("current", 0, false);
  flags.add("embed-certs", 0, false);
  flags.add("auth-provider", 0, true);
  flags.add("exec-command", 0, true);
  flags.add("proxy-url", 0, true);
}

// The file `config` subcommands write: --kubeconfig, else the first KUBECONFIG entry (or
// the default file).
std::string target_file(Session& session) {
  auto rules = session.loading_rules();
  if (!rules.explicit_path.empty()) return rules.explicit_path;
  for (const auto& p : rules.precedence) {
    if (std::filesystem::exists(p)) return p;
  }
  return rules.precedence.empty() ? std::string() : rules.precedence.front();
}

Kubeconfig load_for_edit(const std::string& path) {
  if (!std::filesystem::exists(path)) return Kubeconfig{};
  try {
    return Kubeconfig::load_file(path);
  } catch (const client::ConfigError& e) {
    throw ExitError(std::string("error: ") + e.what());
  }
}

void save(const Kubeconfig& config, const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw CommandError("open " + path + ": permission denied");
  out << object::to_yaml(config.to_json(true));
}

Kubeconfig loaded(Session& session) {
  try {
    return session.loading_rules().load();
  } catch (const client::ConfigError& e) {
    throw ExitError(std::string("error: ") + e.what());
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CommandError("open " + path + ": no such file or directory");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int run_view(Session& session) {
  const Flags& f = session.flags();
  Kubeconfig config = loaded(session);
  if (f.boolean("minify")) {
    std::string ctx = f.str("context").empty() ? config.current_context : f.str("context");
    if (ctx.empty()) throw CommandError("current-context must exist in order to minify");
    auto it = config.contexts.find(ctx);
    if (it == config.contexts.end()) throw CommandError("cannot locate context " + ctx);
    Kubeconfig minified;
    minified.current_context = ctx;
    minified.contexts[ctx] = it->second;
    if (auto c = config.clusters.find(it->second.cluster); c != config.clusters.end()) minified.clusters[c->first] = c->second;
    if (auto u = config.users.find(it->second.user); u != config.users.end()) minified.users[u->first] = u->second;
    config = minified;
  }
  if (f.boolean("flatten")) {
    for (auto& [name, c] : config.clusters) {
      if (!c.certificate_authority.empty()) {
        c.certificate_authority_data = read_file(c.certificate_authority);
        c.certificate_authority.clear();
      }
    }
    for (auto& [name, u] : config.users) {
      if (!u.client_certificate.empty()) {
        u.client_certificate_data = read_file(u.client_certificate);
        u.client_certificate.clear();
      }
      if (!u.client_key.empty()) {
        u.client_key_data = read_file(u.client_key);
        u.client_key.clear();
      }
    }
  }
  Json doc = config.to_json(f.boolean("raw") || f.boolean("flatten"));
  std::string output = f.str("output");
  if (output == "yaml") {
    std::cout << object::to_yaml(doc);
  } else if (output == "json") {
    std::cout << go_json(doc) << "\n";
  } else if (output.rfind("jsonpath=", 0) == 0) {
    std::cout << JsonPath(output.substr(9)).execute(doc);
  } else {
    check_output_format(output);
    PrintOptions options;
    options.output = output;
    std::cout << print_objects({doc}, options, false);
  }
  return 0;
}

int run_current_context(Session& session) {
  Kubeconfig config = loaded(session);
  if (config.current_context.empty()) throw CommandError("current-context is not set");
  std::cout << config.current_context << "\n";
  return 0;
}

int run_get_contexts(Session& session) {
  const Flags& f = session.flags();
  Kubeconfig config = loaded(session);
  std::vector<std::string> names;
  if (f.positional().empty()) {
    for (const auto& [name, c] : config.contexts) names.push_back(name);
  } else {
    names = f.positional();
  }
  if (f.str("output") == "name") {
    for (const auto& n : names) {
      if (!config.contexts.count(n)) throw CommandError("context " + n + " not found");
      std::cout << n << "\n";
    }
    return 0;
  }
  if (!f.str("output").empty()) throw CommandError("output must be one of '' or 'name'");
  std::vector<std::vector<std::string>> rows;
  if (!f.boolean("no-headers")) rows.push_back({"CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"});
  std::vector<std::string> missing;
  for (const auto& n : names) {
    auto it = config.contexts.find(n);
    if (it == config.contexts.end()) {
      missing.push_back(n);
      continue;
    }
    if (f.boolean("current") && n != config.current_context) continue;
    rows.push_back({n == config.current_context ? "*" : "", n, it->second.cluster, it->second.user, it->second.namespace_});
  }
  std::cout << tabulate(rows);
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw CommandError("context " + list + " not found");
  }
  return 0;
}

int run_get_clusters(Session& session) {
  Kubeconfig config = loaded(session);
  std::cout << "NAME\n";
  for (const auto& [name, c] : config.clusters) std::cout << name << "\n";
  return 0;
}

int run_get_users(Session& session) {
  Kubeconfig config = loaded(session);
  std::cout << "NAME\n";
  for (const auto& [name, u] : config.users) std::cout << name << "\n";
  return 0;
}

std::string one_name(Session& session, const std::string& what) {
  const auto& p = session.flags().positional();
  if (p.size() != 1) throw UsageError("Unexpected args: " + what);
  return p[0];
}

int run_use_context(Session& session) {
  const auto& p = session.flags().positional();
  if (p.size() != 1) throw CommandError("Unexpected args: []");
  std::string name = p[0];
  std::string file = target_file(session);
  Kubeconfig merged = loaded(session);
  if (!merged.contexts.count(name)) throw CommandError("no context exists with the name: \"" + name + "\"");
  Kubeconfig config = load_for_edit(file);
  config.current_context = name;
  save(config, file);
  std::cout << "Switched to context \"" << name << "\".\n";
  return 0;
}

int run_set_context(Session& session) {
  const Flags& f = session.flags();
  std::string file = target_file(session);
  Kubeconfig config = load_for_edit(file);
  std::string name;
  if (f.boolean("current")) {
    if (!f.positional().empty()) throw CommandError("you cannot specify both a context name and --current");
    name = loaded(session).current_context;
    if (name.empty()) throw CommandError("no current context is set");
  } else {
    if (f.positional().size() != 1) throw CommandError("you must specify a non-empty context name or --current");
    name = f.positional()[0];
  }
  bool exists = config.contexts.count(name) > 0;
  auto& ctx = config.contexts[name];
  if (f.given("cluster")) ctx.cluster = f.str("cluster");
  if (f.given("user")) ctx.user = f.str("user");
  if (f.given("namespace")) ctx.namespace_ = f.str("namespace");
  save(config, file);
  std::cout << "Context \"" << name << "\" " << (exists ? "modified" : "created") << ".\n";
  return 0;
}

int run_set_cluster(Session& session) {
  const Flags& f = session.flags();
  std::string name = one_name(session, "set-cluster NAME");
  std::string file = target_file(session);
  Kubeconfig config = load_for_edit(file);
  auto& c = config.clusters[name];
  if (f.given("server")) c.server = f.str("server");
  if (f.given("insecure-skip-tls-verify")) c.insecure_skip_tls_verify = f.boolean("insecure-skip-tls-verify");
  if (f.given("tls-server-name")) c.tls_server_name = f.str("tls-server-name");
  if (f.given("proxy-url")) c.proxy_url = f.str("proxy-url");
  if (f.given("certificate-authority")) {
    std::string ca = f.str("certificate-authority");
    if (f.boolean("embed-certs")) {
      c.certificate_authority_data = read_file(ca);
      c.certificate_authority.clear();
    } else {
      c.certificate_authority = std::filesystem::absolute(ca).string();
      c.certificate_authority_data.clear();
    }
  }
  save(config, file);
  std::cout << "Cluster \"" << name << "\" set.\n";
  return 0;
}

int run_set_credentials(Session& session) {
  const Flags& f = session.flags();
  std::string name = one_name(session, "set-credentials NAME");
  std::string file = target_file(session);
  Kubeconfig config = load_for_edit(file);
  auto& u = config.users[name];
  if (f.given("token")) u.token = f.str("token");
  if (f.given("username")) u.username = f.str("username");
  if (f.given("password")) u.password = f.str("password");
  auto set_file = [&](const std::string& flag, std::string& path, std::string& data) {
    if (!f.given(flag)) return;
    if (f.boolean("embed-certs")) {
      data = read_file(f.str(flag));
      path.clear();
    } else {
      path = std::filesystem::absolute(f.str(flag)).string();
      data.clear();
    }
  };
  set_file("client-certificate", u.client_certificate, u.client_certificate_data);
  set_file("client-key", u.client_key, u.client_key_data);
  save(config, file);
  std::cout << "User \"" << name << "\" set.\n";
  return 0;
}

int run_delete_context(Session& session) {
  std::string name = one_name(session, "delete-context NAME");
  std::string file = target_file(session);
  Kubeconfig config = load_for_edit(file);
  if (!config.contexts.count(name)) throw CommandError("cannot delete context " + name + ", not in " + file);
  if (config.current_context == name) {
    std::cerr << "warning: this removed your active context, use \"kubectl config use-context\" to select a different "
                 "one\n";
  }
  config.contexts.erase(name);
  save(config, file);
  std::cout << "deleted context " << name << " from " << file << "\n";
  return 0;
}

int run_delete_cluster(Session& session) {
  std::string name = one_name(session, "delete-cluster NAME");
  std::string file = target_file(session);
  Kubeconfig config = load_for_edit(file);
  if (!config.clusters.count(name)) throw CommandError("cannot delete cluster " + name + ", not in " + file);
  config.clusters.erase(name);
  save(config, file);
  std::cout << "deleted cluster " << name << " from " << file << "\n";
  return 0;
}

int run_delete_user(Session& session) {
  std::string name = one_name(session, "delete-user NAME");
  std::string file = target_file(session);
  Kubeconfig config = load_for_edit(file);
  if (!config.users.count(name)) throw CommandError("cannot delete user " + name + ", not in " + file);
  config.users.erase(name);
  save(config, file);
  std::cout << "deleted user " << name << " from " << file << "\n";
  return 0;
}

int run_rename_context(Session& session) {
  const auto& p = session.flags().positional();
  if (p.size() != 2) throw UsageError("Unexpected args: rename-context CONTEXT_NAME NEW_NAME");
  std::string file = target_file(session);
  Kubeconfig config = load_for_edit(file);
  auto it = config.contexts.find(p[0]);
  if (it == config.contexts.end()) throw CommandError("cannot rename the context \"" + p[0] + "\", it's not in " + file);
  if (config.contexts.count(p[1])) throw CommandError("cannot rename the context \"" + p[0] + "\", the context \"" + p[1] + "\" already exists in " + file);
  auto ctx = it->second;
  config.contexts.erase(it);
  config.contexts[p[1]] = ctx;
  if (config.current_context == p[0]) config.current_context = p[1];
  save(config, file);
  std::cout << "Context \"" << p[0] << "\" renamed to \"" << p[1] << "\".\n";
  return 0;
}

}  // namespace

std::vector<CommandDef> config_commands() {
  return {
      {"config view", add_view_flags, run_view},
      {"config current-context", nullptr, run_current_context},
      {"config get-contexts", add_context_flags, run_get_contexts},
      {"config get-clusters", nullptr, run_get_clusters},
      {"config get-users", nullptr, run_get_users},
      {"config use-context", nullptr, run_use_context},
      {"config use", nullptr, run_use_context},
      {"config set-context", add_set_flags, run_set_context},
      {"config set-cluster", add_set_flags, run_set_cluster},
      {"config set-credentials", add_set_flags, run_set_credentials},
      {"config delete-context", nullptr, run_delete_context},
      {"config delete-cluster", nullptr, run_delete_cluster},
      {"config delete-user", nullptr, run_delete_user},
      {"config rename-context", nullptr, run_rename_context},
  };
}

}  // namespace k3s::kubectl
