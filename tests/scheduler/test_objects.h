// Builders for the Node and Pod objects the scheduler tests use.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "algorithm.h"
#include "cluster_state.h"
#include "framework.h"

namespace k3s::scheduler::testing {

using Json = nlohmann::json;

struct NodeSpec {
  std::string cpu = "4";
  std::string memory = "8Gi";
  int pods = 110;
  std::map<std::string, std::string> labels;
  Json taints = Json::array();
  bool ready = true;
  bool unschedulable = false;
  Json images = Json::array();
  Json extra_allocatable = Json::object();
};

Json node(const std::string& name, NodeSpec spec = {});

struct PodSpec {
  std::string ns = "default";
  std::string cpu;     // "" = no request
  std::string memory;  // "" = no request
  std::map<std::string, std::string> labels;
  std::string node_name;
  int priority = 0;
  std::string owner_uid;  // controller ownerReference
  Json extra_spec = Json::object();  // merged into spec
};

Json pod(const std::string& name, PodSpec spec = {});

// A cluster with the default framework and a seeded algorithm.
class Harness {
 public:
  Harness();
  void add_node(const Json& node) { cluster.upsert_node(node); }
  void add_pod(const Json& pod) { cluster.add_or_update_pod(parse_pod(pod)); }
  ScheduleResult schedule(const Json& pod);

  ClusterState cluster;
  Framework framework;
  std::unique_ptr<ScheduleAlgorithm> algorithm;
};

}  // namespace k3s::scheduler::testing
