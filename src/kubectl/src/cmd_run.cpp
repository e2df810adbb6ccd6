// kubectl run: one Pod from flags (and with --expose a ClusterIP Service in front of it),
// optionally attached to (-i/-t/--attach) and removed afterwards (--rm).
#include <iostream>
#include <regex>

#include "commands.h"
#include "output.h"

namespace k3s::kubectl {
namespace {

void add_run_flags(Flags& flags) {
  add_file_flags(flags);
  flags.add("image", 0, true);
  flags.add("image-pull-policy", 0, true);
  flags.add("restart", 0, true, "Always");
  flags.add("labels", 'l', true);
  flags.add("annotations", 0, true);
  flags.add("env", 0, true);
  flags.add("port", 0, true);
  flags.add("expose", 0, false);
  flags.add("command", 0, false);
  flags.add("privileged", 0, false);
  flags.add("overrides", 0, true);
  flags.add("override-type", 0, true, "merge");
  flags.add("stdin", 'i', false);
  flags.add("tty", 't', false);
  flags.add("attach", 0, false);
  flags.add("leave-stdin-open", 0, false);
  flags.add("rm", 0, false);
  flags.add("quiet", 'q', false);
  flags.add("pod-running-timeout", 0, true, "1m0s");
  flags.add("cascade", 0, true, "background");
  flags.add("force", 0, false);
  flags.add("grace-period", 0, true, "-1");
  flags.add("timeout", 0, true, "0s");
  flags.add("wait", 0, false);
  flags.add("output", 'o', true);
  flags.add("dry-run", 0, true, "none");
  flags.add("save-config", 0, false);
  flags.add("field-manager", 0, true, "kubectl-run");
  flags.add("template", 0, true);
  flags.add("show-managed-fields", 0, false);
  flags.add("allow-missing-template-keys", 0, false, "true");
}

// The docker reference grammar kubectl checks images against (name[:tag][@digest]).
bool valid_image_reference(const std::string& image) {
  static const std::regex re([] {
    const std::string alnum = "[a-z0-9]+";
    const std::string separator = "(?:[._]|__|[-]+)";
    const std::string path_component = alnum + "(?:" + separator + alnum + ")*";
    const std::string domain_component = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    const std::string host = "(?:" + domain_component + "(?:\\." + domain_component + ")*|\\[[a-fA-F0-9:]+\\])";
    const std::string domain = host + "(?::[0-9]+)?";
    const std::string name = "(?:" + domain + "/)?" + path_component + "(?:/" + path_component + ")*";
    const std::string tag = "[\\w][\\w.-]{0,127}";
    const std::string digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
    return "^" + name + "(?::" + tag + ")?(?:@" + digest + ")?$";
  }());
  return std::regex_match(image, re);
}

// The Pod kubectl run generates.
Json generate_pod(Session& session, const std::string& name, const std::vector<std::string>& extra_args) {
  const Flags& f = session.flags();
  Json container = {{"name", name}, {"image", f.str("image")}, {"resources", Json::object()}};
  if (!extra_args.empty()) container[f.boolean("command") ? "command" : "args"] = extra_args;
  Json env = Json::array();
  for (const auto& e : f.all("env")) {
    auto eq = e.find('=');
    if (eq == std::string::npos) throw CommandError("invalid env: " + e);
    env.push_back({{"name", e.substr(0, eq)}, {"value", e.substr(eq + 1)}});
  }
  if (!env.empty()) container["env"] = env;
  Json annotations = Json::object();
  for (const auto& a : f.all("annotations")) {
    auto eq = a.find('=');
    if (eq == std::string::npos) throw CommandError("invalid annotations format: " + a);
    annotations[a.substr(0, eq)] = a.substr(eq + 1);
  }
  Json labels = f.str("labels").empty() ? Json{{"run", name}} : parse_label_spec(f.str("labels"));
  if (!f.str("port").empty()) {
    container["ports"] = Json::array({{{"containerPort", parse_go_int(f.str("port"))}}});
  }
  if (!f.str("image-pull-policy").empty()) container["imagePullPolicy"] = f.str("image-pull-policy");
  if (f.boolean("stdin")) {
    container["stdin"] = true;
    container["stdinOnce"] = !f.boolean("leave-stdin-open");
  }
  if (f.boolean("tty")) container["tty"] = true;
  if (f.boolean("privileged")) container["securityContext"] = {{"privileged", true}};
  Json metadata = {{"name", name}, {"creationTimestamp", nullptr}, {"labels", labels}};
  if (!annotations.empty()) metadata["annotations"] = annotations;
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", metadata},
          {"spec", {{"containers", Json::array({container})}, {"dnsPolicy", "ClusterFirst"}, {"restartPolicy", f.str("restart")}}},
          {"status", Json::object()}};
}

int run_run(Session& session) {
  const Flags& f = session.flags();
  if (!f.given("image")) throw CommandError("required flag(s) \"image\" not set");
  const auto& positional = f.positional();
  if (positional.empty()) throw UsageError("NAME is required for run");
  const std::string name = positional[0];
  std::vector<std::string> extra(positional.begin() + 1, positional.end());
  extra.insert(extra.end(), f.after_dashes().begin(), f.after_dashes().end());

  const std::string image = f.str("image");
  if (!valid_image_reference(image)) throw CommandError("Invalid image name \"" + image + "\": invalid reference format");
  if (f.boolean("expose") && f.str("port").empty()) throw UsageError("--port must be set when exposing a service");
  const std::string restart = f.str("restart");
  if (restart != "Always" && restart != "OnFailure" && restart != "Never")
    throw UsageError("invalid restart policy: " + restart);
  const bool interactive = f.boolean("stdin");
  const bool tty = f.boolean("tty");
  if (tty && !interactive) throw UsageError("-i/--stdin is required for containers with -t/--tty=true");
  const std::string mode = dry_run_mode(f);
  const bool attach = f.given("attach") ? f.boolean("attach") : interactive;
  if (mode != "none" && (attach || interactive || tty))
    throw UsageError("--dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)");
  if (f.boolean("rm") && !attach) throw UsageError("--rm should only be used for attached containers");
  const std::string pull = f.str("image-pull-policy");
  if (!pull.empty() && pull != "Always" && pull != "IfNotPresent" && pull != "Never")
    throw UsageError("invalid image pull policy: " + pull);

  if (attach) throw CommandError("attaching to the pod (-i, -t, --attach) is not supported by this kubectl yet");

  Json pod = generate_pod(session, name, extra);
  if (!f.str("overrides").empty()) pod = apply_overrides(pod, f.str("overrides"), f.str("override-type"));

  std::string output = f.str("output");
  if (!output.empty()) check_output_format(output);
  const bool yaml_output = output == "yaml";
  auto pods = session.mapper().resource_for_kind("v1", "Pod");
  // kubectl creates the pod first (a refused pod leaves no service behind) but prints the
  // service first.
  Json created_pod = submit_generated(session, pod, pods.gvr, mode, true);
  if (f.boolean("expose")) {
    auto services = session.mapper().resource_for_kind("v1", "Service");
    const long long port = pod["spec"]["containers"][0]["ports"][0]["containerPort"].get<long long>();
    Json service = {{"apiVersion", "v1"},
                    {"kind", "Service"},
                    {"metadata", {{"name", name}, {"creationTimestamp", nullptr}}},
                    {"spec", {{"ports", Json::array({{{"port", port}, {"protocol", "TCP"}, {"targetPort", port}}})},
                              {"selector", pod["metadata"]["labels"]}}},
                    {"status", {{"loadBalancer", Json::object()}}}};
    Json created = submit_generated(session, service, services.gvr, mode, true);
    print_result(session, created, services, "created", mode);
    if (yaml_output) std::cout << "---\n---\n";
  }
  print_result(session, created_pod, pods, "created", mode);
  return 0;
}

}  // namespace

std::vector<CommandDef> run_commands() { return {{"run", add_run_flags, run_run}}; }

}  // namespace k3s::kubectl
