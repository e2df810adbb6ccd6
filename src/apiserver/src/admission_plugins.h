// Admission plugins that need the cluster's state (kube's mutating and validating
// admission chain): run on every create after the per-type defaults, before the object is
// stored. Each throws ApiError to reject the request.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "status.h"

namespace k3s::apiserver {

struct ApiContext;
struct ResourceRequest;

void admit_create(ApiContext& ctx, const ResourceRequest& req, nlohmann::json& object, bool dry_run);

// 403 `pods "<name>" is forbidden: <why>`, as kube's admission.NewForbidden words it.
ApiError pod_forbidden(const nlohmann::json& pod, const std::string& why);

// ServiceAccount: a pod runs as an existing account, gets its image pull secrets and, unless
// automounting is off, the kube-api-access projected volume (token, ca.crt, namespace)
// mounted in every container; a kubernetes.io/service-account-token Secret gets its token.
void admit_service_account(ApiContext& ctx, const ResourceRequest& req, nlohmann::json& object);

// LimitRanger: Container defaults and min/max of the namespace's LimitRanges (pods).
void admit_limit_range(ApiContext& ctx, const ResourceRequest& req, nlohmann::json& pod);

// Priority: priorityClassName (or the global default class) resolved into spec.priority.
void admit_priority(ApiContext& ctx, const ResourceRequest& req, nlohmann::json& pod);

// RuntimeClass: a pod's runtimeClassName must name a RuntimeClass, whose overhead becomes
// spec.overhead and whose scheduling nodeSelector and tolerations join the pod's; an
// overhead the pod sets itself must match the class's.
void admit_runtime_class(ApiContext& ctx, const ResourceRequest& req, nlohmann::json& pod);

// ResourceQuota: refuses a create past a quota of the namespace, else charges it (not on a
// dry run).
void admit_resource_quota(ApiContext& ctx, const ResourceRequest& req, const nlohmann::json& object, bool dry_run);

// DefaultStorageClass: a claim without storageClassName gets the default class.
void admit_default_storage_class(ApiContext& ctx, const ResourceRequest& req, nlohmann::json& claim);

}  // namespace k3s::apiserver
