// Creating strategic merge patches (CreateTwoWayMergePatch / CreateThreeWayMergePatch of
// k8s.io/apimachinery/pkg/util/strategicpatch), as kubectl apply/edit send them.
#include <algorithm>

#include "strategic_internal.h"

namespace k3s::object::patch {

namespace {

using namespace detail;

struct DiffOptions {
  bool set_element_order = false;
  bool ignore_changes_and_additions = false;
  bool ignore_deletions = false;
  bool build_retain_keys = false;
};

std::pair<bool, std::string> retain_and_strategy(const PatchMeta& meta) {
  bool retain = meta.retain_keys();
  std::string strategy;
  for (auto& s : meta.strategies) {
    if (s != "retainKeys") strategy = s;
  }
  return {retain, strategy};
}

std::vector<Json> sorted_by_go_string(std::vector<Json> items, const std::string& merge_key) {
  std::stable_sort(items.begin(), items.end(), [&](const Json& a, const Json& b) {
    if (merge_key.empty()) return go_string(a) < go_string(b);
    auto ka = a.find(merge_key);
    auto kb = b.find(merge_key);
    return go_string(ka == a.end() ? Json() : *ka) < go_string(kb == b.end() ? Json() : *kb);
  });
  return items;
}

std::vector<Json> dedupe(std::vector<Json> items) {
  std::vector<Json> out;
  for (auto& v : items) {
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(std::move(v));
  }
  return out;
}

class Differ {
 public:
  explicit Differ(const PatchSchema& schema) : schema_(schema) {}

  Json diff_maps(const Json& original, const Json& modified, const std::string& path, const DiffOptions& options) {
    Json patch = Json::object();
    std::vector<Json> retain_keys;
    for (auto& [key, modified_value] : modified.items()) {
      if (options.build_retain_keys && !modified_value.is_null()) retain_keys.push_back(key);
      auto it = original.find(key);
      if (it == original.end()) {
        if (!options.ignore_changes_and_additions) patch[key] = modified_value;
        continue;
      }
      const Json& original_value = *it;
      if (key == kDirective) {
        if (!original_value.is_string() || !modified_value.is_string()) {
          throw internal_error("invalid value for special key: $patch");
        }
        if (original_value != modified_value) patch[key] = modified_value;
        continue;
      }
      if (kind_of(original_value) != kind_of(modified_value)) {
        if (!options.ignore_changes_and_additions) patch[key] = modified_value;
        continue;
      }
      std::string field = child_path(path, key);
      if (original_value.is_object()) {
        auto [retain, strategy] = retain_and_strategy(schema_.lookup(field));
        DiffOptions sub = options;
        sub.build_retain_keys = retain;
        if (strategy == "replace") {
          if (!options.ignore_changes_and_additions) patch[key] = modified_value;
        } else {
          Json value = diff_maps(original_value, modified_value, field, sub);
          if (!value.empty()) patch[key] = std::move(value);
        }
      } else if (original_value.is_array()) {
        PatchMeta meta = schema_.lookup(field);
        auto [retain, strategy] = retain_and_strategy(meta);
        if (strategy == "merge") {
          DiffOptions sub = options;
          sub.build_retain_keys = retain;
          auto [add, del, order] = diff_lists(original_value, modified_value, field, meta.merge_key, sub);
          if (!add.empty()) patch[key] = as_array(std::move(add));
          if (!del.empty()) patch[std::string(kDeleteFromPrimitiveList) + "/" + key] = as_array(std::move(del));
          if (!order.empty()) patch[std::string(kSetElementOrder) + "/" + key] = as_array(std::move(order));
        } else if (!options.ignore_changes_and_additions && original_value != modified_value) {
          patch[key] = modified_value;
        }
      } else if (!options.ignore_changes_and_additions && original_value != modified_value) {
        patch[key] = modified_value;
      }
    }
    if (!options.ignore_deletions) {
      for (auto& [key, value] : original.items()) {
        if (!modified.contains(key)) patch[key] = nullptr;
      }
    }
    if (!retain_keys.empty() && (!patch.empty() || has_additional_new_field(original, modified))) {
      patch[std::string(kRetainKeys)] = as_array(sorted_by_go_string(retain_keys, ""));
    }
    return patch;
  }

 private:
  const PatchSchema& schema_;

  static bool has_additional_new_field(const Json& original, const Json& modified) {
    for (auto& [k, v] : original.items()) {
      if (!v.is_null() && !modified.contains(k)) return true;
    }
    return false;
  }

  std::tuple<std::vector<Json>, std::vector<Json>, std::vector<Json>> diff_lists(const Json& original, const Json& modified,
                                                                                 const std::string& list_path,
                                                                                 const std::string& merge_key,
                                                                                 const DiffOptions& options) {
    if (original.empty()) {
      if (modified.empty() || options.ignore_changes_and_additions) return {};
      return {as_vector(modified), {}, {}};
    }
    Kind kind = slice_element_kind(original, modified);
    std::vector<Json> add, del, order;
    if (kind == Kind::object) {
      auto [patch_list, delete_list] = diff_lists_of_maps(original, modified, element_path(list_path), merge_key, options);
      patch_list = normalize_slice_order(std::move(patch_list), as_vector(modified), merge_key, kind);
      bool order_same = original.size() == modified.size();
      for (std::size_t i = 0; order_same && i < modified.size(); ++i) {
        auto a = original[i].find(merge_key);
        auto b = modified[i].find(merge_key);
        if (a == original[i].end()) throw no_merge_key(original[i], merge_key);
        if (b == modified[i].end()) throw no_merge_key(modified[i], merge_key);
        order_same = *a == *b;
      }
      for (auto& d : delete_list) patch_list.push_back(std::move(d));
      add = std::move(patch_list);
      if (options.set_element_order &&
          ((!options.ignore_changes_and_additions && (!add.empty() || !order_same)) ||
           (!options.ignore_deletions && !add.empty()))) {
        for (auto& m : modified) order.push_back(Json{{merge_key, m[merge_key]}});
      }
    } else {
      auto [add_list, delete_list] = diff_lists_of_scalars(original, modified, options);
      add = normalize_slice_order(std::move(add_list), as_vector(modified), merge_key, kind);
      del = std::move(delete_list);
      if (options.set_element_order && ((!options.ignore_deletions && !del.empty()) ||
                                        (!options.ignore_changes_and_additions && original != modified))) {
        order = as_vector(modified);
      }
    }
    return {std::move(add), std::move(del), std::move(order)};
  }

  static std::pair<std::vector<Json>, std::vector<Json>> diff_lists_of_scalars(const Json& original,
                                                                               const Json& modified,
                                                                               const DiffOptions& options) {
    auto orig = sorted_by_go_string(as_vector(original), "");
    auto mod = sorted_by_go_string(as_vector(modified), "");
    std::vector<Json> add, del;
    std::size_t i = 0, j = 0;
    while (i < orig.size() || j < mod.size()) {
      bool oi = i < orig.size(), mj = j < mod.size();
      std::string os = oi ? go_string(orig[i]) : "", ms = mj ? go_string(mod[j]) : "";
      if (oi && mj && os == ms) {
        ++i;
        ++j;
      } else if (!oi || (mj && os > ms)) {
        if (!options.ignore_changes_and_additions) add.push_back(mod[j]);
        ++j;
      } else {
        if (!options.ignore_deletions) del.push_back(orig[i]);
        ++i;
      }
    }
    return {std::move(add), dedupe(std::move(del))};
  }

  std::pair<std::vector<Json>, std::vector<Json>> diff_lists_of_maps(const Json& original, const Json& modified,
                                                                     const std::string& elem_path,
                                                                     const std::string& merge_key,
                                                                     const DiffOptions& options) {
    for (const Json* list : {&original, &modified}) {
      for (auto& v : *list) {
        if (!v.is_object()) throw internal_error("expected a map, but received a " + std::string(v.type_name()));
        if (!v.contains(merge_key)) throw no_merge_key(v, merge_key);
      }
    }
    auto orig = sorted_by_go_string(as_vector(original), merge_key);
    auto mod = sorted_by_go_string(as_vector(modified), merge_key);
    std::vector<Json> patch, deletions;
    std::size_t i = 0, j = 0;
    while (i < orig.size() || j < mod.size()) {
      bool oi = i < orig.size(), mj = j < mod.size();
      std::string os = oi ? go_string(orig[i][merge_key]) : "", ms = mj ? go_string(mod[j][merge_key]) : "";
      if (oi && mj && os == ms) {
        Json value = diff_maps(orig[i], mod[j], elem_path, options);
        if (!value.empty()) {
          value[merge_key] = mod[j][merge_key];
          patch.push_back(std::move(value));
        }
        ++i;
        ++j;
      } else if (!oi || (mj && os > ms)) {
        if (!options.ignore_changes_and_additions) patch.push_back(mod[j]);
        ++j;
      } else {
        if (!options.ignore_deletions) {
          deletions.push_back(Json{{std::string(kDirective), "delete"}, {merge_key, orig[i][merge_key]}});
        }
        ++i;
      }
    }
    return {std::move(patch), std::move(deletions)};
  }
};

void require_object(const Json& v, const char* what) {
  if (!v.is_object() && !v.is_null()) {
    throw PatchError(PatchErrorCode::bad_request, std::string("invalid JSON document: ") + what + " must be an object");
  }
}

const Json& or_empty(const Json& v) {
  static const Json kEmpty = Json::object();
  return v.is_null() ? kEmpty : v;
}

}  // namespace

Json create_two_way_strategic_merge_patch(const Json& original, const Json& modified, const PatchSchema& schema) {
  require_object(original, "original");
  require_object(modified, "modified");
  DiffOptions options;
  options.set_element_order = true;
  return Differ(schema).diff_maps(or_empty(original), or_empty(modified), "", options);
}

Json create_three_way_strategic_merge_patch(const Json& original, const Json& modified, const Json& current,
                                            const PatchSchema& schema) {
  require_object(original, "original");
  require_object(modified, "modified");
  require_object(current, "current");
  Differ differ(schema);
  DiffOptions delta_options;
  delta_options.ignore_deletions = true;
  delta_options.set_element_order = true;
  Json delta = differ.diff_maps(or_empty(current), or_empty(modified), "", delta_options);
  DiffOptions deletion_options;
  deletion_options.set_element_order = true;
  deletion_options.ignore_changes_and_additions = true;
  Json deletions = differ.diff_maps(or_empty(original), or_empty(modified), "", deletion_options);
  MergeOptions merge_options;
  merge_options.merge_parallel_list = false;
  merge_options.ignore_unmatched_nulls = false;
  return merge_map(std::move(deletions), std::move(delta), "", schema, merge_options);
}

}  // namespace k3s::object::patch
