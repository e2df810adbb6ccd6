#include "pod_sync.h"

#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

#include "object/meta.h"
#include "pod_spec.h"
#include "probes.h"
#include "util/base64.h"
#include "volumes.h"

namespace k3s::kubelet {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr auto kInitialBackoff = std::chrono::seconds(10);
constexpr auto kMaxBackoff = std::chrono::seconds(300);

std::string pod_display(const Json& pod) {
  return pod["metadata"].value("name", "") + "_" + pod["metadata"].value("namespace", "") + "(" +
         pod["metadata"].value("uid", "") + ")";
}

int64_t now_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Events name the pod; the container is named in the message.
const Json& involved_container(const Json& pod, const std::string&) { return pod; }

std::vector<std::string> spec_names(const Json& list) {
  std::vector<std::string> names;
  for (const auto& c : list) names.push_back(c.value("name", ""));
  return names;
}

// The registry host an image reference pulls from (docker.io when none is named).
std::string registry_of(const std::string& image) {
  auto slash = image.find('/');
  if (slash == std::string::npos) return "docker.io";
  std::string first = image.substr(0, slash);
  if (first.find('.') == std::string::npos && first.find(':') == std::string::npos && first != "localhost")
    return "docker.io";
  return first;
}

}  // namespace

ObjectSource PodSyncer::object_source() {
  const auto getter = [this](const client::GroupVersionResource& gvr) {
    return [this, gvr](const std::string& ns, const std::string& name) -> std::optional<Json> {
      try {
        return ctx_.api.get(gvr, ns, name);
      } catch (const client::ApiError& e) {
        if (e.code() == 404) return std::nullopt;
        throw;
      }
    };
  };
  return {getter(client::resources::kConfigMaps), getter(client::resources::kSecrets)};
}

std::vector<ContainerInstance> PodSyncer::containers_of(const std::string& uid) {
  v1::ContainerFilter filter;
  (*filter.mutable_label_selector())[kPodUidLabel] = uid;
  std::vector<ContainerInstance> out;
  for (const auto& c : ctx_.runtime.list_containers(filter)) {
    ContainerInstance instance;
    instance.id = c.id();
    instance.name = c.metadata().name();
    instance.attempt = c.metadata().attempt();
    instance.state = c.state();
    instance.created_at = c.created_at();
    instance.image_ref = c.image_ref();
    try {
      auto status = ctx_.runtime.container_status(c.id()).status();
      instance.state = status.state();
      instance.exit_code = status.exit_code();
      instance.reason = status.reason();
      instance.message = status.message();
      instance.started_at = status.started_at();
      instance.finished_at = status.finished_at();
      if (!status.image_ref().empty()) instance.image_ref = status.image_ref();
    } catch (const cri::Error& e) {
      if (!e.not_found()) throw;
      continue;
    }
    out.push_back(instance);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.name != b.name ? a.name < b.name : a.attempt < b.attempt;
  });
  return out;
}

std::map<std::string, std::string> PodSyncer::volumes(const Json& pod, PodState& state) {
  VolumeSources sources;
  sources.objects = object_source();
  sources.node_ip = ctx_.node_ip();
  sources.pod_ip = state.pod_ip;
  sources.get = [this](const std::string& resource, const std::string& ns, const std::string& name) -> std::optional<Json> {
    try {
      return ctx_.api.get({"", "v1", resource}, ns, name);
    } catch (const client::ApiError& e) {
      if (e.code() == 404) return std::nullopt;
      throw;
    }
  };
  sources.request_token = [this, &state](const std::string& ns, const std::string& sa, const Json& pod,
                                         int64_t expiration, const std::string& audience) -> std::string {
    const std::string key = ns + "/" + sa + "|" + audience + "|" + std::to_string(expiration);
    const auto now = std::chrono::steady_clock::now();
    if (auto cached = state.tokens.find(key); cached != state.tokens.end() && now < cached->second.refresh_at)
      return cached->second.token;
    Json request{{"apiVersion", "authentication.k8s.io/v1"},
                 {"kind", "TokenRequest"},
                 {"metadata", {{"name", sa}, {"namespace", ns}}},
                 {"spec",
                  {{"expirationSeconds", expiration},
                   {"boundObjectRef",
                    {{"apiVersion", "v1"}, {"kind", "Pod"}, {"name", pod["metadata"].value("name", "")},
                     {"uid", pod["metadata"].value("uid", "")}}}}}};
    if (!audience.empty()) request["spec"]["audiences"] = Json::array({audience});
    client::WriteOptions options;
    options.subresource = "token";
    options.name = sa;
    try {
      Json answer = ctx_.api.create(client::resources::kServiceAccounts, request, options);
      std::string token = answer.value("status", Json::object()).value("token", "");
      if (token.empty()) throw VolumeError("serviceAccountToken: the API server returned no token");
      // The server may shorten the lifetime it was asked for; its expirationTimestamp says.
      auto lifetime = std::chrono::seconds(expiration);
      const std::string expires = answer.value("status", Json::object()).value("expirationTimestamp", "");
      if (auto at = object::parse_time(expires)) {
        const auto left = std::chrono::duration_cast<std::chrono::seconds>(*at - std::chrono::system_clock::now());
        if (left.count() > 0 && left < lifetime) lifetime = left;
      }
      state.tokens[key] = {token, now + lifetime * 8 / 10};
      return token;
    } catch (const client::ApiError& e) {
      throw VolumeError("serviceAccountToken: TokenRequest for " + ns + "/" + sa + " failed: " + e.what());
    }
  };
  return setup_volumes(ctx_.config, pod, sources);
}

bool PodSyncer::ensure_sandbox(const Json& pod, PodState& state) {
  const std::string uid = pod["metadata"].value("uid", "");
  v1::PodSandboxFilter filter;
  (*filter.mutable_label_selector())[kPodUidLabel] = uid;
  auto sandboxes = ctx_.runtime.list_pod_sandbox(filter);
  uint32_t attempts = 0;
  const v1::PodSandbox* ready = nullptr;
  for (const auto& s : sandboxes) {
    attempts = std::max(attempts, s.metadata().attempt() + 1);
    if (s.state() == v1::SANDBOX_READY && (!ready || s.created_at() > ready->created_at())) ready = &s;
  }
  if (ready) {
    if (state.sandbox_id != ready->id() || state.pod_ip.empty()) {
      state.sandbox_id = ready->id();
      auto status = ctx_.runtime.pod_sandbox_status(ready->id());
      state.pod_ip = status.status().network().ip();
    }
    return true;
  }
  if (!host_network(pod) && !ctx_.network_ready()) {
    state.waiting["*"] = {"ContainerCreating", "waiting for the node's pod network (spec.podCIDR)"};
    return false;
  }
  // A dead sandbox means every container of the pod restarts in a new one.
  for (const auto& s : sandboxes) {
    for (const auto& c : containers_of(uid)) {
      try {
        ctx_.runtime.remove_container(c.id);
      } catch (const std::exception&) {
      }
    }
    try {
      ctx_.runtime.stop_pod_sandbox(s.id());
      ctx_.runtime.remove_pod_sandbox(s.id());
    } catch (const std::exception& e) {
      spdlog::warn("kubelet: removing dead sandbox {}: {}", s.id(), e.what());
    }
  }
  fs::create_directories(pod_log_directory(ctx_.config, pod));
  auto config = build_sandbox_config(ctx_.config, pod, attempts, ctx_.resolv_conf);
  const std::string handler = runtime_handler(pod, state);
  const auto sandbox_start = std::chrono::steady_clock::now();
  try {
    state.sandbox_id = ctx_.runtime.run_pod_sandbox(config, handler, std::chrono::minutes(4));
    spdlog::debug("kubelet: sandbox of pod {} ready in {} ms", pod_display(pod),
                  std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sandbox_start)
                      .count());
  } catch (const cri::Error& e) {
    ctx_.events.event(pod, client::kEventTypeWarning, "FailedCreatePodSandBox",
                      std::string("Failed to create pod sandbox: ") + e.what());
    state.waiting["*"] = {"ContainerCreating", ""};
    throw;
  }
  auto status = ctx_.runtime.pod_sandbox_status(state.sandbox_id);
  state.pod_ip = status.status().network().ip();
  const std::string dir = pod_dir(ctx_.config, uid);
  fs::create_directories(dir);
  std::ofstream(dir + "/etc-hosts", std::ios::trunc) << render_hosts_file(pod, state.pod_ip);
  state.started_seen.clear();
  return true;
}

std::string PodSyncer::runtime_handler(const Json& pod, PodState& state) {
  const Json& spec = pod["spec"];
  const std::string name = spec.contains("runtimeClassName") && spec["runtimeClassName"].is_string()
                               ? spec["runtimeClassName"].get<std::string>()
                               : "";
  if (name.empty()) return "";  // the runtime's default handler
  std::string failure;
  try {
    return ctx_.api.get(client::resources::kRuntimeClasses, "", name).value("handler", "");
  } catch (const client::ApiError& e) {
    // Worded as the kubelet's RuntimeClass manager words a lister miss.
    failure = e.code() == 404 ? "runtimeclass.node.k8s.io \"" + name + "\" not found"
                              : "failed to lookup RuntimeClass " + name + ": " + e.what();
  }
  ctx_.events.event(pod, client::kEventTypeWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: " + failure);
  state.waiting["*"] = {"ContainerCreating", ""};
  throw std::runtime_error(failure);
}

v1::AuthConfig PodSyncer::auth_for(const Json& pod, const std::string& image) {
  v1::AuthConfig auth;
  const std::string ns = pod["metadata"].value("namespace", "");
  const std::string registry = registry_of(image);
  auto secrets = object_source().secret;
  for (const auto& ref : pod["spec"].value("imagePullSecrets", Json::array())) {
    auto secret = secrets(ns, ref.value("name", ""));
    if (!secret) continue;
    const Json data = secret->value("data", Json::object());
    std::string text;
    if (data.contains(".dockerconfigjson")) text = util::base64_decode(data[".dockerconfigjson"].get<std::string>());
    else if (data.contains(".dockercfg")) text = "{\"auths\":" + util::base64_decode(data[".dockercfg"].get<std::string>()) + "}";
    Json config = Json::parse(text, nullptr, false);
    if (config.is_discarded()) continue;
    const Json auths = config.value("auths", Json::object());
    for (const auto& [server, entry] : auths.items()) {
      std::string host = server;
      for (const char* prefix : {"https://", "http://"})
        if (host.rfind(prefix, 0) == 0) host = host.substr(std::string(prefix).size());
      host = host.substr(0, host.find('/'));
      if (host == "index.docker.io" || host == "registry-1.docker.io") host = "docker.io";
      if (host != registry) continue;
      auth.set_username(entry.value("username", ""));
      auth.set_password(entry.value("password", ""));
      auth.set_auth(entry.value("auth", ""));
      auth.set_server_address(server);
      return auth;
    }
  }
  return auth;
}

std::optional<std::string> PodSyncer::ensure_image(const Json& pod, const Json& container, PodState& state) {
  const std::string name = container.value("name", "");
  const std::string image = container.value("image", "");
  std::string policy = container.value("imagePullPolicy", "");
  if (policy.empty()) {
    const auto colon = image.rfind(':');
    const bool has_tag = colon != std::string::npos && image.find('/', colon) == std::string::npos;
    policy = (!has_tag || image.substr(colon + 1) == "latest") && image.find('@') == std::string::npos ? "Always" : "IfNotPresent";
  }
  if (policy != "Always") {
    auto status = ctx_.runtime.image_status(image);
    if (status.has_image() && !status.image().id().empty()) return status.image().id();
    if (policy == "Never") {
      state.waiting[name] = {"ErrImageNeverPull",
                             "Container image \"" + image + "\" is not present with pull policy of Never"};
      return std::nullopt;
    }
  }
  ctx_.events.event(involved_container(pod, name), client::kEventTypeNormal, "Pulling", "Pulling image \"" + image + "\"");
  try {
    v1::AuthConfig auth = auth_for(pod, image);
    const bool has_auth = !auth.username().empty() || !auth.auth().empty();
    auto begin = std::chrono::steady_clock::now();
    std::string ref = ctx_.runtime.pull_image(image, has_auth ? &auth : nullptr);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin);
    ctx_.events.event(involved_container(pod, name), client::kEventTypeNormal, "Pulled",
                      "Successfully pulled image \"" + image + "\" in " + std::to_string(took.count()) + "ms");
    return ref;
  } catch (const cri::Error& e) {
    const std::string message = "Failed to pull image \"" + image + "\": " + e.what();
    ctx_.events.event(involved_container(pod, name), client::kEventTypeWarning, "Failed", message);
    auto previous = state.waiting.find(name);
    const bool repeated = previous != state.waiting.end() &&
                          (previous->second.first == "ErrImagePull" || previous->second.first == "ImagePullBackOff");
    state.waiting[name] = {repeated ? "ImagePullBackOff" : "ErrImagePull",
                           repeated ? "Back-off pulling image \"" + image + "\": " + message : message};
    return std::nullopt;
  }
}

bool PodSyncer::start_container(const Json& pod, const Json& container, PodState& state, uint32_t attempt,
                                 const std::map<std::string, std::string>& volume_paths) {
  const std::string name = container.value("name", "");
  auto image_ref = ensure_image(pod, container, state);
  if (!image_ref) return false;
  ContainerContext context;
  context.node_ip = ctx_.node_ip();
  context.pod_ip = state.pod_ip;
  if (!state.pod_ip.empty()) context.pod_ips = {state.pod_ip};
  context.image_ref = *image_ref;
  context.attempt = attempt;
  context.volume_paths = volume_paths;
  const std::string dir = pod_dir(ctx_.config, state.uid);
  context.hosts_file = dir + "/etc-hosts";
  if (!fs::exists(context.hosts_file)) std::ofstream(context.hosts_file) << render_hosts_file(pod, state.pod_ip);
  const std::string termination_dir = dir + "/containers/" + name;
  fs::create_directories(termination_dir);
  context.termination_log = termination_dir + "/" + std::to_string(attempt);
  std::ofstream(context.termination_log, std::ios::trunc).flush();
  try {
    auto sandbox_config = build_sandbox_config(ctx_.config, pod, 0, ctx_.resolv_conf);
    v1::ContainerConfig config;
    try {
      config = build_container_config(pod, container, context, object_source());
    } catch (const ContainerConfigError& e) {
      state.waiting[name] = {"CreateContainerConfigError", e.what()};
      ctx_.events.event(involved_container(pod, name), client::kEventTypeWarning, "Failed",
                        std::string("Error: ") + e.what());
      return false;
    }
    fs::create_directories(pod_log_directory(ctx_.config, pod) + "/" + name);
    const auto create_start = std::chrono::steady_clock::now();
    const std::string id = ctx_.runtime.create_container(state.sandbox_id, config, sandbox_config);
    const auto created_at = std::chrono::steady_clock::now();
    ctx_.events.event(involved_container(pod, name), client::kEventTypeNormal, "Created", "Created container " + name);
    ctx_.runtime.start_container(id);
    spdlog::debug("kubelet: container {} of pod {}: created in {} ms, started in {} ms", name, pod_display(pod),
                  std::chrono::duration_cast<std::chrono::milliseconds>(created_at - create_start).count(),
                  std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - created_at)
                      .count());
    ctx_.events.event(involved_container(pod, name), client::kEventTypeNormal, "Started", "Started container " + name);
    state.waiting.erase(name);
    state.started_seen[id] = std::chrono::steady_clock::now();
    state.liveness.erase(name);
    state.readiness.erase(name);
    state.startup.erase(name);
    if (container.contains("lifecycle") && container["lifecycle"].contains("postStart")) {
      auto result = run_probe(ctx_.runtime, id, state.pod_ip, container, container["lifecycle"]["postStart"]);
      if (!result.success) {
        ctx_.events.event(involved_container(pod, name), client::kEventTypeWarning, "FailedPostStartHook", result.message);
        kill_container(pod, &container, {id, name, attempt}, 0, "FailedPostStartHook");
      }
    }
    return true;
  } catch (const cri::Error& e) {
    state.waiting[name] = {"RunContainerError", e.what()};
    ctx_.events.event(involved_container(pod, name), client::kEventTypeWarning, "Failed", std::string("Error: ") + e.what());
    return false;
  }
}

bool PodSyncer::backoff_allows(const Json& pod, const std::string& name, const ContainerInstance& last,
                               PodState& state) {
  auto& backoff = state.backoff[name];
  // A container that ran long and well forgets its past failures.
  if (last.started_at > 0 && last.finished_at - last.started_at > std::chrono::nanoseconds(2 * kMaxBackoff).count())
    backoff = {};
  if (backoff.delay.count() == 0) {
    backoff = {kInitialBackoff, last.finished_at};
    return true;
  }
  if (backoff.last_finished_at != last.finished_at) {
    const int64_t ready_at = last.finished_at + std::chrono::nanoseconds(backoff.delay).count();
    if (now_nanos() < ready_at) {
      const std::string message = "back-off " + std::to_string(backoff.delay.count()) +
                                  "s restarting failed container=" + name + " pod=" + pod_display(pod);
      if (state.waiting[name].first != "CrashLoopBackOff")
        ctx_.events.event(involved_container(pod, name), client::kEventTypeWarning, "BackOff",
                          "Back-off restarting failed container " + name + " in pod " + pod_display(pod));
      state.waiting[name] = {"CrashLoopBackOff", message};
      return false;
    }
    backoff = {std::min(backoff.delay * 2, kMaxBackoff), last.finished_at};
    return true;
  }
  return true;
}

void PodSyncer::kill_container(const Json& pod, const Json* container, const ContainerInstance& instance,
                               int64_t grace, const std::string& reason) {
  if (container && container->contains("lifecycle") && (*container)["lifecycle"].contains("preStop")) {
    auto result = run_probe(ctx_.runtime, instance.id, "", *container, (*container)["lifecycle"]["preStop"]);
    if (!result.success)
      ctx_.events.event(involved_container(pod, instance.name), client::kEventTypeWarning, "FailedPreStopHook", result.message);
  }
  ctx_.events.event(involved_container(pod, instance.name), client::kEventTypeNormal, "Killing",
                    "Stopping container " + instance.name + (reason.empty() ? "" : " (" + reason + ")"));
  try {
    ctx_.runtime.stop_container(instance.id, grace);
  } catch (const cri::Error& e) {
    if (!e.not_found()) spdlog::warn("kubelet: stopping container {}: {}", instance.id, e.what());
  }
}

void PodSyncer::run_probes(const Json& pod, const Json& container, const ContainerInstance& instance, PodState& state) {
  const std::string name = container.value("name", "");
  const auto now = std::chrono::steady_clock::now();
  auto seen = state.started_seen.find(instance.id);
  if (seen == state.started_seen.end()) seen = state.started_seen.emplace(instance.id, now).first;
  const auto since_start = now - seen->second;
  const auto evaluate = [&](const char* kind, std::map<std::string, ProbeState>& states, bool default_passing) {
    if (!container.contains(kind)) return std::optional<bool>();
    const Json& probe = container[kind];
    auto& ps = states[name];
    if (since_start < std::chrono::seconds(probe.value("initialDelaySeconds", 0))) return std::optional<bool>(default_passing && ps.passing);
    if (now < ps.next) return std::optional<bool>(ps.passing);
    ps.next = now + std::chrono::seconds(std::max(1, probe.value("periodSeconds", 10)));
    auto result = run_probe(ctx_.runtime, instance.id, state.pod_ip, container, probe);
    if (result.success) {
      ps.failures = 0;
      if (++ps.successes >= std::max(1, probe.value("successThreshold", 1))) ps.passing = true;
    } else {
      ps.successes = 0;
      ctx_.events.event(involved_container(pod, name), client::kEventTypeWarning, "Unhealthy",
                        std::string(kind == std::string("livenessProbe") ? "Liveness" : kind == std::string("readinessProbe") ? "Readiness" : "Startup") +
                            " probe failed: " + result.message);
      if (++ps.failures >= std::max(1, probe.value("failureThreshold", 3))) ps.passing = false;
    }
    return std::optional<bool>(ps.passing);
  };
  // Startup gates the others; a startup probe that keeps failing restarts the container.
  if (container.contains("startupProbe")) {
    auto& ps = state.startup[name];
    if (!ps.passing) {
      evaluate("startupProbe", state.startup, false);
      if (!ps.passing) {
        if (ps.failures >= std::max(1, container["startupProbe"].value("failureThreshold", 3))) {
          kill_container(pod, &container, instance, pod["spec"].value("terminationGracePeriodSeconds", 30),
                         "failed startup probe, will be restarted");
          ps = {};
        }
        return;
      }
    }
  }
  if (container.contains("livenessProbe")) {
    auto& ps = state.liveness[name];
    if (ps.successes == 0 && ps.failures == 0 && ps.next == SteadyTime{}) ps.passing = true;
    evaluate("livenessProbe", state.liveness, true);
    if (!ps.passing) {
      kill_container(pod, &container, instance, pod["spec"].value("terminationGracePeriodSeconds", 30),
                     "failed liveness probe, will be restarted");
      ps = {};
    }
  }
  if (container.contains("readinessProbe")) evaluate("readinessProbe", state.readiness, false);
}

std::chrono::milliseconds PodSyncer::sync(const Json& pod, PodState& state) {
  const Json& spec = pod["spec"];
  state.uid = pod["metadata"].value("uid", "");
  if (state.start_time.empty()) state.start_time = object::format_time(object::now());
  const std::string restart_policy = spec.value("restartPolicy", "Always");
  const std::string old_phase = pod.value("status", Json::object()).value("phase", "");
  std::chrono::milliseconds next = 10s;

  if (old_phase == "Succeeded" || old_phase == "Failed") {
    // Finished pods keep their containers (for logs) but release the sandbox.
    if (!state.terminated) {
      for (const auto& c : containers_of(state.uid))
        if (c.state == v1::CONTAINER_RUNNING) kill_container(pod, nullptr, c, 0, "");
      v1::PodSandboxFilter filter;
      (*filter.mutable_label_selector())[kPodUidLabel] = state.uid;
      for (const auto& s : ctx_.runtime.list_pod_sandbox(filter)) ctx_.runtime.stop_pod_sandbox(s.id());
      state.terminated = true;
    }
    return 60s;
  }

  std::map<std::string, std::string> volume_paths;
  try {
    volume_paths = volumes(pod, state);
    state.volume_error.clear();
  } catch (const std::exception& e) {
    if (state.volume_error != e.what())
      ctx_.events.event(pod, client::kEventTypeWarning, "FailedMount", e.what());
    state.volume_error = e.what();
    post_status(pod, state, compute_pod_status(pod, state, containers_of(state.uid), ctx_.node_ip(), false));
    return 2s;
  }

  bool sandbox_ready = false;
  try {
    sandbox_ready = ensure_sandbox(pod, state);
  } catch (const std::exception& e) {
    spdlog::warn("kubelet: pod {}: sandbox: {}", pod_display(pod), e.what());
  }
  if (!sandbox_ready) {
    post_status(pod, state, compute_pod_status(pod, state, {}, ctx_.node_ip(), false));
    return 2s;
  }
  state.waiting.erase("*");

  auto containers = containers_of(state.uid);
  const auto latest_of = [&](const std::string& name) -> const ContainerInstance* {
    const ContainerInstance* latest = nullptr;
    for (const auto& c : containers)
      if (c.name == name && (!latest || c.attempt >= latest->attempt)) latest = &c;
    return latest;
  };
  bool changed = false;

  // Init containers, strictly in order.
  bool initialized = true;
  for (const auto& init : spec.value("initContainers", Json::array())) {
    const std::string name = init.value("name", "");
    const ContainerInstance* latest = latest_of(name);
    if (latest && latest->state == v1::CONTAINER_EXITED && latest->exit_code == 0) continue;
    initialized = false;
    if (latest && (latest->state == v1::CONTAINER_RUNNING || latest->state == v1::CONTAINER_CREATED)) {
      next = 1s;
      break;
    }
    if (latest && latest->state == v1::CONTAINER_EXITED) {
      if (restart_policy == "Never") break;  // the pod has failed
      if (!backoff_allows(pod, name, *latest, state)) {
        next = 1s;
        break;
      }
    }
    changed |= start_container(pod, init, state, latest ? latest->attempt + 1 : 0, volume_paths);
    next = 1s;
    break;
  }

  if (initialized) {
    for (const auto& container : spec.value("containers", Json::array())) {
      const std::string name = container.value("name", "");
      const ContainerInstance* latest = latest_of(name);
      if (latest && latest->state == v1::CONTAINER_RUNNING) {
        if (container.contains("livenessProbe") || container.contains("readinessProbe") || container.contains("startupProbe")) {
          run_probes(pod, container, *latest, state);
          next = std::min<std::chrono::milliseconds>(next, 1s);
        }
        continue;
      }
      if (latest && latest->state == v1::CONTAINER_CREATED) {
        try {
          ctx_.runtime.start_container(latest->id);
          changed = true;
        } catch (const std::exception& e) {
          state.waiting[name] = {"RunContainerError", e.what()};
        }
        continue;
      }
      if (latest && (latest->state == v1::CONTAINER_EXITED || latest->state == v1::CONTAINER_UNKNOWN)) {
        const bool restart = restart_policy == "Always" || (restart_policy == "OnFailure" && latest->exit_code != 0);
        if (!restart) continue;
        if (!backoff_allows(pod, name, *latest, state)) {
          next = std::min<std::chrono::milliseconds>(next, 1s);
          continue;
        }
        // Keep only the previous instance (for `logs --previous`); older ones go.
        for (const auto& c : containers)
          if (c.name == name && c.attempt < latest->attempt) {
            try {
              ctx_.runtime.remove_container(c.id);
            } catch (const std::exception&) {
            }
          }
      }
      changed |= start_container(pod, container, state, latest ? latest->attempt + 1 : 0, volume_paths);
      if (state.waiting.count(name)) next = std::min<std::chrono::milliseconds>(next, 2s);
    }
  }
  if (changed) containers = containers_of(state.uid);
  Json status = compute_pod_status(pod, state, containers, ctx_.node_ip(), true);
  post_status(pod, state, status);
  const std::string phase = status.value("phase", "");
  if (phase == "Succeeded" || phase == "Failed") next = 1s;  // release the sandbox promptly
  return next;
}

void PodSyncer::post_status(const Json& pod, PodState& state, const Json& status) {
  Json comparable = status;
  if (comparable == state.last_status) return;
  Json patch{{"status", status}};
  client::PatchOptions options;
  options.subresource = "status";
  try {
    ctx_.api.patch(client::resources::kPods, pod["metadata"].value("namespace", ""), pod["metadata"].value("name", ""),
                   client::PatchType::merge, patch, options);
    state.last_status = comparable;
  } catch (const client::ApiError& e) {
    if (e.code() != 404) spdlog::warn("kubelet: status update for pod {}: {}", pod_display(pod), e.what());
  } catch (const std::exception& e) {
    spdlog::warn("kubelet: status update for pod {}: {}", pod_display(pod), e.what());
  }
}

void PodSyncer::terminate(const Json& pod, PodState& state, int64_t grace_seconds, bool delete_object) {
  const std::string uid = pod["metadata"].value("uid", "");
  std::vector<std::thread> stoppers;
  const Json spec = pod.value("spec", Json::object());
  for (const auto& c : containers_of(uid)) {
    if (c.state != v1::CONTAINER_RUNNING) continue;
    const Json* container_spec = nullptr;
    for (const char* list : {"containers", "initContainers"}) {
      auto it = spec.find(list);
      if (it == spec.end() || !it->is_array()) continue;
      for (const auto& s : *it)
        if (s.value("name", "") == c.name) container_spec = &s;
    }
    // Containers stop in parallel, each with the whole grace period, as the kubelet does.
    stoppers.emplace_back([this, &pod, container_spec, c, grace_seconds] {
      kill_container(pod, container_spec, c, grace_seconds, "");
    });
  }
  for (auto& t : stoppers) t.join();
  v1::PodSandboxFilter filter;
  (*filter.mutable_label_selector())[kPodUidLabel] = uid;
  for (const auto& s : ctx_.runtime.list_pod_sandbox(filter)) {
    try {
      ctx_.runtime.stop_pod_sandbox(s.id());
    } catch (const std::exception& e) {
      spdlog::warn("kubelet: stopping sandbox {}: {}", s.id(), e.what());
    }
  }
  if (delete_object) {
    // The pod's final state, then the object itself.
    state.terminated = true;
    auto containers = containers_of(uid);
    Json status = compute_pod_status(pod, state, containers, ctx_.node_ip(), false);
    post_status(pod, state, status);
  }
  for (const auto& c : containers_of(uid)) {
    try {
      ctx_.runtime.remove_container(c.id);
    } catch (const std::exception&) {
    }
  }
  for (const auto& s : ctx_.runtime.list_pod_sandbox(filter)) {
    try {
      ctx_.runtime.remove_pod_sandbox(s.id());
    } catch (const std::exception& e) {
      spdlog::warn("kubelet: removing sandbox {}: {}", s.id(), e.what());
    }
  }
  teardown_pod_dir(ctx_.config, uid);
  if (delete_object) {
    client::DeleteOptions options;
    options.grace_period_seconds = 0;
    options.precondition_uid = uid;
    try {
      ctx_.api.remove(client::resources::kPods, pod["metadata"].value("namespace", ""), pod["metadata"].value("name", ""),
                      options);
    } catch (const client::ApiError& e) {
      if (e.code() != 404 && e.code() != 409) spdlog::warn("kubelet: deleting pod {}: {}", pod_display(pod), e.what());
    }
  }
  state.terminated = true;
  (void)spec_names;
}

}  // namespace k3s::kubelet
