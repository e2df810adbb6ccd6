#include "resources.h"

#include <algorithm>

#include "object/quantity.h"

namespace k3s::scheduler {

void Resources::add(const Resources& other) {
  milli_cpu += other.milli_cpu;
  memory += other.memory;
  ephemeral_storage += other.ephemeral_storage;
  allowed_pods += other.allowed_pods;
  for (const auto& [name, value] : other.scalar) scalar[name] += value;
}

void Resources::subtract(const Resources& other) {
  milli_cpu -= other.milli_cpu;
  memory -= other.memory;
  ephemeral_storage -= other.ephemeral_storage;
  allowed_pods -= other.allowed_pods;
  for (const auto& [name, value] : other.scalar) {
    auto it = scalar.find(name);
    if (it == scalar.end()) continue;
    it->second -= value;
    if (it->second == 0) scalar.erase(it);
  }
}

void Resources::raise_to(const Resources& other) {
  milli_cpu = std::max(milli_cpu, other.milli_cpu);
  memory = std::max(memory, other.memory);
  ephemeral_storage = std::max(ephemeral_storage, other.ephemeral_storage);
  allowed_pods = std::max(allowed_pods, other.allowed_pods);
  for (const auto& [name, value] : other.scalar) {
    auto& mine = scalar[name];
    mine = std::max(mine, value);
  }
}

std::int64_t Resources::scalar_value(const std::string& name) const {
  auto it = scalar.find(name);
  return it == scalar.end() ? 0 : it->second;
}

Resources parse_resource_list(const Json& list) {
  Resources out;
  if (!list.is_object()) return out;
  for (const auto& [name, value] : list.items()) {
    object::Quantity q = object::Quantity::from_json(value);
    if (name == kResourceCpu) {
      out.milli_cpu = q.milli_value();
    } else if (name == kResourceMemory) {
      out.memory = q.value();
    } else if (name == kResourceEphemeralStorage) {
      out.ephemeral_storage = q.value();
    } else if (name == kResourcePods) {
      out.allowed_pods = q.value();
    } else if (q.sign() != 0) {
      out.scalar[name] = q.value();
    }
  }
  return out;
}

namespace {

struct ContainerRequests {
  Resources requests;
  Resources non_zero;
};

ContainerRequests container_requests(const Json& container) {
  ContainerRequests out;
  const Json* list = nullptr;
  if (auto r = container.find("resources"); r != container.end() && r->is_object()) {
    if (auto q = r->find("requests"); q != r->end() && q->is_object()) list = &*q;
  }
  if (list) out.requests = parse_resource_list(*list);
  out.non_zero = out.requests;
  bool has_cpu = list && list->contains(kResourceCpu);
  bool has_memory = list && list->contains(kResourceMemory);
  if (!has_cpu) out.non_zero.milli_cpu = kDefaultMilliCpuRequest;
  if (!has_memory) out.non_zero.memory = kDefaultMemoryRequest;
  return out;
}

bool is_restartable_init_container(const Json& container) {
  auto it = container.find("restartPolicy");
  return it != container.end() && it->is_string() && *it == "Always";
}

}  // namespace

PodRequests compute_pod_requests(const Json& pod_spec) {
  PodRequests out;
  if (!pod_spec.is_object()) return out;
  if (auto cs = pod_spec.find("containers"); cs != pod_spec.end() && cs->is_array()) {
    for (const Json& c : *cs) {
      auto r = container_requests(c);
      out.requests.add(r.requests);
      out.non_zero_requests.add(r.non_zero);
    }
  }
  // Init containers run one at a time, but sidecars (restartPolicy: Always) keep running
  // next to everything started after them.
  if (auto ics = pod_spec.find("initContainers"); ics != pod_spec.end() && ics->is_array()) {
    PodRequests sidecars, init_peak;
    for (const Json& c : *ics) {
      auto r = container_requests(c);
      PodRequests step;
      if (is_restartable_init_container(c)) {
        out.requests.add(r.requests);
        out.non_zero_requests.add(r.non_zero);
        sidecars.requests.add(r.requests);
        sidecars.non_zero_requests.add(r.non_zero);
        step = sidecars;
      } else {
        step.requests = r.requests;
        step.requests.add(sidecars.requests);
        step.non_zero_requests = r.non_zero;
        step.non_zero_requests.add(sidecars.non_zero_requests);
      }
      init_peak.requests.raise_to(step.requests);
      init_peak.non_zero_requests.raise_to(step.non_zero_requests);
    }
    out.requests.raise_to(init_peak.requests);
    out.non_zero_requests.raise_to(init_peak.non_zero_requests);
  }
  if (auto oh = pod_spec.find("overhead"); oh != pod_spec.end() && oh->is_object()) {
    Resources overhead = parse_resource_list(*oh);
    out.requests.add(overhead);
    out.non_zero_requests.add(overhead);
  }
  return out;
}

}  // namespace k3s::scheduler
