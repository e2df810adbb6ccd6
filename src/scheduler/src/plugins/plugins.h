// The in-tree plugins, named as kube-scheduler names them, and the default plugin set.
#pragma once

#include <memory>
#include <string>

#include "framework.h"

namespace k3s::scheduler::plugins {

// kube-scheduler's failure reasons, verbatim (users and tools match on them).
inline constexpr const char* kReasonUnschedulable = "node(s) were unschedulable";
inline constexpr const char* kReasonNodeName = "node(s) didn't match the requested node name";
inline constexpr const char* kReasonNodeAffinity = "node(s) didn't match Pod's node affinity/selector";
inline constexpr const char* kReasonNodePorts = "node(s) didn't have free ports for the requested pod ports";
inline constexpr const char* kReasonTooManyPods = "Too many pods";
inline constexpr const char* kReasonVolumeNodeConflict = "node(s) had volume node affinity conflict";
inline constexpr const char* kReasonUnboundImmediateClaims = "pod has unbound immediate PersistentVolumeClaims";
inline constexpr const char* kReasonSpreadConstraints = "node(s) didn't match pod topology spread constraints";
inline constexpr const char* kReasonSpreadMissingLabel =
    "node(s) didn't match pod topology spread constraints (missing required label)";
inline constexpr const char* kReasonExistingAntiAffinity = "node(s) didn't satisfy existing pods anti-affinity rules";
inline constexpr const char* kReasonAffinity = "node(s) didn't match pod affinity rules";
inline constexpr const char* kReasonAntiAffinity = "node(s) didn't match pod anti-affinity rules";
inline constexpr const char* kReasonNoVictims = "No preemption victims found for incoming pod";
inline constexpr const char* kReasonPreemptionNotHelpful = "Preemption is not helpful for scheduling";

// "node(s) had untolerated taint {key: value}"
std::string untolerated_taint_reason(const Taint& taint);
// "Insufficient cpu"
std::string insufficient_reason(const std::string& resource);

std::shared_ptr<Plugin> make_node_unschedulable();
std::shared_ptr<Plugin> make_node_name();
std::shared_ptr<Plugin> make_taint_toleration();
// Nodes whose Ready condition is not True count as tainted node.kubernetes.io/not-ready
// (or unreachable when Unknown) with NoSchedule, as the node lifecycle controller would
// taint them: pods tolerating that (DaemonSets) still go there.
std::shared_ptr<Plugin> make_node_ready();
std::shared_ptr<Plugin> make_node_affinity();
std::shared_ptr<Plugin> make_node_ports();
std::shared_ptr<Plugin> make_node_resources_fit();  // filter + LeastAllocated score
std::shared_ptr<Plugin> make_balanced_allocation();
std::shared_ptr<Plugin> make_volume_binding();
// With default constraints (hostname maxSkew 3, zone maxSkew 5, ScheduleAnyway) for pods
// that declare none: the default spreading of a controller's pods.
std::shared_ptr<Plugin> make_pod_topology_spread(bool system_defaults = true);
std::shared_ptr<Plugin> make_inter_pod_affinity();
std::shared_ptr<Plugin> make_image_locality();
std::shared_ptr<Plugin> make_default_preemption();

// Filters in kube-scheduler's order, scores with its default weights, preemption.
Framework default_framework();

}  // namespace k3s::scheduler::plugins
