// Container image references in the one spelling every component compares them by.
#pragma once

#include <string>

namespace k3s::object {

// "nginx" -> "docker.io/library/nginx:latest", "rancher/pause:3.6" ->
// "docker.io/rancher/pause:3.6"; references with a registry host or a digest keep them.
std::string normalize_image_name(const std::string& image);

}  // namespace k3s::object
