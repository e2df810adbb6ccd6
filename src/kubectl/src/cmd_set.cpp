// kubectl set image | env | resources: local edits of the pod template of existing
// objects, sent as the two-way strategic merge patch from the object as read to the object
// as edited (nothing is sent, and nothing printed, when the edit changes nothing).
#include <algorithm>
#include <functional>
#include <iostream>
#include <map>

#include "commands.h"
#include "object/patch.h"
#include "object/quantity.h"
#include "object/validation.h"
#include "output.h"
#include "util/strings.h"
#include "workloads.h"

namespace k3s::kubectl {
namespace {

void add_set_flags(Flags& flags) {
  add_file_flags(flags);
  flags.add("selector", 'l', true);
  flags.add("all", 0, false);
  flags.add("local", 0, false);
  flags.add("output", 'o', true);
  flags.add("dry-run", 0, true, "none");
  flags.add("field-manager", 0, true, "kubectl-set");
  flags.add("record", 0, false);
  flags.add("template", 0, true);
  flags.add("show-managed-fields", 0, false);
  flags.add("allow-missing-template-keys", 0, false, "true");
}

// The objects of the command line, or the first fetch errors (kubectl's builder stops
// before changing anything when an object cannot be read).
std::vector<FetchedTarget> targets_or_errors(Session& session, const std::vector<std::string>& resources) {
  auto targets = fetch_targets(session, resources);
  bool failed = false;
  for (const auto& t : targets) {
    if (!t.error) continue;
    std::cerr << api_error_text(*t.error) << "\n";
    failed = true;
  }
  if (failed) throw ExitError("", 1);
  return targets;
}

// Applies `edit` (false: the object has no pod template; it reported that itself) to a copy
// of every target and sends what changed.
int update_all(Session& session, const std::vector<FetchedTarget>& targets, const std::string& verb,
               const std::function<bool(const FetchedTarget&, Json&, int&)>& edit) {
  const Flags& f = session.flags();
  std::string mode = dry_run_mode(f);
  int rc = 0;
  for (const auto& t : targets) {
    Json modified = t.object;
    if (!edit(t, modified, rc)) continue;
    auto schema = object::patch::builtin_patch_schema(t.info.gvr.group, t.info.kind);
    Json patch = schema ? object::patch::create_two_way_strategic_merge_patch(t.object, modified, *schema)
                        : object::patch::create_merge_patch(t.object, modified);
    if (patch.empty()) continue;
    Json result = modified;
    if (mode != "client" && !f.boolean("local")) {
      client::PatchOptions po;
      po.field_manager = f.str("field-manager");
      if (mode == "server") po.dry_run = {"All"};
      try {
        result = session.api().patch(t.info.gvr, t.ns, t.name,
                                     schema ? client::PatchType::strategic : client::PatchType::merge, patch, po);
      } catch (const client::ApiError& e) {
        std::cerr << "error: failed to patch " << verb.substr(0, verb.find(' ')) << " update to pod template: "
                  << e.message() << "\n";
        rc = 1;
        continue;
      }
    }
    print_result(session, result, t.info, verb, mode);
  }
  return rc;
}

// ---- set image -------------------------------------------------------------------------

int run_set_image(Session& session) {
  const Flags& f = session.flags();
  std::vector<std::string> resources;
  std::vector<std::pair<std::string, std::string>> images;
  for (const auto& a : f.positional()) {
    auto eq = a.find('=');
    if (eq == std::string::npos) resources.push_back(a);
    else images.push_back({a.substr(0, eq), a.substr(eq + 1)});
  }
  if (resources.empty() && !f.given("filename")) throw CommandError(kNoResourcesError);
  if (images.empty()) throw CommandError("at least one image update is required");
  auto targets = targets_or_errors(session, resources);
  return update_all(session, targets, "image updated", [&](const FetchedTarget& t, Json& object, int& rc) {
    Json* spec = pod_spec_of(object);
    if (!spec) {
      std::cerr << "error: " << no_pod_template_error(t.info, t.name) << "\n";
      rc = 1;
      return false;
    }
    auto containers = all_containers(*spec);
    for (const auto& [name, image] : images) {
      bool found = false;
      for (Json* c : containers) {
        if (name == "*" || c->value("name", "") == name) {
          (*c)["image"] = image;
          found = true;
        }
      }
      if (!found && name != "*") {
        std::cerr << "error: unable to find container named \"" << name << "\"\n";
        rc = 1;
      }
    }
    return true;
  });
}

// ---- set env ---------------------------------------------------------------------------

void add_env_flags(Flags& flags) {
  add_set_flags(flags);
  flags.add("containers", 'c', true, "*");
  flags.add("env", 'e', true);
  flags.add("from", 0, true);
  flags.add("prefix", 0, true);
  flags.add("keys", 0, true);
  flags.add("list", 0, false);
  flags.add("resolve", 0, false);
  flags.add("overwrite", 0, false, "true");
}

// "KEY" from a ConfigMap/Secret key: upper case, '-' and '.' as '_' (kubectl warns about
// every key it changes).
std::string env_name_for_key(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '-' || c == '.') out += '_';
    else out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string env_line(const Json& e) {
  std::string name = e.value("name", "");
  if (!e.contains("valueFrom")) return name + "=" + e.value("value", "") + "\n";
  const Json from = e["valueFrom"];
  if (from.contains("fieldRef")) return "# " + name + " from field path " + from["fieldRef"].value("fieldPath", "") + "\n";
  if (from.contains("resourceFieldRef")) {
    const Json r = from["resourceFieldRef"];
    std::string container = r.value("containerName", "");
    return "# " + name + " from resource field " + (container.empty() ? "" : container + "/") + r.value("resource", "") + "\n";
  }
  if (from.contains("configMapKeyRef"))
    return "# " + name + " from configmap " + from["configMapKeyRef"].value("name", "") + ", key " +
           from["configMapKeyRef"].value("key", "") + "\n";
  if (from.contains("secretKeyRef"))
    return "# " + name + " from secret " + from["secretKeyRef"].value("name", "") + ", key " +
           from["secretKeyRef"].value("key", "") + "\n";
  return "# " + name + " from unknown source\n";
}

int run_set_env(Session& session) {
  const Flags& f = session.flags();
  if (f.boolean("list") && f.given("output")) throw CommandError("--list and --output may not be specified together");
  if (f.given("keys") && !f.given("from"))
    throw CommandError("when specifying --keys, a configmap or secret must be provided with --from");
  // Resources first, then the first KEY=VALUE / KEY- and everything after it.
  std::vector<std::string> resources, env_args;
  for (const auto& a : f.positional()) {
    bool env_like = !env_args.empty() || (a.find('=') != std::string::npos && a[0] != '=') ||
                    (a.size() > 1 && a.back() == '-');
    (env_like ? env_args : resources).push_back(a);
  }
  for (const auto& e : f.all("env")) env_args.push_back(e);
  if (resources.empty() && !f.given("filename"))
    throw CommandError("one or more resources must be specified as <resource> <name> or <resource>/<name>");

  std::vector<Json> set;  // EnvVars to add or replace, in order
  std::vector<std::string> remove;
  for (const auto& a : env_args) {
    auto eq = a.find('=');
    if (eq == std::string::npos) {
      if (a.size() > 1 && a.back() == '-') {
        remove.push_back(a.substr(0, a.size() - 1));
        continue;
      }
      throw CommandError("environment variables must be of the form key=value and can only contain letters, "
                         "numbers, and underscores");
    }
    std::string key = a.substr(0, eq);
    if (auto errs = object::is_env_var_name(key); !errs.empty())
      throw CommandError("\"" + key + "\" is not a valid key name: " + util::join(errs, "; "));
    set.push_back({{"name", key}, {"value", a.substr(eq + 1)}});
  }
  for (const auto& s : set)
    if (std::find(remove.begin(), remove.end(), s.value("name", "")) != remove.end())
      throw CommandError("can not both modify and remove the same environment variable in the same command");

  if (f.given("from")) {
    std::string from = f.str("from");
    auto slash = from.find('/');
    auto info = session.resource(from.substr(0, slash));
    std::string name = slash == std::string::npos ? "" : from.substr(slash + 1);
    const bool is_cm = info.gvr == client::resources::kConfigMaps, is_secret = info.gvr == client::resources::kSecrets;
    if (!is_cm && !is_secret) throw CommandError("unsupported resource specified in --from");
    Json source = session.api().get(info.gvr, session.namespace_(), name);
    auto keys = f.list("keys");
    std::string prefix = f.str("prefix");
    const Json data = source.value("data", Json::object());
    for (const auto& [key, value] : data.items()) {
      (void)value;
      if (!keys.empty() && std::find(keys.begin(), keys.end(), key) == keys.end()) continue;
      std::string env_name = env_name_for_key(key);
      if (env_name != key) std::cerr << "Warning: key " << key << " transferred to " << env_name << "\n";
      const char* ref = is_cm ? "configMapKeyRef" : "secretKeyRef";
      set.push_back({{"name", prefix + env_name}, {"valueFrom", {{ref, {{"key", key}, {"name", name}}}}}});
    }
  }

  auto targets = targets_or_errors(session, resources);
  std::string pattern = f.str("containers");
  if (f.boolean("list")) {
    int rc = 0;
    for (auto& t : targets) {
      Json object = t.object;
      Json* spec = pod_spec_of(object);
      if (!spec) continue;
      for (Json* c : all_containers(*spec)) {
        if (!glob_match(pattern, c->value("name", ""))) continue;
        std::cout << "# " << t.info.kind << " " << t.name << ", container " << c->value("name", "") << "\n";
        Json env = c->value("env", Json::array());
        for (const auto& s : set) {
          auto it = std::find_if(env.begin(), env.end(), [&](const Json& e) { return e.value("name", "") == s["name"]; });
          if (it != env.end()) *it = s;
          else env.push_back(s);
        }
        for (const auto& e : env)
          if (std::find(remove.begin(), remove.end(), e.value("name", "")) == remove.end()) std::cout << env_line(e);
      }
    }
    return rc;
  }
  return update_all(session, targets, "env updated", [&](const FetchedTarget& t, Json& object, int& rc) {
    Json* spec = pod_spec_of(object);
    if (!spec) {
      std::cerr << "error: " << no_pod_template_error(t.info, t.name) << "\n";
      rc = 1;
      return false;
    }
    bool any = false;
    for (Json* c : all_containers(*spec)) {
      if (!glob_match(pattern, c->value("name", ""))) continue;
      any = true;
      Json env = c->value("env", Json::array());
      for (const auto& s : set) {
        auto it = std::find_if(env.begin(), env.end(), [&](const Json& e) { return e.value("name", "") == s["name"]; });
        if (it == env.end()) {
          env.push_back(s);
          continue;
        }
        if (!f.boolean("overwrite") && *it != s) {
          throw CommandError(t.info.gvr.resource + "/" + t.name + " '" + s.value("name", "") +
                             "' already has a value (" + it->value("value", "") + "), and --overwrite is false");
        }
        *it = s;
      }
      Json kept = Json::array();
      for (const auto& e : env)
        if (std::find(remove.begin(), remove.end(), e.value("name", "")) == remove.end()) kept.push_back(e);
      if (kept.empty()) c->erase("env");
      else (*c)["env"] = kept;
    }
    if (!any) {
      std::cerr << "Warning: " << t.info.kind << "/" << t.name << " does not have any containers matching \""
                << pattern << "\"\n";
    }
    return true;
  });
}

// ---- set resources ---------------------------------------------------------------------

void add_resources_flags(Flags& flags) {
  add_set_flags(flags);
  flags.add("containers", 'c', true, "*");
  flags.add("limits", 0, true);
  flags.add("requests", 0, true);
}

// "cpu=200m,memory=512Mi" with quantities in canonical form.
std::map<std::string, std::string> resource_list(const std::string& text) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    start = comma + 1;
    auto eq = item.find('=');
    if (eq == std::string::npos) throw CommandError("Invalid argument syntax " + item + ", expected <resource>=<value>");
    try {
      out[item.substr(0, eq)] = object::Quantity::parse(item.substr(eq + 1)).to_string();
    } catch (const object::QuantityError& e) {
      throw CommandError(e.what());
    }
  }
  return out;
}

int run_set_resources(Session& session) {
  const Flags& f = session.flags();
  const auto& resources = f.positional();
  if (resources.empty() && !f.given("filename")) throw CommandError(kNoResourcesError);
  if (f.str("limits").empty() && f.str("requests").empty())
    throw CommandError("you must specify an update to requests or limits (in the form of --requests/--limits)");
  auto limits = resource_list(f.str("limits"));
  auto requests = resource_list(f.str("requests"));
  auto targets = targets_or_errors(session, resources);
  std::string pattern = f.str("containers");
  return update_all(session, targets, "resource requirements updated", [&](const FetchedTarget& t, Json& object, int& rc) {
    Json* spec = pod_spec_of(object);
    if (!spec) {
      std::cerr << "error: " << no_pod_template_error(t.info, t.name) << "\n";
      rc = 1;
      return false;
    }
    bool any = false;
    for (Json* c : all_containers(*spec)) {
      if (!glob_match(pattern, c->value("name", ""))) continue;
      any = true;
      Json& r = (*c)["resources"];
      if (!r.is_object()) r = Json::object();
      for (const auto& [k, v] : limits) r["limits"][k] = v;
      for (const auto& [k, v] : requests) r["requests"][k] = v;
    }
    if (!any) {
      std::cerr << "error: unable to find container named " << pattern << "\n";
      rc = 1;
    }
    return true;
  });
}

}  // namespace

std::vector<CommandDef> set_commands() {
  return {
      {"set image", add_set_flags, run_set_image},
      {"set env", add_env_flags, run_set_env},
      {"set resources", add_resources_flags, run_set_resources},
  };
}

}  // namespace k3s::kubectl
