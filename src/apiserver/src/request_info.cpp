#include "request_info.h"

#include <algorithm>

namespace k3s::apiserver {

static std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

RequestInfo parse_request_info(const std::string& method, const std::string& path, bool watch_param) {
  RequestInfo info;
  info.path = path;
  info.verb = method;
  std::transform(info.verb.begin(), info.verb.end(), info.verb.begin(), ::tolower);
  auto parts = split_path(path);
  if (parts.empty() || (parts[0] != "api" && parts[0] != "apis")) return info;
  info.api_prefix = parts[0];
  std::size_t i = 1;
  if (info.api_prefix == "apis") {
    if (parts.size() < 3) return info;  // /apis, /apis/<group>: discovery
    info.group = parts[1];
    i = 2;
  } else if (parts.size() < 2) {
    return info;
  }
  info.version = parts[i++];
  if (i >= parts.size()) return info;  // /api/v1, /apis/<g>/<v>: discovery
  info.is_resource_request = true;

  bool watch_prefix = false;
  if (parts[i] == "watch") {  // deprecated /watch/ paths
    watch_prefix = true;
    ++i;
  }
  std::vector<std::string> rest(parts.begin() + static_cast<long>(std::min(i, parts.size())), parts.end());
  if (rest.size() > 1 && rest[0] == "namespaces") {
    info.ns = rest[1];
    // /namespaces/<name>/{status,finalize} are subresources of the namespace itself.
    if (rest.size() > 2 && rest[2] != "status" && rest[2] != "finalize") rest.erase(rest.begin(), rest.begin() + 2);
  }
  if (!rest.empty()) info.resource = rest[0];
  if (rest.size() >= 2) info.name = rest[1];
  if (rest.size() >= 3) info.subresource = rest[2];
  if (info.resource == "namespaces") info.ns.clear();

  const bool has_name = !info.name.empty();
  if (info.verb == "get" || info.verb == "head") {
    if (watch_prefix || watch_param)
      info.verb = "watch";
    else
      info.verb = has_name ? "get" : "list";
  } else if (info.verb == "post") {
    info.verb = "create";
  } else if (info.verb == "put") {
    info.verb = "update";
  } else if (info.verb == "patch") {
    info.verb = "patch";
  } else if (info.verb == "delete") {
    info.verb = has_name ? "delete" : "deletecollection";
  }
  return info;
}

bool is_true_query_value(const std::string& value) {
  return value == "1" || value == "t" || value == "T" || value == "true" || value == "True" || value == "TRUE";
}

}  // namespace k3s::apiserver
