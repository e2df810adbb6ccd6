#include <gtest/gtest.h>

#include "registry.h"
#include "tables.h"

using namespace k3s::apiserver;
using std::chrono::seconds;

TEST(Tables, HumanDurationMatchesKubectlSpelling) {
  EXPECT_EQ(human_duration(seconds(5)), "5s");
  EXPECT_EQ(human_duration(seconds(119)), "119s");
  EXPECT_EQ(human_duration(seconds(125)), "2m5s");
  EXPECT_EQ(human_duration(seconds(600)), "10m");
  EXPECT_EQ(human_duration(seconds(3 * 3600 + 60)), "3h1m");
  EXPECT_EQ(human_duration(seconds(30 * 3600)), "30h");
  EXPECT_EQ(human_duration(seconds(3 * 86400 + 7200)), "3d2h");
  EXPECT_EQ(human_duration(seconds(-5)), "<invalid>");
}

TEST(Tables, NamespaceAndConfigMapColumns) {
  Registry registry;
  register_builtin_types(registry);
  auto ns_type = registry.find("", "v1", "namespaces");
  Json ns = {{"metadata", {{"name", "dev"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}}, {"status", {{"phase", "Active"}}}};
  auto now = std::chrono::sys_days(std::chrono::year{2020} / 1 / 1) + std::chrono::minutes(3);
  Json table = build_table(*ns_type, {&ns}, IncludeObject::metadata, Json::object(), now);
  ASSERT_EQ(table["columnDefinitions"].size(), 3u);
  EXPECT_EQ(table["columnDefinitions"][1]["name"], "Status");
  EXPECT_EQ(table["rows"][0]["cells"], Json({"dev", "Active", "3m"}));
  EXPECT_EQ(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");

  auto cm_type = registry.find("", "v1", "configmaps");
  Json cm = {{"metadata", {{"name", "c"}}}, {"data", {{"a", "1"}, {"b", "2"}}}};
  Json cm_table = build_table(*cm_type, {&cm}, IncludeObject::none, Json::object(), now);
  EXPECT_EQ(cm_table["rows"][0]["cells"][1], 2);
  EXPECT_FALSE(cm_table["rows"][0].contains("object"));
}

namespace {

Json table_for(const char* group, const char* version, const char* resource, const Json& obj,
               std::chrono::system_clock::time_point now) {
  Registry registry;
  register_builtin_types(registry);
  auto type = registry.find(group, version, resource);
  EXPECT_TRUE(type) << resource;
  return build_table(*type, {&obj}, IncludeObject::none, Json::object(), now);
}

std::vector<std::string> column_names(const Json& table) {
  std::vector<std::string> names;
  for (const auto& c : table["columnDefinitions"]) names.push_back(c["name"]);
  return names;
}

const auto kNow = std::chrono::sys_days(std::chrono::year{2020} / 1 / 1) + std::chrono::hours(1);

}  // namespace

TEST(Tables, JobColumnsStatusCompletionsDuration) {
  Json job = {{"metadata", {{"name", "pi"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}},
              {"spec", {{"completions", 3}, {"selector", {{"matchLabels", {{"a", "b"}}}}},
                        {"template", {{"spec", {{"containers", {{{"name", "pi"}, {"image", "perl"}}}}}}}}}},
              {"status", {{"succeeded", 1}, {"startTime", "2020-01-01T00:00:00Z"}}}};
  Json t = table_for("batch", "v1", "jobs", job, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Status", "Completions", "Duration", "Age", "Containers",
                                                       "Images", "Selector"}));
  EXPECT_EQ(t["columnDefinitions"][5]["priority"], 1);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"pi", "Running", "1/3", "60m", "60m", "pi", "perl", "a=b"}));

  job["status"]["completionTime"] = "2020-01-01T00:00:09Z";
  job["status"]["conditions"] = {{{"type", "Complete"}, {"status", "True"}}};
  job["spec"].erase("completions");
  job["spec"]["parallelism"] = 2;
  t = table_for("batch", "v1", "jobs", job, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][1], "Complete");
  EXPECT_EQ(t["rows"][0]["cells"][2], "1/1 of 2");
  EXPECT_EQ(t["rows"][0]["cells"][3], "9s");

  Json odd = {{"metadata", {{"name", "odd"}}}, {"spec", {{"completions", "x"}, {"template", 5}}}, {"status", "bad"}};
  t = table_for("batch", "v1", "jobs", odd, kNow);
  EXPECT_EQ(t["rows"][0]["cells"], Json({"odd", "Running", "0/1", "", "<unknown>", "", "", "<none>"}));
}

TEST(Tables, CronJobColumns) {
  Json cj = {{"metadata", {{"name", "hello"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}},
             {"spec", {{"schedule", "*/1 * * * *"}, {"suspend", false},
                       {"jobTemplate", {{"spec", {{"template", {{"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}}}}}}}}},
             {"status", {{"active", {{{"name", "hello-1"}}}}, {"lastScheduleTime", "2020-01-01T00:59:30Z"}}}};
  Json t = table_for("batch", "v1", "cronjobs", cj, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule",
                                                       "Age", "Containers", "Images", "Selector"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"hello", "*/1 * * * *", "<none>", "False", 1, "30s", "60m", "c", "busybox", "<none>"}));
  Json bare = {{"metadata", {{"name", "b"}}}, {"spec", {{"suspend", "yes"}}}, {"status", {{"active", 3}}}};
  t = table_for("batch", "v1", "cronjobs", bare, kNow);
  EXPECT_EQ(t["rows"][0]["cells"][3], "<unset>");
  EXPECT_EQ(t["rows"][0]["cells"][4], 0);
  EXPECT_EQ(t["rows"][0]["cells"][5], "<none>");
}

TEST(Tables, RbacColumns) {
  Json role = {{"metadata", {{"name", "reader"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}}};
  Json t = table_for("rbac.authorization.k8s.io", "v1", "clusterroles", role, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Created At"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"reader", "2020-01-01T00:00:00Z"}));

  Json rb = {{"metadata", {{"name", "rb"}, {"namespace", "dev"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}},
             {"roleRef", {{"kind", "Role"}, {"name", "reader"}}},
             {"subjects", {{{"kind", "User"}, {"name", "alice"}}, {{"kind", "User"}, {"name", "bob"}},
                           {{"kind", "Group"}, {"name", "devs"}},
                           {{"kind", "ServiceAccount"}, {"name", "sa"}, {"namespace", "dev"}}, 7}}};
  t = table_for("rbac.authorization.k8s.io", "v1", "rolebindings", rb, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Role", "Age", "Users", "Groups", "ServiceAccounts"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"rb", "Role/reader", "60m", "alice, bob", "devs", "dev/sa"}));
}

TEST(Tables, RuntimeClassHandler) {
  Json rc = {{"metadata", {{"name", "gvisor"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}}, {"handler", "runsc"}};
  Json t = table_for("node.k8s.io", "v1", "runtimeclasses", rc, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Handler", "Age"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"gvisor", "runsc", "60m"}));
}

TEST(Tables, StatefulSetReadyOutOfReplicas) {
  Json sts = {{"metadata", {{"name", "web"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}},
              {"spec", {{"replicas", 3}, {"template", {{"spec", {{"containers", {{{"name", "nginx"}, {"image", "nginx:1"}}}}}}}}}},
              {"status", {{"readyReplicas", 2}}}};
  Json t = table_for("apps", "v1", "statefulsets", sts, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Ready", "Age", "Containers", "Images"}));
  EXPECT_EQ(t["rows"][0]["cells"], Json({"web", "2/3", "60m", "nginx", "nginx:1"}));
  Json odd = {{"metadata", {{"name", "odd"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}},
              {"spec", {{"template", "not an object"}}}, {"status", "none"}};
  Json t2 = table_for("apps", "v1", "statefulsets", odd, kNow);
  EXPECT_EQ(t2["rows"][0]["cells"], Json({"odd", "0/1", "60m", "", ""}));
}

TEST(Tables, DaemonSetCountsAndSelectors) {
  Json ds = {{"metadata", {{"name", "agent"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}},
             {"spec",
              {{"selector", {{"matchLabels", {{"app", "agent"}}}}},
               {"template",
                {{"spec",
                  {{"nodeSelector", {{"kubernetes.io/os", "linux"}}},
                   {"containers", {{{"name", "a"}, {"image", "busybox"}}}}}}}}}},
             {"status",
              {{"desiredNumberScheduled", 2},
               {"currentNumberScheduled", 2},
               {"numberReady", 1},
               {"updatedNumberScheduled", 2},
               {"numberAvailable", 1}}}};
  Json t = table_for("apps", "v1", "daemonsets", ds, kNow);
  EXPECT_EQ(column_names(t), (std::vector<std::string>{"Name", "Desired", "Current", "Ready", "Up-to-date", "Available",
                                                       "Node Selector", "Age", "Containers", "Images", "Selector"}));
  EXPECT_EQ(t["rows"][0]["cells"],
            Json({"agent", 2, 2, 1, 2, 1, "kubernetes.io/os=linux", "60m", "a", "busybox", "app=agent"}));
  Json bare = {{"metadata", {{"name", "bare"}, {"creationTimestamp", "2020-01-01T00:00:00Z"}}}};
  Json t2 = table_for("apps", "v1", "daemonsets", bare, kNow);
  EXPECT_EQ(t2["rows"][0]["cells"], Json({"bare", 0, 0, 0, 0, 0, "<none>", "60m", "", "", "<none>"}));
}
