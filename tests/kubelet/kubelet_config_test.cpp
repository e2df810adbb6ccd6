#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cni_config.h"
#include "host_info.h"
#include "kubelet/kubelet.h"
#include "node_status.h"

using namespace k3s::kubelet;

TEST(KubeletArgs, AppliesKnownFlagsAndIgnoresOthers) {
  KubeletConfig config;
  config.extra_args = {"max-pods=50", "--node-status-update-frequency=1m30s", "eviction-hard=memory.available<5%",
                       "cluster-dns=10.0.0.10,10.0.0.11", "node-labels=a=b,c=d"};
  apply_kubelet_args(config);
  EXPECT_EQ(config.max_pods, 50);
  EXPECT_EQ(config.node_status_update_frequency, std::chrono::seconds(90));
  EXPECT_EQ(config.cluster_dns, (std::vector<std::string>{"10.0.0.10", "10.0.0.11"}));
  EXPECT_EQ(config.node_labels, (std::vector<std::string>{"a=b", "c=d"}));
}

TEST(KubeletArgs, RejectsMalformedValuesWithOneLine) {
  KubeletConfig config;
  config.extra_args = {"max-pods=lots"};
  try {
    apply_kubelet_args(config);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("max-pods"), std::string::npos);
  }
  config.extra_args = {"no-equals-sign"};
  EXPECT_THROW(apply_kubelet_args(config), std::invalid_argument);
  config.extra_args = {"node-status-update-frequency=10parsecs"};
  EXPECT_THROW(apply_kubelet_args(config), std::invalid_argument);
}

TEST(KubeletArgs, ImageGarbageCollectionSettings) {
  KubeletConfig config;
  config.extra_args = {"image-gc-high-threshold=90", "image-gc-low-threshold=70", "image-minimum-gc-age=0s"};
  apply_kubelet_args(config);
  EXPECT_EQ(config.image_gc_high_threshold, 90);
  EXPECT_EQ(config.image_gc_low_threshold, 70);
  EXPECT_EQ(config.image_minimum_gc_age, std::chrono::seconds(0));
  KubeletConfig bad;
  bad.extra_args = {"image-gc-high-threshold=101"};
  EXPECT_THROW(apply_kubelet_args(bad), std::invalid_argument);
  KubeletConfig inverted;
  inverted.extra_args = {"image-gc-high-threshold=50", "image-gc-low-threshold=60"};
  EXPECT_THROW(apply_kubelet_args(inverted), std::invalid_argument);
}

TEST(NodeTaints, ParsesK3sSyntax) {
  auto t = parse_taint("dedicated=gpu:NoSchedule");
  EXPECT_EQ(t["key"], "dedicated");
  EXPECT_EQ(t["value"], "gpu");
  EXPECT_EQ(t["effect"], "NoSchedule");
  auto bare = parse_taint("maintenance:NoExecute");
  EXPECT_EQ(bare["key"], "maintenance");
  EXPECT_FALSE(bare.contains("value"));
  EXPECT_THROW(parse_taint("key=value"), std::invalid_argument);
  EXPECT_THROW(parse_taint("key=value:Sometimes"), std::invalid_argument);
}

TEST(NodeLabels, ControlPlaneRolesAndCustomLabels) {
  KubeletConfig config;
  config.node_name = "n1";
  config.control_plane = true;
  config.node_labels = {"team=a"};
  HostInfo host;
  host.architecture = "amd64";
  auto labels = node_labels(config, host);
  EXPECT_EQ(labels["node-role.kubernetes.io/control-plane"], "true");
  EXPECT_EQ(labels["node-role.kubernetes.io/master"], "true");
  EXPECT_EQ(labels["kubernetes.io/hostname"], "n1");
  EXPECT_EQ(labels["kubernetes.io/arch"], "amd64");
  EXPECT_EQ(labels["node.kubernetes.io/instance-type"], "k3s");
  EXPECT_EQ(labels["team"], "a");
  config.node_labels = {"=x"};
  EXPECT_THROW(node_labels(config, host), std::invalid_argument);
}

TEST(CniConfig, BridgeOnThePodCidrWithGatewayDotOne) {
  auto conf = nlohmann::json::parse(render_cni_conflist("10.42.3.0/24", "/var/lib/cni/networks", true));
  EXPECT_EQ(conf["cniVersion"], "1.0.0");
  const auto& bridge = conf["plugins"][0];
  EXPECT_EQ(bridge["type"], "bridge");
  EXPECT_EQ(bridge["bridge"], "cni0");
  EXPECT_TRUE(bridge["ipMasq"].get<bool>());
  EXPECT_TRUE(bridge["isDefaultGateway"].get<bool>());
  EXPECT_EQ(bridge["ipam"]["type"], "host-local");
  EXPECT_EQ(bridge["ipam"]["ranges"][0][0]["subnet"], "10.42.3.0/24");
  EXPECT_EQ(bridge["ipam"]["ranges"][0][0]["gateway"], "10.42.3.1");
  EXPECT_EQ(conf["plugins"][1]["type"], "portmap");
  EXPECT_THROW(render_cni_conflist("10.42.3.0", "", true), std::invalid_argument);
  EXPECT_THROW(render_cni_conflist("fd00::/64", "", true), std::invalid_argument);
}

TEST(CniConfig, NoPerPodMasqueradeWhenTheNodeMasquerades) {
  auto conf = nlohmann::json::parse(render_cni_conflist("10.42.3.0/24", "/var/lib/cni/networks", false));
  EXPECT_FALSE(conf["plugins"][0]["ipMasq"].get<bool>());
  EXPECT_EQ(conf["plugins"][0]["ipam"]["ranges"][0][0]["subnet"], "10.42.3.0/24");
}

TEST(HostInfo, ReadsTheHost) {
  auto info = read_host_info("/");
  EXPECT_GT(info.cpus, 0);
  EXPECT_GT(info.memory_bytes, 0);
  EXPECT_GT(info.ephemeral_storage_bytes, 0);
  EXPECT_FALSE(info.kernel_version.empty());
  EXPECT_FALSE(info.architecture.empty());
  EXPECT_FALSE(detect_node_ip().empty());
}
