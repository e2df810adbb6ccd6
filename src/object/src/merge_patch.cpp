#include "object/patch.h"

namespace k3s::object::patch {

Json apply_merge_patch(const Json& document, const Json& patch) {
  Json result = document;
  result.merge_patch(patch);
  return result;
}

Json create_merge_patch(const Json& original, const Json& modified) {
  if (!original.is_object() || !modified.is_object()) return modified;
  Json patch = Json::object();
  for (auto& [key, value] : original.items()) {
    if (!modified.contains(key)) patch[key] = nullptr;
  }
  for (auto& [key, value] : modified.items()) {
    auto it = original.find(key);
    if (it == original.end()) {
      patch[key] = value;
    } else if (*it != value) {
      if (it->is_object() && value.is_object()) {
        patch[key] = create_merge_patch(*it, value);
      } else {
        patch[key] = value;
      }
    }
  }
  return patch;
}

}  // namespace k3s::object::patch
