// "node-ipam": gives every node spec.podCIDR/podCIDRs, one node-sized subnet per cluster
// CIDR (dual stack: one per family), releases them when the node is deleted, and records
// CIDRNotAvailable when a range is exhausted. The used set is rebuilt from the nodes, so
// assignments survive restarts and moves of the controller to another server.
#include <spdlog/spdlog.h>

#include <mutex>

#include "core/cidr_set.h"
#include "core/core_controllers.h"
#include "object/meta.h"

namespace k3s::controllers::core {

namespace {

std::vector<std::string> pod_cidrs_of(const Json& node) {
  std::vector<std::string> out;
  const Json spec = node.value("spec", Json::object());
  for (const auto& c : spec.value("podCIDRs", Json::array()))
    if (c.is_string()) out.push_back(c);
  if (out.empty() && !spec.value("podCIDR", "").empty()) out.push_back(spec["podCIDR"]);
  return out;
}

class NodeIpamController : public QueueController {
 public:
  explicit NodeIpamController(ControllerContext& context) : QueueController(context, "node-ipam") {
    for (const auto& cidr : split_cidrs(options().cluster_cidr)) {
      const bool ipv6 = cidr.find(':') != std::string::npos;
      try {
        sets_.emplace_back(cidr, ipv6 ? options().node_cidr_mask_size_ipv6 : options().node_cidr_mask_size_ipv4);
      } catch (const std::invalid_argument& e) {
        spdlog::error("node-ipam: cluster CIDR {}: {}", cidr, e.what());
      }
    }
    nodes_ = informers().informer_for(client::resources::kNodes);
    nodes_->add_event_handler({
        .on_add = [this](const ObjectPtr& node) { observe(*node); },
        .on_update = [this](const ObjectPtr&, const ObjectPtr& node) { observe(*node); },
        .on_delete =
            [this](const client::DeletedObject& d) {
              if (!d.object) return;
              {
                std::lock_guard lock(mu_);
                for (const auto& cidr : pod_cidrs_of(*d.object))
                  for (auto& set : sets_) set.release(cidr);
              }
              // Nodes that found the range exhausted get another chance at once.
              for (const auto& node : nodes_->indexer().list())
                if (pod_cidrs_of(*node).empty()) enqueue(*node);
            },
    });
  }

 protected:
  void before_workers() override {
    // Everything the informer holds is occupied before the first allocation.
    std::lock_guard lock(mu_);
    for (const auto& node : nodes_->indexer().list())
      for (const auto& cidr : pod_cidrs_of(*node))
        for (auto& set : sets_) set.occupy(cidr);
  }

  void sync(const std::string& name) override {
    if (!options().allocate_node_cidrs || sets_.empty()) return;
    if (!nodes_->indexer().get(name)) return;
    // The cache may lag a patch of ours; the server has the truth.
    Json node;
    try {
      node = api().get(client::resources::kNodes, "", name);
    } catch (const client::ApiError& e) {
      if (e.is_not_found()) return;
      throw;
    }
    if (!pod_cidrs_of(node).empty()) {
      occupy(node);
      return;
    }
    std::vector<std::string> allocated;
    {
      std::lock_guard lock(mu_);
      for (auto& set : sets_) {
        auto cidr = set.allocate();
        if (!cidr) {
          for (const auto& c : allocated)
            for (auto& s : sets_) s.release(c);
          events().event(node, client::kEventTypeNormal, "CIDRNotAvailable",
                         "Node " + name + " status is now: CIDRNotAvailable");
          throw std::runtime_error("failed to allocate a pod CIDR for node " + name + ": the range " +
                                   set.cluster_cidr() + " is exhausted");
        }
        allocated.push_back(*cidr);
      }
    }
    Json patch = {{"metadata", {{"resourceVersion", object::resource_version_of(node)}}},
                  {"spec", {{"podCIDR", allocated.front()}, {"podCIDRs", allocated}}}};
    try {
      api().patch(client::resources::kNodes, "", name, client::PatchType::merge, patch);
    } catch (...) {
      std::lock_guard lock(mu_);
      for (const auto& c : allocated)
        for (auto& s : sets_) s.release(c);
      throw;
    }
    spdlog::info("node-ipam: node {} gets pod CIDR(s) {}", name, patch["spec"]["podCIDRs"].dump());
  }

 private:
  void observe(const Json& node) {
    if (pod_cidrs_of(node).empty())
      enqueue(node);
    else
      occupy(node);
  }
  void occupy(const Json& node) {
    std::lock_guard lock(mu_);
    for (const auto& cidr : pod_cidrs_of(node))
      for (auto& set : sets_) set.occupy(cidr);
  }

  std::mutex mu_;
  std::vector<CidrSet> sets_;
  std::shared_ptr<client::SharedInformer> nodes_;
};

}  // namespace

std::unique_ptr<Controller> make_node_ipam_controller(ControllerContext& context) {
  return std::make_unique<NodeIpamController>(context);
}

}  // namespace k3s::controllers::core
