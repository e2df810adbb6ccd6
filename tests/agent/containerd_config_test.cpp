#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/containerd.h"
#include "agent/images.h"

namespace fs = std::filesystem;
using namespace k3s::agent;

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/k3s-agentcfg-XXXXXX";
    path = mkdtemp(t);
  }
  ~TempDir() { fs::remove_all(path); }
};

ContainerdOptions options_in(const TempDir& dir) {
  ContainerdOptions o;
  o.data_dir = dir.path + "/data";
  o.state_dir = dir.path + "/run";
  o.private_registry = dir.path + "/registries.yaml";
  o.pause_image = "example.org/pause:1";
  o.snapshotter = "native";
  return o;
}

}  // namespace

TEST(ContainerdConfig, RendersK3sLayout) {
  TempDir dir;
  auto o = options_in(dir);
  auto text = write_containerd_config(o);
  EXPECT_EQ(text, read(o.data_dir + "/agent/etc/containerd/config.toml"));
  EXPECT_NE(text.find("version = 2\n"), std::string::npos);
  EXPECT_NE(text.find("root = \"" + o.data_dir + "/agent/containerd\""), std::string::npos);
  EXPECT_NE(text.find("state = \"" + dir.path + "/run\""), std::string::npos);
  EXPECT_NE(text.find("address = \"" + dir.path + "/run/containerd.sock\""), std::string::npos);
  EXPECT_NE(text.find("sandbox_image = \"example.org/pause:1\""), std::string::npos);
  EXPECT_NE(text.find("snapshotter = \"native\""), std::string::npos);
  EXPECT_NE(text.find("bin_dir = \"/usr/lib/cni\""), std::string::npos);
  EXPECT_NE(text.find("conf_dir = \"" + o.data_dir + "/agent/etc/cni/net.d\""), std::string::npos);
  EXPECT_NE(text.find("config_path = \"" + o.data_dir + "/agent/etc/containerd/certs.d\""), std::string::npos);
  EXPECT_TRUE(fs::is_directory(o.data_dir + "/agent/images"));
  EXPECT_TRUE(fs::is_directory(o.data_dir + "/agent/etc/cni/net.d"));
}

TEST(ContainerdConfig, RegistriesBecomeHostsFilesAndAuth) {
  TempDir dir;
  auto o = options_in(dir);
  std::ofstream(o.private_registry) << R"(
mirrors:
  docker.io:
    endpoint: ["https://mirror.example:5000"]
  "*":
    endpoint: ["http://catchall.example"]
configs:
  "mirror.example:5000":
    auth: {username: alice, password: "pa\"ss"}
    tls: {ca_file: /ca.pem}
  "private.example":
    tls: {insecure_skip_verify: true}
)";
  auto text = write_containerd_config(o);
  EXPECT_NE(text.find("[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"mirror.example:5000\".auth]\n"
                      "  username = \"alice\"\n  password = \"pa\\\"ss\""),
            std::string::npos)
      << text;
  auto certs = o.data_dir + "/agent/etc/containerd/certs.d";
  auto docker = read(certs + "/docker.io/hosts.toml");
  EXPECT_NE(docker.find("server = \"https://registry-1.docker.io\""), std::string::npos) << docker;
  EXPECT_NE(docker.find("[host.\"https://mirror.example:5000\"]\n  capabilities = [\"pull\", \"resolve\"]\n  ca = \"/ca.pem\""),
            std::string::npos)
      << docker;
  auto catchall = read(certs + "/_default/hosts.toml");
  EXPECT_NE(catchall.find("[host.\"http://catchall.example\"]"), std::string::npos);
  auto priv = read(certs + "/private.example/hosts.toml");
  EXPECT_NE(priv.find("server = \"https://private.example\"\nskip_verify = true"), std::string::npos) << priv;
  // The mirror endpoint's TLS is in its mirror's table, not a hosts file of its own.
  EXPECT_FALSE(fs::exists(certs + "/mirror.example:5000"));
  // The file holds credentials.
  EXPECT_EQ(fs::status(o.data_dir + "/agent/etc/containerd/config.toml").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST(ContainerdConfig, PrefixOnlyRewriteBecomesTheEndpointPath) {
  Registries r;
  r.mirrors["registry.example"] = {{"https://m.example:5443", "https://n.example/base/"}, {{"^(.*)$", "team/images/$1"}}};
  auto text = render_registry_hosts("registry.example", r);
  EXPECT_NE(text.find("[host.\"https://m.example:5443/v2/team/images\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
                      "  override_path = true\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("[host.\"https://n.example/base/v2/team/images\"]"), std::string::npos) << text;
  EXPECT_EQ(text.find(".rewrite]"), std::string::npos) << text;
}

TEST(ContainerdConfig, OtherRewritesStayARewriteTable) {
  Registries r;
  r.mirrors["docker.io"] = {{"https://m.example"}, {{"^rancher/(.*)", "mirror/rancher/$1"}}};
  auto text = render_registry_hosts("docker.io", r);
  EXPECT_NE(text.find("[host.\"https://m.example\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
                      "  [host.\"https://m.example\".rewrite]\n    \"^rancher/(.*)\" = \"mirror/rancher/$1\"\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("override_path"), std::string::npos) << text;
}

TEST(ContainerdConfig, RemovedRegistriesDisappearOnRewrite) {
  TempDir dir;
  auto o = options_in(dir);
  std::ofstream(o.private_registry) << "mirrors: {quay.io: {endpoint: [\"https://m.example\"]}}\n";
  write_containerd_config(o);
  auto certs = o.data_dir + "/agent/etc/containerd/certs.d";
  EXPECT_TRUE(fs::exists(certs + "/quay.io/hosts.toml"));
  fs::remove(o.private_registry);
  write_containerd_config(o);
  EXPECT_FALSE(fs::exists(certs + "/quay.io"));
}

TEST(ContainerdConfig, TemplateOverridesAndExtendsBase) {
  TempDir dir;
  auto o = options_in(dir);
  auto paths = containerd_paths(o);
  fs::create_directories(paths.config_dir);
  std::ofstream(paths.config_template) << "{{ template \"base\" . }}\n"
                                          "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.custom]\n"
                                          "  runtime_type = \"io.containerd.runc.v2\"\n"
                                          "# pause={{ .NodeConfig.AgentConfig.PauseImage }} "
                                          "root={{- .NodeConfig.Containerd.Root -}}  end\n";
  auto text = write_containerd_config(o);
  EXPECT_NE(text.find("version = 2\n"), std::string::npos);
  EXPECT_NE(text.find("runtimes.custom]"), std::string::npos);
  EXPECT_NE(text.find("# pause=example.org/pause:1 root=" + paths.root_dir + "end\n"), std::string::npos) << text;
}

TEST(ContainerdConfig, UnsupportedTemplateActionIsAnError) {
  TempDir dir;
  auto o = options_in(dir);
  auto paths = containerd_paths(o);
  fs::create_directories(paths.config_dir);
  std::ofstream(paths.config_template) << "{{ if .IsRunningInUserNS }}x{{ end }}";
  try {
    write_containerd_config(o);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("unsupported template action {{ if .IsRunningInUserNS }}"),
              std::string::npos)
        << e.what();
  }
  std::ofstream(paths.config_template) << "{{ template \"base\" . ";
  EXPECT_THROW(write_containerd_config(o), std::runtime_error);
}

TEST(ContainerdConfig, BadOptionsAreRejected) {
  ContainerdOptions o;
  o.data_dir = "";
  EXPECT_THROW(containerd_paths(o), std::invalid_argument);
  o.data_dir = "/tmp/x";
  o.snapshotter = "";
  EXPECT_THROW(render_containerd_config(o, {}), std::invalid_argument);
}

TEST(ContainerRuntimes, FoundWhereK3sLooksFirstHitWinning) {
  TempDir root;
  const auto touch = [&](const std::string& path) {
    fs::create_directories(fs::path(root.path + path).parent_path());
    std::ofstream(root.path + path) << "#!/bin/sh\n";
  };
  touch("/usr/local/bin/crun");
  touch("/usr/local/nvidia/toolkit/nvidia-container-runtime");  // the GPU operator's install
  touch("/usr/bin/nvidia-container-runtime");                    // loses to it
  fs::create_directories(root.path + "/opt/kwasm/bin/containerd-shim-spin-v1");  // a directory: skipped
  touch("/usr/bin/containerd-shim-spin-v1");
  auto found = find_container_runtimes(root.path + "/");
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found["crun"].binary, "/usr/local/bin/crun");
  EXPECT_EQ(found["crun"].runtime_type, "io.containerd.runc.v2");
  EXPECT_EQ(found["nvidia"].binary, "/usr/local/nvidia/toolkit/nvidia-container-runtime");
  EXPECT_EQ(found["spin"].binary, "/usr/bin/containerd-shim-spin-v1");
  EXPECT_EQ(found["spin"].runtime_type, "io.containerd.spin.v2");
  EXPECT_TRUE(find_container_runtimes(root.path + "/nowhere").empty());
}

TEST(ContainerRuntimes, RenderedAsHandlersWithTheChosenDefault) {
  TempDir dir;
  auto o = options_in(dir);
  auto text = render_containerd_config(o, {});
  EXPECT_EQ(text.find("default_runtime_name"), std::string::npos);  // containerd's runc
  o.runtimes["crun"] = {"io.containerd.runc.v2", "/usr/bin/crun"};
  o.default_runtime = "crun";
  o.systemd_cgroup = true;
  text = render_containerd_config(o, {});
  const std::string cri = "[plugins.\"io.containerd.grpc.v1.cri\".containerd";
  EXPECT_NE(text.find(cri + "]\n  snapshotter = \"native\"\n  default_runtime_name = \"crun\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find(cri + ".runtimes.\"crun\"]\n  runtime_type = \"io.containerd.runc.v2\"\n\n" + cri +
                      ".runtimes.\"crun\".options]\n  BinaryName = \"/usr/bin/crun\"\n  SystemdCgroup = true\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(cri + ".runtimes.runc]"), std::string::npos);  // runc stays available
}

TEST(ContainerRuntimes, UnknownDefaultRuntimeNamesWhatThereIs) {
  TempDir dir;
  auto o = options_in(dir);
  o.default_runtime = "runc";
  EXPECT_NO_THROW(check_default_runtime(o));
  o.default_runtime = "crun";
  try {
    check_default_runtime(o);
    FAIL() << "crun is not among the runtimes";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "--default-runtime crun: no such container runtime on this node (available: runc)");
  }
  o.runtimes["crun"] = {"io.containerd.runc.v2", "/usr/bin/crun"};
  EXPECT_NO_THROW(check_default_runtime(o));
}

TEST(ContainerRuntimes, CrunOnAHybridCgroupHostWithV2ControllersIsAProblem) {
  TempDir root;
  EXPECT_EQ(runtime_host_problem("crun", root.path), "");  // cgroup v2 only: no unified/ mount
  fs::create_directories(root.path + "/sys/fs/cgroup/unified");
  std::ofstream(root.path + "/sys/fs/cgroup/unified/cgroup.controllers") << "\n";
  EXPECT_EQ(runtime_host_problem("crun", root.path), "");  // hybrid, but v2 holds no controller
  std::ofstream(root.path + "/sys/fs/cgroup/unified/cgroup.controllers") << "hugetlb\n";
  EXPECT_NE(runtime_host_problem("crun", root.path).find("(hugetlb in /sys/fs/cgroup/unified)"), std::string::npos);
  EXPECT_EQ(runtime_host_problem("nvidia", root.path), "");
  auto o = options_in(root);
  o.runtimes["crun"] = {"io.containerd.runc.v2", "/usr/bin/crun"};
  EXPECT_NO_THROW(check_runtimes_usable(o, root.path));  // only a warning while crun is not the default
  o.default_runtime = "crun";
  EXPECT_THROW(check_runtimes_usable(o, root.path), std::invalid_argument);
}

TEST(AirgapImages, RecognisesArchiveNames) {
  EXPECT_TRUE(is_airgap_image_file("k3s-airgap-images-amd64.tar"));
  EXPECT_TRUE(is_airgap_image_file("a.tar.gz"));
  EXPECT_TRUE(is_airgap_image_file("a.tar.zst"));
  EXPECT_FALSE(is_airgap_image_file("a.txt"));
  EXPECT_FALSE(is_airgap_image_file("a.tar.xz"));
  EXPECT_FALSE(is_airgap_image_file("tar"));
}
