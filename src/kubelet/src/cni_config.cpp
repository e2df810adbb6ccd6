#include "cni_config.h"

#include <arpa/inet.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace k3s::kubelet {
namespace {

// The first host address of an IPv4 CIDR (the bridge's gateway address).
std::string gateway_of(const std::string& cidr) {
  auto slash = cidr.find('/');
  if (slash == std::string::npos) throw std::invalid_argument("invalid pod CIDR \"" + cidr + "\": no prefix length");
  in_addr address{};
  if (inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &address) != 1)
    throw std::invalid_argument("invalid pod CIDR \"" + cidr + "\": only IPv4 is supported");
  int prefix = -1;
  try {
    prefix = std::stoi(cidr.substr(slash + 1));
  } catch (const std::exception&) {
  }
  if (prefix < 0 || prefix > 30) throw std::invalid_argument("invalid pod CIDR \"" + cidr + "\": bad prefix length");
  uint32_t host = ntohl(address.s_addr);
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  in_addr gateway{htonl((host & mask) + 1)};
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &gateway, text, sizeof text);
  return text;
}

}  // namespace

std::string render_cni_conflist(const std::string& pod_cidr, const std::string& ipam_data_dir,
                                bool per_pod_masquerade) {
  using Json = nlohmann::json;
  Json bridge{{"type", "bridge"},
              {"bridge", "cni0"},
              {"isGateway", true},
              {"isDefaultGateway", true},
              {"ipMasq", per_pod_masquerade},
              {"hairpinMode", true},
              {"forceAddress", true},
              {"ipam",
               {{"type", "host-local"},
                {"dataDir", ipam_data_dir},
                // No ipam route: isDefaultGateway already installs the default route, and a
                // second 0.0.0.0/0 makes the bridge plugin fail with "file exists".
                {"ranges", Json::array({Json::array({{{"subnet", pod_cidr}, {"gateway", gateway_of(pod_cidr)}}})})}}}};
  // Loopback is not chained here: containerd's CRI brings up each pod's lo itself.
  Json conflist{{"cniVersion", "1.0.0"},
                {"name", "cbr0"},
                {"plugins", Json::array({bridge,
                                         {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}, {"snat", true}}})}};
  return conflist.dump(2) + "\n";
}

std::string write_cni_conflist(const std::string& conf_dir, const std::string& pod_cidr,
                               const std::string& ipam_data_dir, bool per_pod_masquerade) {
  namespace fs = std::filesystem;
  const std::string text = render_cni_conflist(pod_cidr, ipam_data_dir, per_pod_masquerade);
  fs::create_directories(conf_dir);
  const std::string path = conf_dir + "/10-k3s.conflist";
  {
    std::ifstream in(path);
    std::stringstream existing;
    existing << in.rdbuf();
    if (in && existing.str() == text) return path;
  }
  const std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + temp);
  }
  fs::rename(temp, path);
  return path;
}

}  // namespace k3s::kubelet
