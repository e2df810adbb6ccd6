#include "object/image_reference.h"

namespace k3s::object {

std::string normalize_image_name(const std::string& image) {
  std::string name = image;
  auto slash = name.find('/');
  std::string first = slash == std::string::npos ? "" : name.substr(0, slash);
  bool has_domain = !first.empty() && (first.find('.') != std::string::npos || first.find(':') != std::string::npos ||
                                       first == "localhost");
  if (!has_domain) name = (slash == std::string::npos ? "docker.io/library/" : "docker.io/") + name;
  auto last_slash = name.rfind('/');
  bool has_digest = name.find('@') != std::string::npos;
  bool has_tag = name.find(':', last_slash == std::string::npos ? 0 : last_slash) != std::string::npos;
  if (!has_digest && !has_tag) name += ":latest";
  return name;
}

}  // namespace k3s::object
