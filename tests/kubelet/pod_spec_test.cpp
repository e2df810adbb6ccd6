#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "pod_spec.h"
#include "util/base64.h"

using namespace k3s::kubelet;

namespace {

Json sample_pod() {
  return Json::parse(R"JSON({
    "metadata": {"name": "web", "namespace": "shop", "uid": "u-1", "labels": {"app": "web"}, "annotations": {"a": "1"}},
    "spec": {
      "nodeName": "n1", "serviceAccountName": "sa",
      "containers": [{
        "name": "main", "image": "busybox:1", "command": ["sh", "-c", "echo $(GREETING)"], "args": ["$(MISSING)", "$$(ESC)"],
        "env": [
          {"name": "GREETING", "value": "hi $(POD)"},
          {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
          {"name": "LBL", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
          {"name": "CM", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k"}}},
          {"name": "SEC", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "p"}}},
          {"name": "OPT", "valueFrom": {"configMapKeyRef": {"name": "absent", "key": "k", "optional": true}}},
          {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}}
        ],
        "envFrom": [{"prefix": "X_", "configMapRef": {"name": "cfg"}}],
        "resources": {"requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "128Mi"}},
        "ports": [{"containerPort": 80, "hostPort": 8080}],
        "volumeMounts": [{"name": "data", "mountPath": "/data", "subPath": "sub"}]
      }]
    }
  })JSON");
}

ObjectSource objects() {
  ObjectSource source;
  source.config_map = [](const std::string& ns, const std::string& name) -> std::optional<Json> {
    if (ns == "shop" && name == "cfg") return Json{{"data", {{"k", "v"}, {"other", "o"}}}};
    return std::nullopt;
  };
  source.secret = [](const std::string& ns, const std::string& name) -> std::optional<Json> {
    if (ns == "shop" && name == "sec") return Json{{"data", {{"p", k3s::util::base64_encode("pw")}}}};
    return std::nullopt;
  };
  return source;
}

}  // namespace

TEST(ExpandVars, KubeletSemantics) {
  std::map<std::string, std::string> vars{{"A", "1"}};
  EXPECT_EQ(expand_vars("x$(A)y", vars), "x1y");
  EXPECT_EQ(expand_vars("$(B)", vars), "$(B)");
  EXPECT_EQ(expand_vars("$$(A)", vars), "$(A)");
  EXPECT_EQ(expand_vars("$", vars), "$");
}

TEST(ResolveEnv, AllSources) {
  Json pod = sample_pod();
  ContainerContext context;
  auto env = resolve_env(pod, pod["spec"]["containers"][0], context, objects());
  std::map<std::string, std::string> m(env.begin(), env.end());
  EXPECT_EQ(m["X_k"], "v");
  EXPECT_EQ(m["X_other"], "o");
  EXPECT_EQ(m["GREETING"], "hi $(POD)");  // POD is defined after GREETING
  EXPECT_EQ(m["POD"], "web");
  EXPECT_EQ(m["LBL"], "web");
  EXPECT_EQ(m["CM"], "v");
  EXPECT_EQ(m["SEC"], "pw");
  EXPECT_EQ(m["MEM"], "128");
  EXPECT_FALSE(m.count("OPT"));
}

TEST(ResolveEnv, MissingKeyIsAConfigError) {
  Json pod = sample_pod();
  Json container = {{"name", "c"}, {"env", Json::array({{{"name", "X"}, {"valueFrom", {{"configMapKeyRef", {{"name", "cfg"}, {"key", "nope"}}}}}}})}};
  ContainerContext context;
  try {
    resolve_env(pod, container, context, objects());
    FAIL();
  } catch (const ContainerConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "couldn't find key nope in ConfigMap shop/cfg");
  }
}

TEST(ContainerConfig, LabelsMountsResourcesAndCommand) {
  Json pod = sample_pod();
  ContainerContext context;
  context.attempt = 2;
  context.image_ref = "sha256:abc";
  context.volume_paths = {{"data", "/var/lib/kubelet/pods/u-1/volumes/kubernetes.io~empty-dir/data"}};
  context.hosts_file = "/var/lib/kubelet/pods/u-1/etc-hosts";
  auto config = build_container_config(pod, pod["spec"]["containers"][0], context, objects());
  EXPECT_EQ(config.metadata().name(), "main");
  EXPECT_EQ(config.metadata().attempt(), 2u);
  EXPECT_EQ(config.image().image(), "sha256:abc");
  EXPECT_EQ(config.log_path(), "main/2.log");
  EXPECT_EQ(config.labels().at("io.kubernetes.pod.uid"), "u-1");
  EXPECT_EQ(config.labels().at("io.kubernetes.container.name"), "main");
  EXPECT_EQ(config.annotations().at("io.kubernetes.container.restartCount"), "2");
  ASSERT_EQ(config.command_size(), 3);
  EXPECT_EQ(config.command(2), "echo hi $(POD)");
  EXPECT_EQ(config.args(0), "$(MISSING)");
  EXPECT_EQ(config.args(1), "$(ESC)");
  ASSERT_GE(config.mounts_size(), 2);
  EXPECT_EQ(config.mounts(0).container_path(), "/data");
  EXPECT_EQ(config.mounts(0).host_path(), "/var/lib/kubelet/pods/u-1/volumes/kubernetes.io~empty-dir/data/sub");
  EXPECT_EQ(config.mounts(1).container_path(), "/etc/hosts");
  const auto& r = config.linux().resources();
  EXPECT_EQ(r.cpu_shares(), 256);
  EXPECT_EQ(r.cpu_period(), 100000);
  EXPECT_EQ(r.cpu_quota(), 50000);
  EXPECT_EQ(r.memory_limit_in_bytes(), 128 * 1024 * 1024);
}

TEST(ContainerConfig, UnknownVolumeIsAConfigError) {
  Json pod = sample_pod();
  ContainerContext context;
  EXPECT_THROW(build_container_config(pod, pod["spec"]["containers"][0], context, objects()), ContainerConfigError);
}

TEST(SandboxConfig, ClusterFirstDnsPortsAndLabels) {
  char path[] = "/tmp/kubelet-resolv-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << "nameserver 1.1.1.1\nsearch corp.example\n";
  KubeletConfig config;
  config.cluster_dns = {"10.43.0.10"};
  Json pod = sample_pod();
  auto sandbox = build_sandbox_config(config, pod, 1, path);
  EXPECT_EQ(sandbox.metadata().attempt(), 1u);
  EXPECT_EQ(sandbox.hostname(), "web");
  EXPECT_EQ(sandbox.log_directory(), "/var/log/pods/shop_web_u-1");
  ASSERT_EQ(sandbox.dns_config().servers_size(), 1);
  EXPECT_EQ(sandbox.dns_config().servers(0), "10.43.0.10");
  ASSERT_EQ(sandbox.dns_config().searches_size(), 4);
  EXPECT_EQ(sandbox.dns_config().searches(0), "shop.svc.cluster.local");
  EXPECT_EQ(sandbox.dns_config().searches(3), "corp.example");
  EXPECT_EQ(sandbox.dns_config().options(0), "ndots:5");
  ASSERT_EQ(sandbox.port_mappings_size(), 1);
  EXPECT_EQ(sandbox.port_mappings(0).host_port(), 8080);
  EXPECT_EQ(sandbox.labels().at("app"), "web");
  EXPECT_EQ(sandbox.labels().at("io.kubernetes.pod.namespace"), "shop");

  pod["spec"]["hostNetwork"] = true;
  auto host = build_sandbox_config(config, pod, 0, path);
  EXPECT_EQ(host.dns_config().servers(0), "1.1.1.1");
  EXPECT_EQ(host.linux().security_context().namespace_options().network(), v1::NODE);
  std::remove(path);
}
