// kube's SetDefaults_* for pod specs (core/v1): what every PodSpec gets, wherever it sits —
// a Pod, or the pod template of a workload (Deployment, ReplicaSet, StatefulSet, DaemonSet,
// Job, CronJob, ReplicationController, PodTemplate). All of it is idempotent: it fills what is
// missing (or Go's zero value) and never changes what is set, so it can run on every write.
#pragma once

#include <nlohmann/json.hpp>

namespace k3s::apiserver {

// The PodSpec defaults plus those of its containers, volumes, probes and downward API refs.
void default_pod_spec(nlohmann::json& spec);

// A pod template ({metadata, spec}): its spec gets default_pod_spec.
void default_pod_template(nlohmann::json& pod_template);

// What only a Pod gets on top of default_pod_spec (SetDefaults_Pod): enableServiceLinks,
// container requests from limits, and hostPort = containerPort under hostNetwork.
void default_pod(nlohmann::json& pod);

// A PersistentVolumeClaim's spec.volumeMode (also the claim templates of StatefulSets and
// ephemeral volumes).
void default_claim_spec(nlohmann::json& claim_spec);

// imagePullPolicy from the image reference: Always when the tag is `latest` or there is
// neither tag nor digest, else IfNotPresent.
std::string default_pull_policy(const std::string& image);

}  // namespace k3s::apiserver
