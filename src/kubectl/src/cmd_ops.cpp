// Operational commands: logs, cordon/uncordon, taint, rollout pause/resume/restart/status,
// wait, auth whoami/can-i.
#include <chrono>
#include <iostream>
#include <thread>

#include "commands.h"
#include "http/client.h"
#include "http/message.h"
#include "jsonpath.h"
#include "object/meta.h"
#include "output.h"
#include "pods.h"

namespace k3s::kubectl {
namespace {

// ---- logs --------------------------------------------------------------------------------

void add_logs_flags(Flags& flags) {
  flags.add("container", 'c', true);
  flags.add("follow", 'f', false);
  flags.add("previous", 'p', false);
  flags.add("tail", 0, true, "-1");
  flags.add("since", 0, true, "0s");
  flags.add("since-time", 0, true);
  flags.add("timestamps", 0, false);
  flags.add("all-containers", 0, false);
  flags.add("selector", 'l', true);
  flags.add("prefix", 0, false);
  flags.add("limit-bytes", 0, true, "0");
  flags.add("max-log-requests", 0, true, "5");
  flags.add("pod-running-timeout", 0, true, "20s");
  flags.add("ignore-errors", 0, false);
}

void stream_log(Session& session, const std::string& ns, const std::string& pod, const std::string& container,
                const std::string& prefix) {
  const Flags& f = session.flags();
  std::string q = "?container=" + http::percent_encode(container);
  if (f.boolean("follow")) q += "&follow=true";
  if (f.boolean("previous")) q += "&previous=true";
  if (f.boolean("timestamps")) q += "&timestamps=true";
  if (f.integer("tail") >= 0) q += "&tailLines=" + std::to_string(f.integer("tail"));
  if (auto since = parse_duration(f.str("since")); since.count() > 0) {
    q += "&sinceSeconds=" + std::to_string(std::max<long long>(1, (since.count() + 999) / 1000));
  }
  if (!f.str("since-time").empty()) q += "&sinceTime=" + http::percent_encode(f.str("since-time"));
  if (f.integer("limit-bytes") > 0) q += "&limitBytes=" + std::to_string(f.integer("limit-bytes"));
  std::string path = client::resource_path(client::resources::kPods, ns, pod, "log") + q;
  auto stream = session.api().raw_stream("GET", path);
  if (stream->status() < 200 || stream->status() > 299) {
    std::string body;
    while (auto chunk = stream->read()) body += *chunk;
    Json status = Json::parse(body, nullptr, false);
    if (status.is_object() && status.value("kind", "") == "Status") throw client::ApiError(status);
    throw client::ApiError(client::status_for_response(stream->status(), body));
  }
  std::string pending;
  while (auto chunk = stream->read()) {
    if (prefix.empty()) {
      std::cout << *chunk << std::flush;
      continue;
    }
    pending += *chunk;
    std::size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::cout << prefix << pending.substr(0, nl + 1);
      pending.erase(0, nl + 1);
    }
  }
  if (!pending.empty()) std::cout << prefix << pending;
}

int run_logs(Session& session) {
  const Flags& f = session.flags();
  std::string ns = session.namespace_();
  std::vector<Json> pods;
  const auto& args = f.positional();
  std::string container = f.str("container");
  if (f.given("selector")) {
    Json list = session.api().list(client::resources::kPods, ns, {.label_selector = f.str("selector")});
    for (auto& p : list.value("items", Json::array())) pods.push_back(p);
    if (pods.empty()) {
      std::cerr << "No resources found in " << ns << " namespace.\n";
      return 0;
    }
  } else {
    if (args.empty()) throw UsageError("expected POD or TYPE/NAME is a required argument for the logs command");
    std::string target = args[0];
    if (args.size() > 1 && container.empty()) container = args[1];
    try {
      pods.push_back(pod_for_target(session, ns, target));
    } catch (const client::ApiError& e) {
      // logs words a bare pod name's NotFound its own way.
      if (!e.is_not_found() || target.find('/') != std::string::npos) throw;
      throw CommandError("error from server (NotFound): pods \"" + target + "\" not found in namespace \"" + ns + "\"");
    }
  }
  bool prefix = f.boolean("prefix");
  for (const auto& pod : pods) {
    std::string name = object::name_of(pod);
    auto names = container_names(pod);
    std::vector<std::string> chosen;
    if (f.boolean("all-containers")) {
      chosen = names;
    } else if (!container.empty()) {
      chosen = {container};
    } else if (!names.empty()) {
      chosen = {container_for(pod, "", std::cerr)};
    }
    for (const auto& c : chosen) stream_log(session, ns, name, c, prefix ? "[pod/" + name + "/" + c + "] " : "");
  }
  return 0;
}

// ---- cordon / uncordon / taint ---------------------------------------------------------

void add_node_flags(Flags& flags) {
  flags.add("selector", 'l', true);
  flags.add("dry-run", 0, true, "none");
  flags.add("overwrite", 0, false);
  flags.add("all", 0, false);
  flags.add("output", 'o', true);
  flags.add("validate", 0, true, "strict");
  flags.add("field-manager", 0, true);
}

std::vector<Json> nodes_named(Session& session, const std::vector<std::string>& args) {
  std::vector<Json> out;
  const Flags& f = session.flags();
  if (f.given("selector")) {
    for (auto& n : session.api().list(client::resources::kNodes, "", {.label_selector = f.str("selector")}).value("items", Json::array())) out.push_back(n);
    return out;
  }
  for (auto a : args) {
    if (auto slash = a.find('/'); slash != std::string::npos) a = a.substr(slash + 1);
    out.push_back(session.api().get(client::resources::kNodes, "", a));
  }
  return out;
}

int set_unschedulable(Session& session, bool cordon) {
  std::string mode = dry_run_mode(session.flags());
  auto nodes = nodes_named(session, session.flags().positional());
  if (nodes.empty() && !session.flags().given("selector")) throw UsageError("USAGE: " + std::string(cordon ? "cordon" : "uncordon") + " NODE [flags]");
  for (const auto& node : nodes) {
    bool is = node.value("spec", Json::object()).value("unschedulable", false);
    std::string name = object::name_of(node);
    if (is == cordon) {
      std::cout << "node/" << name << " already " << (cordon ? "cordoned" : "uncordoned") << "\n";
      continue;
    }
    if (mode != "client") {
      client::PatchOptions po;
      if (mode == "server") po.dry_run = {"All"};
      Json patch = {{"spec", {{"unschedulable", cordon ? Json(true) : Json(nullptr)}}}};
      session.api().patch(client::resources::kNodes, "", name, client::PatchType::strategic, patch, po);
    }
    std::cout << "node/" << name << " " << (cordon ? "cordoned" : "uncordoned") << dry_run_suffix(mode) << "\n";
  }
  return 0;
}

int run_cordon(Session& session) { return set_unschedulable(session, true); }
int run_uncordon(Session& session) { return set_unschedulable(session, false); }

int run_taint(Session& session) {
  const Flags& f = session.flags();
  const auto& args = f.positional();
  if (args.size() < 2) throw CommandError("at least one taint update is required");
  std::vector<std::string> node_args;
  std::vector<Json> add;
  std::vector<std::pair<std::string, std::string>> remove;  // key, effect ("" = any)
  std::size_t i = 0;
  // The resource: "nodes x" / "node/x" / "nodes --all".
  std::string type = args[0];
  if (type.find('/') != std::string::npos) {
    node_args.push_back(type);
    i = 1;
  } else {
    auto info = session.resource(type);
    if (info.gvr != client::resources::kNodes) throw CommandError("invalid resource type " + type + ", only nodes are supported");
    i = 1;
    if (!f.boolean("all") && !f.given("selector")) node_args.push_back(args[i++]);
  }
  for (; i < args.size(); ++i) {
    std::string spec = args[i];
    bool removing = !spec.empty() && spec.back() == '-';
    if (removing) spec.pop_back();
    std::string key = spec, value, effect;
    if (auto colon = spec.find(':'); colon != std::string::npos) {
      effect = spec.substr(colon + 1);
      key = spec.substr(0, colon);
    }
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    }
    if (removing) {
      remove.push_back({key, effect});
      continue;
    }
    if (effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute") {
      throw CommandError("invalid taint spec: " + args[i] + ", unsupported taint effect " + effect);
    }
    Json t = {{"key", key}, {"effect", effect}};
    if (!value.empty()) t["value"] = value;
    add.push_back(t);
  }
  std::vector<Json> nodes;
  if (f.boolean("all")) {
    for (auto& n : session.api().list(client::resources::kNodes, "").value("items", Json::array())) nodes.push_back(n);
  } else {
    nodes = nodes_named(session, node_args);
  }
  for (const auto& node : nodes) {
    std::string name = object::name_of(node);
    Json taints = node.value("spec", Json::object()).value("taints", Json::array());
    Json updated = Json::array();
    bool removed_any = false;
    for (const auto& t : taints) {
      bool drop = false;
      for (const auto& [k, e] : remove) {
        if (t.value("key", "") == k && (e.empty() || t.value("effect", "") == e)) drop = true;
      }
      for (const auto& a : add) {
        if (t.value("key", "") == a["key"] && t.value("effect", "") == a["effect"]) {
          if (!f.boolean("overwrite")) {
            throw CommandError("node " + name + " already has " + a["key"].get<std::string>() +
                               " taint(s) with same effect(s) and --overwrite is false");
          }
          drop = true;
        }
      }
      if (drop) removed_any = true;
      else updated.push_back(t);
    }
    for (const auto& [k, e] : remove) {
      bool found = false;
      for (const auto& t : taints) found = found || (t.value("key", "") == k && (e.empty() || t.value("effect", "") == e));
      if (!found) throw CommandError("taint \"" + k + (e.empty() ? "" : ":" + e) + "\" not found");
    }
    for (const auto& a : add) updated.push_back(a);
    Json patch = {{"spec", {{"taints", updated.empty() ? Json(nullptr) : updated}}}};
    session.api().patch(client::resources::kNodes, "", name, client::PatchType::merge, patch);
    bool only_removed = add.empty() && removed_any;
    std::cout << "node/" << name << " " << (only_removed ? "untainted" : (add.empty() ? "untainted" : (removed_any && remove.size() ? "modified" : "tainted"))) << "\n";
  }
  return 0;
}

// ---- rollout -----------------------------------------------------------------------------

void add_rollout_flags(Flags& flags) {
  add_file_flags(flags);
  flags.add("selector", 'l', true);
  flags.add("field-manager", 0, true);
  flags.add("output", 'o', true);
  flags.add("watch", 'w', false, "true");
  flags.add("timeout", 0, true, "0s");
  flags.add("revision", 0, true, "0");
  flags.add("to-revision", 0, true, "0");
  flags.add("dry-run", 0, true, "none");
}

int rollout_patch(Session& session, const std::string& verb) {
  auto targets = resolve_targets(session, session.flags().positional());
  if (targets.empty()) {
    throw CommandError("required resource not specified");
  }
  int rc = 0;
  for (const auto& t : targets) {
    for (const auto& name : t.names) {
      std::string ns = t.info.namespaced ? session.namespace_() : "";
      Json current = session.api().get(t.info.gvr, ns, name);
      std::string shown = display_name(t.info, name);
      if (verb == "pause" || verb == "resume") {
        if (t.info.kind != "Deployment") {
          std::cerr << "error: " << shown << " " << (verb == "pause" ? "pausing" : "resuming") << " is not supported\n";
          rc = 1;
          continue;
        }
        bool paused = current.value("spec", Json::object()).value("paused", false);
        if ((verb == "pause") == paused) {
          std::cerr << "error: " << t.info.gvr.group_resource() << " \"" << name << "\" is "
                    << (paused ? "already paused" : "not paused") << "\n";
          rc = 1;
          continue;
        }
        Json patch = {{"spec", {{"paused", verb == "pause" ? Json(true) : Json(nullptr)}}}};
        session.api().patch(t.info.gvr, ns, name, client::PatchType::strategic, patch);
        std::cout << shown << " " << (verb == "pause" ? "paused" : "resumed") << "\n";
      } else {
        if (current.value("spec", Json::object()).value("paused", false)) {
          std::cerr << "error: can't restart paused " << t.info.kind.substr(0, 1) << "\n";
        }
        Json patch = {{"spec", {{"template", {{"metadata", {{"annotations", {{"kubectl.kubernetes.io/restartedAt",
                                                                             object::format_time(object::now())}}}}}}}}}};
        session.api().patch(t.info.gvr, ns, name, client::PatchType::strategic, patch);
        std::cout << shown << " restarted\n";
      }
    }
  }
  return rc;
}

int run_rollout_pause(Session& s) { return rollout_patch(s, "pause"); }
int run_rollout_resume(Session& s) { return rollout_patch(s, "resume"); }
int run_rollout_restart(Session& s) { return rollout_patch(s, "restart"); }

// One line of deployment rollout progress, or "" when done.
std::string deployment_status(const Json& d, bool& done) {
  done = false;
  const Json spec = d.value("spec", Json::object()), status = d.value("status", Json::object());
  std::string name = object::name_of(d);
  if (d["metadata"].value("generation", 0LL) > status.value("observedGeneration", 0LL)) {
    return "Waiting for deployment spec update to be observed...\n";
  }
  long long replicas = spec.value("replicas", 1LL);
  long long updated = status.value("updatedReplicas", 0LL), total = status.value("replicas", 0LL),
            available = status.value("availableReplicas", 0LL);
  if (updated < replicas) {
    return "Waiting for deployment \"" + name + "\" rollout to finish: " + std::to_string(updated) + " out of " +
           std::to_string(replicas) + " new replicas have been updated...\n";
  }
  if (total > updated) {
    return "Waiting for deployment \"" + name + "\" rollout to finish: " + std::to_string(total - updated) +
           " old replicas are pending termination...\n";
  }
  if (available < updated) {
    return "Waiting for deployment \"" + name + "\" rollout to finish: " + std::to_string(available) + " of " +
           std::to_string(updated) + " updated replicas are available...\n";
  }
  done = true;
  return "deployment \"" + name + "\" successfully rolled out\n";
}

int run_rollout_status(Session& session) {
  const Flags& f = session.flags();
  auto targets = resolve_targets(session, f.positional());
  if (targets.empty() || targets[0].names.empty()) throw CommandError("required resource not specified");
  auto timeout = parse_duration(f.str("timeout"));
  auto deadline = std::chrono::steady_clock::now() + (timeout.count() ? timeout : std::chrono::hours(24 * 365));
  for (const auto& t : targets) {
    for (const auto& name : t.names) {
      if (t.info.kind != "Deployment") throw CommandError("no status viewer has been implemented for " + t.info.kind);
      std::string ns = session.namespace_();
      std::string last;
      for (;;) {
        bool done = false;
        std::string line = deployment_status(session.api().get(t.info.gvr, ns, name), done);
        if (line != last) std::cout << line;
        last = line;
        if (done || !f.boolean("watch")) break;
        if (std::chrono::steady_clock::now() > deadline) throw CommandError("timed out waiting for the condition");
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
      }
    }
  }
  return 0;
}

// ---- wait --------------------------------------------------------------------------------

void add_wait_flags(Flags& flags) {
  add_file_flags(flags);
  flags.add("for", 0, true);
  flags.add("timeout", 0, true, "30s");
  flags.add("selector", 'l', true);
  flags.add("field-selector", 0, true);
  flags.add("all", 0, false);
  flags.add("all-namespaces", 'A', false);
  flags.add("output", 'o', true);
  flags.add("local", 0, false);
}

bool condition_met(const Json& object, const std::string& spec) {
  // spec: "condition=Ready", "condition=Ready=false", "jsonpath={.a}=b", "create"
  if (spec.rfind("condition=", 0) == 0) {
    std::string rest = spec.substr(10), want = "true";
    if (auto eq = rest.find('='); eq != std::string::npos) {
      want = rest.substr(eq + 1);
      rest = rest.substr(0, eq);
    }
    for (const auto& c : object.value("status", Json::object()).value("conditions", Json::array())) {
      std::string type = c.value("type", ""), status = c.value("status", "");
      auto lower = [](std::string s) {
        for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        return s;
      };
      if (lower(type) == lower(rest) && lower(status) == lower(want)) return true;
    }
    return false;
  }
  if (spec.rfind("jsonpath=", 0) == 0) {
    std::string rest = spec.substr(9);
    std::string path = rest, want;
    bool has_value = false;
    if (auto close = rest.rfind('}'); close != std::string::npos && close + 1 < rest.size() && rest[close + 1] == '=') {
      path = rest.substr(0, close + 1);
      want = rest.substr(close + 2);
      has_value = true;
    }
    if (!path.empty() && path[0] != '{') path = "{" + path + "}";
    Json values = JsonPath(path).execute_as_json(object);
    if (values.empty()) return false;
    if (!has_value) return true;
    return jsonpath_text(values[0]) == want;
  }
  return true;
}

int run_wait(Session& session) {
  const Flags& f = session.flags();
  std::string spec = f.str("for");
  if (spec.empty()) throw CommandError("--for must be specified");
  if (spec != "delete" && spec != "create" && spec.rfind("condition=", 0) != 0 && spec.rfind("jsonpath=", 0) != 0) {
    throw CommandError("unrecognized condition: \"" + spec + "\"");
  }
  auto timeout = parse_duration(f.str("timeout"));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string ns = session.namespace_();
  struct Item {
    client::ResourceInfo info;
    std::string name;
  };
  std::vector<Item> items;
  auto targets = resolve_targets(session, f.positional());
  for (const auto& t : targets) {
    if (t.names.empty()) {
      client::ListOptions lo{.label_selector = f.str("selector"), .field_selector = f.str("field-selector")};
      for (auto& o : session.api().list(t.info.gvr, t.info.namespaced ? ns : "", lo).value("items", Json::array())) {
        items.push_back({t.info, object::name_of(o)});
      }
      if (items.empty()) throw CommandError("no matching resources found");
    } else {
      for (const auto& n : t.names) items.push_back({t.info, n});
    }
  }
  if (items.empty()) throw CommandError("resource name may not be empty");
  int rc = 0;
  for (const auto& item : items) {
    std::string shown = display_name(item.info, item.name);
    std::string item_ns = item.info.namespaced ? ns : "";
    bool met = false;
    bool first_check = true;
    bool silent = false;  // --for=delete on something already gone prints nothing
    for (;;) {
      Json object;
      bool gone = false;
      try {
        object = session.api().get(item.info.gvr, item_ns, item.name);
      } catch (const client::ApiError& e) {
        if (!e.is_not_found()) throw;
        gone = true;
      }
      if (spec == "delete") {
        met = gone;
        silent = gone && first_check;
      } else if (gone && spec != "create") {
        if (timeout.count() == 0 || std::chrono::steady_clock::now() >= deadline) {
          std::cerr << "Error from server (NotFound): " << item.info.gvr.group_resource() << " \"" << item.name
                    << "\" not found\n";
          rc = 1;
          break;
        }
      } else if (!gone) {
        met = condition_met(object, spec);
      }
      first_check = false;
      if (met) break;
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    if (met) {
      if (!silent) std::cout << shown << " condition met\n";
    } else if (rc == 0) {
      std::cerr << "error: timed out waiting for the condition on " << item.info.gvr.group_resource() << "/"
                << item.name << "\n";
      rc = 1;
    }
  }
  return rc;
}

// ---- auth --------------------------------------------------------------------------------

// The auth commands always report impersonation flags without --as as a plain error.
void impersonation_config_as_plain_error(Session& session) {
  try {
    session.rest_config();
  } catch (const ExitError& e) {
    const std::string text = e.what();
    constexpr std::string_view kPrefix = "Error in configuration: ";
    if (text.rfind(kPrefix, 0) == 0 && text.find("without impersonating a user") != std::string::npos)
      throw ExitError("error: " + text.substr(kPrefix.size()), e.code());
    throw;
  }
}

void add_whoami_flags(Flags& flags) { flags.add("output", 'o', true); }

int run_whoami(Session& session) {
  impersonation_config_as_plain_error(session);
  Json review = {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "SelfSubjectReview"},
                 {"metadata", {{"creationTimestamp", nullptr}}}, {"status", {{"userInfo", Json::object()}}}};
  Json answer = session.api().request_json("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", review.dump());
  std::string output = session.flags().str("output");
  if (!output.empty()) {
    check_output_format(output);
    PrintOptions o;
    o.output = output;
    std::cout << print_objects({answer}, o, false);
    return 0;
  }
  Json user = answer.value("status", Json::object()).value("userInfo", Json::object());
  std::vector<std::vector<std::string>> rows = {{"ATTRIBUTE", "VALUE"}};
  if (user.contains("username")) rows.push_back({"Username", user["username"].get<std::string>()});
  if (user.contains("uid")) rows.push_back({"UID", user["uid"].get<std::string>()});
  if (user.contains("groups")) {
    std::string g = "[";
    for (std::size_t i = 0; i < user["groups"].size(); ++i) g += (i ? " " : "") + user["groups"][i].get<std::string>();
    rows.push_back({"Groups", g + "]"});
  }
  if (user.contains("extra")) {
    for (auto& [k, v] : user["extra"].items()) {
      std::string e = "[";
      for (std::size_t i = 0; i < v.size(); ++i) e += (i ? " " : "") + v[i].get<std::string>();
      rows.push_back({"Extra: " + k, e + "]"});
    }
  }
  std::cout << tabulate(rows);
  return 0;
}

void add_can_i_flags(Flags& flags) {
  flags.add("all-namespaces", 'A', false);
  flags.add("quiet", 'q', false);
  flags.add("list", 0, false);
  flags.add("no-headers", 0, false);
  flags.add("subresource", 0, true);
}

std::string bracketed(const Json& list) {
  std::string out = "[";
  bool first = true;
  for (const auto& v : list.is_array() ? list : Json::array()) {
    out += (first ? "" : " ") + (v.is_string() ? v.get<std::string>() : v.dump());
    first = false;
  }
  return out + "]";
}

// `auth can-i --list`: the SelfSubjectRulesReview's rules, one row per (group, resource),
// ordered as kubectl orders them (by the rule's printed form: verbs, groups, resources, ...).
int run_can_i_list(Session& session) {
  const Flags& f = session.flags();
  Json review = {{"apiVersion", "authorization.k8s.io/v1"},
                 {"kind", "SelfSubjectRulesReview"},
                 {"metadata", {{"creationTimestamp", nullptr}}},
                 {"spec", {{"namespace", session.namespace_()}}},
                 {"status", {{"resourceRules", nullptr}, {"nonResourceRules", nullptr}, {"incomplete", false}}}};
  Json answer =
      session.api().request_json("POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", review.dump());
  const Json status = answer.value("status", Json::object());
  std::vector<std::pair<std::string, std::vector<std::string>>> rows;  // sort key, cells
  for (const auto& rule : status.value("resourceRules", Json::array())) {
    const Json verbs = rule.value("verbs", Json::array()), names = rule.value("resourceNames", Json::array());
    const Json groups = rule.value("apiGroups", Json::array({""}));
    for (const auto& resource : rule.value("resources", Json::array())) {
      for (const auto& group : groups.empty() ? Json::array({""}) : groups) {
        const std::string r = resource.get<std::string>(), g = group.get<std::string>();
        const std::string key = "Verbs:" + bracketed(verbs) + ",APIGroups:" + bracketed(Json::array({g})) +
                                ",Resources:" + bracketed(Json::array({r})) + ",ResourceNames:" + bracketed(names) +
                                ",NonResourceURLs:[]";
        // The group goes before a subresource: deployments.apps/scale.
        const auto slash = r.find('/');
        const std::string shown = g.empty()                    ? r
                                  : slash == std::string::npos ? r + "." + g
                                                               : r.substr(0, slash) + "." + g + r.substr(slash);
        rows.push_back({key, {shown, "[]", bracketed(names), bracketed(verbs)}});
      }
    }
  }
  for (const auto& rule : status.value("nonResourceRules", Json::array())) {
    const Json verbs = rule.value("verbs", Json::array());
    for (const auto& url : rule.value("nonResourceURLs", Json::array())) {
      const std::string one = bracketed(Json::array({url}));
      rows.push_back({"Verbs:" + bracketed(verbs) + ",APIGroups:[],Resources:[],ResourceNames:[],NonResourceURLs:" + one,
                      {"", one, "[]", bracketed(verbs)}});
    }
  }
  // Rules granted twice are listed twice, as kubectl lists them.
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::vector<std::string>> table;
  if (!f.boolean("no-headers")) table.push_back({"Resources", "Non-Resource URLs", "Resource Names", "Verbs"});
  for (auto& [key, cells] : rows) table.push_back(cells);
  std::cout << tabulate(table);
  if (status.value("incomplete", false))
    std::cerr << "Warning: the list may be incomplete: " << status.value("evaluationError", "") << "\n";
  return 0;
}

int run_can_i(Session& session) {
  const Flags& f = session.flags();
  const auto& args = f.positional();
  impersonation_config_as_plain_error(session);
  if (f.boolean("list")) {
    if (f.boolean("quiet") || f.boolean("all-namespaces") || f.given("subresource"))
      throw ExitError("error: list option can't be specified with neither quiet, all-namespaces nor subresource options");
    return run_can_i_list(session);
  }
  if (args.size() < 2) throw UsageError("you must specify two arguments: verb resource or verb resource/resourceName.");
  std::string verb = args[0], target = args[1], name = args.size() > 2 ? args[2] : "";
  Json attributes;
  if (!target.empty() && target[0] == '/') {
    attributes = {{"nonResourceAttributes", {{"path", target}, {"verb", verb}}}};
  } else {
    if (auto slash = target.find('/'); slash != std::string::npos) {
      name = target.substr(slash + 1);
      target = target.substr(0, slash);
    }
    std::string group, resource = target;
    if (auto info = session.mapper().find(target)) {
      group = info->gvr.group;
      resource = info->gvr.resource;
    } else {
      std::cerr << "Warning: the server doesn't have a resource type '" << target << "'\n";
    }
    Json ra = {{"verb", verb}, {"resource", resource}, {"group", group}};
    if (!f.boolean("all-namespaces")) ra["namespace"] = session.namespace_();
    if (!name.empty()) ra["name"] = name;
    if (f.given("subresource")) ra["subresource"] = f.str("subresource");
    attributes = {{"resourceAttributes", ra}};
  }
  Json review = {{"apiVersion", "authorization.k8s.io/v1"}, {"kind", "SelfSubjectAccessReview"},
                 {"metadata", {{"creationTimestamp", nullptr}}}, {"spec", attributes}, {"status", {{"allowed", false}}}};
  Json answer = session.api().request_json("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review.dump());
  bool allowed = answer.value("status", Json::object()).value("allowed", false);
  if (!f.boolean("quiet")) std::cout << (allowed ? "yes" : "no") << "\n";
  return allowed ? 0 : 1;
}

}  // namespace

std::vector<CommandDef> ops_commands() {
  return {
      {"logs", add_logs_flags, run_logs},
      {"cordon", add_node_flags, run_cordon},
      {"uncordon", add_node_flags, run_uncordon},
      {"taint", add_node_flags, run_taint},
      {"rollout pause", add_rollout_flags, run_rollout_pause},
      {"rollout resume", add_rollout_flags, run_rollout_resume},
      {"rollout restart", add_rollout_flags, run_rollout_restart},
      {"rollout status", add_rollout_flags, run_rollout_status},
      {"wait", add_wait_flags, run_wait},
      {"auth whoami", add_whoami_flags, run_whoami},
      {"auth can-i", add_can_i_flags, run_can_i},
  };
}

}  // namespace k3s::kubectl
