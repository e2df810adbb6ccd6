#include <gtest/gtest.h>

#include "pod_info.h"
#include "resources.h"

namespace k3s::scheduler {
namespace {

using Json = nlohmann::json;

Json container(const std::string& cpu, const std::string& memory, bool sidecar = false) {
  Json c = {{"name", "c"}, {"image", "x"}};
  Json req = Json::object();
  if (!cpu.empty()) req["cpu"] = cpu;
  if (!memory.empty()) req["memory"] = memory;
  if (!req.empty()) c["resources"] = {{"requests", req}};
  if (sidecar) c["restartPolicy"] = "Always";
  return c;
}

TEST(PodRequests, SumsContainers) {
  Json spec = {{"containers", {container("100m", "1Gi"), container("250m", "512Mi")}}};
  auto r = compute_pod_requests(spec);
  EXPECT_EQ(r.requests.milli_cpu, 350);
  EXPECT_EQ(r.requests.memory, 1536LL * 1024 * 1024);
}

TEST(PodRequests, LargestInitContainerWinsWhenBigger) {
  Json spec = {{"containers", {container("100m", "128Mi")}}, {"initContainers", {container("2", ""), container("500m", "64Mi")}}};
  auto r = compute_pod_requests(spec);
  EXPECT_EQ(r.requests.milli_cpu, 2000);
  EXPECT_EQ(r.requests.memory, 128LL * 1024 * 1024);
}

TEST(PodRequests, SidecarsAddToContainersAndToLaterInitContainers) {
  // sidecar 200m runs beside the app (100m) and beside the init container after it (1).
  Json spec = {{"containers", {container("100m", "")}},
               {"initContainers", {container("200m", "", true), container("1", "")}}};
  auto r = compute_pod_requests(spec);
  EXPECT_EQ(r.requests.milli_cpu, 1200);
}

TEST(PodRequests, OverheadIsAdded) {
  Json spec = {{"containers", {container("100m", "100Mi")}}, {"overhead", {{"cpu", "250m"}, {"memory", "120Mi"}}}};
  auto r = compute_pod_requests(spec);
  EXPECT_EQ(r.requests.milli_cpu, 350);
  EXPECT_EQ(r.requests.memory, 220LL * 1024 * 1024);
}

TEST(PodRequests, NonZeroDefaultsForScoring) {
  Json spec = {{"containers", {container("", ""), container("300m", "")}}};
  auto r = compute_pod_requests(spec);
  EXPECT_EQ(r.requests.milli_cpu, 300);
  EXPECT_EQ(r.requests.memory, 0);
  EXPECT_EQ(r.non_zero_requests.milli_cpu, 400);
  EXPECT_EQ(r.non_zero_requests.memory, 2 * kDefaultMemoryRequest);
}

TEST(PodRequests, ExtendedResources) {
  Json c = {{"name", "c"}, {"resources", {{"requests", {{"nvidia.com/gpu", "2"}}}}}};
  auto r = compute_pod_requests({{"containers", {c}}});
  EXPECT_EQ(r.requests.scalar_value("nvidia.com/gpu"), 2);
}

TEST(PodInfo, BadQuantityIsReportedNotThrown) {
  Json p = {{"metadata", {{"name", "p"}, {"namespace", "d"}, {"uid", "u"}}},
            {"spec", {{"containers", {{{"name", "c"}, {"resources", {{"requests", {{"cpu", "lots"}}}}}}}}}}};
  auto info = parse_pod(p);
  EXPECT_NE(info->invalid_reason.find("invalid resource quantity"), std::string::npos) << info->invalid_reason;
}

TEST(PodInfo, ImageNamesNormalized) {
  EXPECT_EQ(normalize_image_name("nginx"), "docker.io/library/nginx:latest");
  EXPECT_EQ(normalize_image_name("rancher/pause:3.6"), "docker.io/rancher/pause:3.6");
  EXPECT_EQ(normalize_image_name("registry.k8s.io/pause:3.9"), "registry.k8s.io/pause:3.9");
  EXPECT_EQ(normalize_image_name("localhost:5000/app"), "localhost:5000/app:latest");
}

TEST(Tolerations, Matching) {
  Taint t{"k", "v", "NoSchedule"};
  EXPECT_TRUE((Toleration{"k", "Equal", "v", "NoSchedule"}.tolerates(t)));
  EXPECT_TRUE((Toleration{"k", "", "v", ""}.tolerates(t)));
  EXPECT_FALSE((Toleration{"k", "Equal", "w", ""}.tolerates(t)));
  EXPECT_TRUE((Toleration{"k", "Exists", "", ""}.tolerates(t)));
  EXPECT_TRUE((Toleration{"", "Exists", "", ""}.tolerates(t)));
  EXPECT_FALSE((Toleration{"k", "Exists", "", "NoExecute"}.tolerates(t)));
}

}  // namespace
}  // namespace k3s::scheduler
