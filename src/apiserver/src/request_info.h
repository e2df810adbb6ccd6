// What a request path and method address: kube's RequestInfo (verb, group, version,
// namespace, resource, subresource, name) or a non-resource path.
#pragma once

#include <string>
#include <vector>

namespace k3s::apiserver {

struct RequestInfo {
  bool is_resource_request = false;
  std::string path;
  std::string verb;        // get list watch create update patch delete deletecollection (or http verb lowercased)
  std::string api_prefix;  // "api" or "apis"
  std::string group;
  std::string version;
  std::string ns;
  std::string resource;
  std::string subresource;
  std::string name;
};

// `watch` is the value of the ?watch= query parameter.
RequestInfo parse_request_info(const std::string& method, const std::string& path, bool watch_param);

// A boolean query parameter as kube-apiserver reads it (Go's strconv.ParseBool): "1", "t",
// "T", "true", "True", "TRUE" are true. Clients differ: Python's client sends "True".
bool is_true_query_value(const std::string& value);

}  // namespace k3s::apiserver
