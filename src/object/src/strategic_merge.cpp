// Applying strategic merge patches, following k8s.io/apimachinery/pkg/util/strategicpatch
// (mergeMap and friends) so patches behave exactly as against kube-apiserver.
#include <algorithm>
#include <climits>
#include <optional>
#include <set>

#include "strategic_internal.h"

namespace k3s::object::patch::detail {

PatchError internal_error(const std::string& message) { return PatchError(PatchErrorCode::internal, message); }

PatchError no_merge_key(const Json& m, const std::string& merge_key) {
  return internal_error("map: " + go_string(m) + " does not contain declared merge key: " + merge_key);
}

namespace {

PatchError bad_request(const std::string& message) { return PatchError(PatchErrorCode::bad_request, message); }

const char* const kBadPrimitiveList = "invalid patch format of primitive list";
const char* const kBadRetainKeys = "invalid patch format of retainKeys";
const char* const kBadSetElementOrder = "invalid patch format of setElementOrder list";

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// "$setElementOrder/containers" -> "containers".
std::string extract_key(const std::string& key, std::string_view prefix, const char* error) {
  auto slash = key.find('/');
  if (slash == std::string::npos || std::string_view(key).substr(0, slash) != prefix) throw bad_request(error);
  return key.substr(slash + 1);
}

}  // namespace

Kind kind_of(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return Kind::null;
    case Json::value_t::object: return Kind::object;
    case Json::value_t::array: return Kind::array;
    case Json::value_t::string: return Kind::string;
    case Json::value_t::boolean: return Kind::boolean;
    default: return Kind::number;
  }
}

std::string go_string(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "<nil>";
    case Json::value_t::string: return v.get<std::string>();
    case Json::value_t::object: {
      std::string out = "map[";
      bool first = true;
      for (auto& [k, e] : v.items()) {
        if (!first) out += " ";
        first = false;
        out += k + ":" + go_string(e);
      }
      return out + "]";
    }
    case Json::value_t::array: {
      std::string out = "[";
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (i > 0) out += " ";
        out += go_string(v[i]);
      }
      return out + "]";
    }
    default: return v.dump();
  }
}

std::string child_path(const std::string& parent, const std::string& key) {
  // No schema names a field this deep, and each level of a merge keeps its path while it
  // recurses: past this length the path stays a fixed unknown field, so a deeply nested
  // document with long keys costs linear memory rather than the sum of its path lengths.
  constexpr std::size_t kMaxSchemaPath = 1024;
  static const std::string kBeyondSchema = "\x01" "beyond-schema";
  if (parent.starts_with(kBeyondSchema) || parent.size() + key.size() >= kMaxSchemaPath) return kBeyondSchema;
  return parent.empty() ? key : parent + "." + key;
}

Kind slice_element_kind(const Json& a, const Json& b) {
  std::optional<Kind> kind;
  for (const Json* list : {&a, &b}) {
    if (!list->is_array()) continue;
    for (const Json& v : *list) {
      Kind k = kind_of(v);
      if (!kind) {
        kind = k;
        if (k == Kind::array) throw PatchError(PatchErrorCode::unprocessable, "lists of lists are not supported");
      } else if (*kind != k) {
        throw internal_error("list element types are not identical: [" + go_string(a) + " " + go_string(b) + "]");
      }
    }
  }
  if (!kind) throw internal_error("no elements in any of the given slices");
  return *kind;
}

std::vector<Json> as_vector(const Json& array) {
  std::vector<Json> out;
  if (array.is_array()) out.assign(array.begin(), array.end());
  return out;
}

Json as_array(std::vector<Json> items) {
  Json out = Json::array();
  for (auto& v : items) out.push_back(std::move(v));
  return out;
}

namespace {

// Position of `item` in `list`, comparing merge-key values for maps (a missing key equals a
// missing key, as Go's nil == nil), whole values otherwise; -1 when absent.
long index_of(const std::vector<Json>& list, const Json& item, const std::string& merge_key, Kind kind) {
  auto key_of = [&](const Json& v) -> Json {
    if (kind != Kind::object) return v;
    if (!v.is_object()) return nullptr;
    auto it = v.find(merge_key);
    return it == v.end() ? Json(nullptr) : *it;
  };
  Json wanted = key_of(item);
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (key_of(list[i]) == wanted) return static_cast<long>(i);
  }
  return -1;
}

void validate_merge_key(const std::vector<Json>& list, const std::string& merge_key) {
  for (const Json& item : list) {
    if (!item.is_object()) throw internal_error("expected a map, but received a " + std::string(item.type_name()));
    if (!item.contains(merge_key)) throw no_merge_key(item, merge_key);
  }
}

bool is_delete_directive(const Json& v) {
  if (!v.is_object()) return false;
  auto it = v.find(kDirective);
  return it != v.end() && *it == "delete";
}

}  // namespace

std::vector<Json> normalize_slice_order(std::vector<Json> to_sort, const std::vector<Json>& order,
                                        const std::string& merge_key, Kind kind) {
  std::vector<Json> to_delete;
  if (kind == Kind::object) {
    validate_merge_key(to_sort, merge_key);
    validate_merge_key(order, merge_key);
    std::vector<Json> keep;
    for (auto& v : to_sort) (is_delete_directive(v) ? to_delete : keep).push_back(std::move(v));
    to_sort = std::move(keep);
  }
  std::vector<std::pair<long, Json>> keyed;
  for (auto& v : to_sort) {
    long idx = index_of(order, v, merge_key, kind);
    keyed.emplace_back(idx < 0 ? LONG_MAX : idx, std::move(v));
  }
  std::stable_sort(keyed.begin(), keyed.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<Json> out;
  for (auto& [idx, v] : keyed) out.push_back(std::move(v));
  for (auto& v : to_delete) out.push_back(std::move(v));
  return out;
}

namespace {

// Interleaves server-only items (left) into patch items (right), keeping each list's own
// order and using the live list's order between them where both are known.
std::vector<Json> merge_sorted(const std::vector<Json>& left, const std::vector<Json>& right,
                               const std::vector<Json>& server_order, const std::string& merge_key, Kind kind) {
  std::vector<Json> out;
  std::size_t i = 0, j = 0;
  while (i < left.size() || j < right.size()) {
    if (i >= left.size()) {
      out.push_back(right[j++]);
    } else if (j >= right.size()) {
      out.push_back(left[i++]);
    } else {
      long li = index_of(server_order, left[i], merge_key, kind);
      long ri = index_of(server_order, right[j], merge_key, kind);
      if (li >= 0 && ri >= 0 && li < ri) {
        out.push_back(left[i++]);
      } else {
        out.push_back(right[j++]);
      }
    }
  }
  return out;
}

std::vector<Json> normalize_element_order(std::vector<Json> patch_items, std::vector<Json> server_only,
                                          const std::vector<Json>& patch_order, const std::vector<Json>& server_order,
                                          const std::string& merge_key, Kind kind) {
  patch_items = normalize_slice_order(std::move(patch_items), patch_order, merge_key, kind);
  server_only = normalize_slice_order(std::move(server_only), server_order, merge_key, kind);
  return merge_sorted(server_only, patch_items, server_order, merge_key, kind);
}

// Splits `items` into those present in `present_in` (by merge key for maps) and the rest.
std::pair<std::vector<Json>, std::vector<Json>> partition(const std::vector<Json>& items,
                                                          const std::vector<Json>& present_in,
                                                          const std::string& merge_key) {
  std::vector<Json> in_patch, server_only;
  for (const Json& v : items) {
    bool found;
    if (merge_key.empty()) {
      found = std::find(present_in.begin(), present_in.end(), v) != present_in.end();
    } else {
      if (!v.is_object()) throw internal_error("expected a map, but received a " + std::string(v.type_name()));
      auto key = v.find(merge_key);
      if (key == v.end()) throw no_merge_key(v, merge_key);
      found = false;
      for (const Json& p : present_in) {
        if (!p.is_object()) throw internal_error("value for key is not a map");
        auto pk = p.find(merge_key);
        if (pk != p.end() && *pk == *key) {
          found = true;
          break;
        }
      }
    }
    (found ? in_patch : server_only).push_back(v);
  }
  return {std::move(in_patch), std::move(server_only)};
}

// Removes directive maps (and directive-bearing map entries) from a patch value; false
// when the value itself is a directive and must not be kept.
bool remove_directives(Json& v) {
  if (v.is_object()) {
    if (v.contains(kDirective)) return false;
    for (auto it = v.begin(); it != v.end();) {
      if (!remove_directives(it.value())) {
        it = v.erase(it);
      } else {
        ++it;
      }
    }
  } else if (v.is_array()) {
    Json kept = Json::array();
    for (auto& e : v) {
      if (remove_directives(e)) kept.push_back(std::move(e));
    }
    v = std::move(kept);
  }
  return true;
}

void discard_nulls(Json& v) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end();) {
      if (it->is_null()) {
        it = v.erase(it);
      } else {
        discard_nulls(it.value());
        ++it;
      }
    }
  } else if (v.is_array()) {
    for (auto& e : v) discard_nulls(e);
  }
}

// A patch value taken as is (new field, replaced field, appended element). When applying,
// nulls and directives cannot survive decoding into a typed object in kube-apiserver, so
// they are dropped here too; when merging two patches they are kept.
std::optional<Json> take_patch_value(Json v, const MergeOptions& options) {
  if (options.ignore_unmatched_nulls) discard_nulls(v);
  if (!remove_directives(v)) return std::nullopt;
  return v;
}

std::pair<bool, std::string> retain_keys_and_strategy(const PatchMeta& meta) {
  const auto& s = meta.strategies;
  switch (s.size()) {
    case 0: return {false, ""};
    case 1: return s[0] == "retainKeys" ? std::pair<bool, std::string>{true, ""} : std::pair<bool, std::string>{false, s[0]};
    case 2:
      if (s[0] == "retainKeys") return {true, s[1]};
      if (s[1] == "retainKeys") return {true, s[0]};
      [[fallthrough]];
    default: {
      std::string all;
      for (auto& x : s) all += (all.empty() ? "" : " ") + x;
      throw internal_error("unexpected patch strategy: [" + all + "]");
    }
  }
}

class Merger {
 public:
  Merger(const PatchSchema& schema, const MergeOptions& options) : schema_(schema), options_(options) {}

  Json merge_map(Json original, Json patch, const std::string& path) {
    if (auto it = patch.find(kDirective); it != patch.end()) {
      if (*it == "replace") {
        patch.erase(std::string(kDirective));
        return take_patch_value(std::move(patch), options_).value_or(Json::object());
      }
      if (*it == "delete") return Json::object();
      throw internal_error("unknown patch type: " + go_string(*it) + " in map: " + go_string(patch));
    }
    if (original.is_null()) original = Json::object();

    apply_retain_keys(original, patch);
    merge_set_element_order(original, patch, path);

    // Each patch value is moved into the result (or the recursion), never copied: a copy per
    // level made deep patches cost quadratic time (seconds for a 3 KB body nested 500 deep).
    for (auto& [raw_key, patch_value] : patch.items()) {
      std::string key = raw_key;
      bool is_delete_list = false;
      if (starts_with(key, kDeleteFromPrimitiveList)) {
        if (!options_.merge_parallel_list) {
          original[key] = std::move(patch_value);
          continue;
        }
        key = extract_key(key, kDeleteFromPrimitiveList, kBadPrimitiveList);
        is_delete_list = true;
      }

      if (patch_value.is_null()) {
        original.erase(key);
        if (options_.ignore_unmatched_nulls) continue;
      }

      auto existing = original.find(key);
      if (existing == original.end() || kind_of(*existing) != kind_of(patch_value)) {
        if (!is_delete_list) {
          if (auto v = take_patch_value(std::move(patch_value), options_)) {
            original[key] = std::move(*v);
          } else {
            original.erase(key);
          }
        }
        continue;
      }

      std::string field = child_path(path, key);
      if (existing->is_object()) {
        auto [retain, strategy] = retain_keys_and_strategy(schema_.lookup(field));
        (void)retain;
        if (strategy == "replace") {
          *existing = take_patch_value(std::move(patch_value), options_).value_or(Json::object());
        } else {
          *existing = merge_map(std::move(*existing), std::move(patch_value), field);
        }
      } else if (existing->is_array()) {
        PatchMeta meta = schema_.lookup(field);
        auto [retain, strategy] = retain_keys_and_strategy(meta);
        (void)retain;
        if (strategy == "merge" || is_delete_list) {
          *existing = merge_slice(std::move(*existing), patch_value, field, meta.merge_key, is_delete_list);
        } else {
          *existing = take_patch_value(std::move(patch_value), options_).value_or(Json::array());
        }
      } else {
        *existing = std::move(patch_value);
      }
    }
    return original;
  }

  Json merge_slice(Json original, const Json& patch, const std::string& list_path, const std::string& merge_key,
                   bool is_delete_list) {
    if (original.empty() && patch.empty()) return original;
    Kind kind = slice_element_kind(original, patch);
    std::vector<Json> orig = as_vector(original);
    std::vector<Json> items = as_vector(patch);
    std::vector<Json> merged;

    if (kind != Kind::object) {
      if (options_.merge_parallel_list && is_delete_list) {
        for (auto& v : orig) {
          if (std::find(items.begin(), items.end(), v) == items.end()) merged.push_back(v);
        }
        return as_array(std::move(merged));
      }
      for (auto* source : {&orig, &items}) {
        for (auto& v : *source) {
          if (std::find(merged.begin(), merged.end(), v) == merged.end()) merged.push_back(v);
        }
      }
    } else {
      if (merge_key.empty()) throw internal_error("cannot merge lists without merge key for " + list_path);
      apply_special_elements(orig, items, merge_key);
      merged = merge_without_special_elements(orig, items, merge_key, element_path(list_path));
    }

    auto [patch_items, server_only] = partition(merged, items, kind == Kind::object ? merge_key : "");
    return as_array(normalize_element_order(std::move(patch_items), std::move(server_only), items, orig,
                                            kind == Kind::object ? merge_key : "", kind));
  }

 private:
  const PatchSchema& schema_;
  MergeOptions options_;

  void apply_retain_keys(Json& original, Json& patch) {
    auto it = patch.find(kRetainKeys);
    if (it == patch.end()) return;
    Json retain = *it;
    patch.erase(it);
    if (!options_.merge_parallel_list) {
      auto existing = original.find(kRetainKeys);
      if (existing != original.end()) {
        if (*existing != retain) {
          throw internal_error(go_string(*existing) + " and " + go_string(retain) +
                               " are not deep equal: this may happen when calculating the 3-way diff patch");
        }
      } else {
        original[std::string(kRetainKeys)] = retain;
      }
      return;
    }
    if (!retain.is_array()) throw bad_request(kBadRetainKeys);
    std::set<std::string> keep;
    for (auto& k : retain) {
      if (k.is_string()) keep.insert(k.get<std::string>());
    }
    for (auto& [k, v] : patch.items()) {
      if (v.is_null() || starts_with(k, kDeleteFromPrimitiveList) || starts_with(k, kSetElementOrder)) continue;
      if (!keep.count(k)) throw bad_request(kBadRetainKeys);
    }
    for (auto o = original.begin(); o != original.end();) {
      if (!keep.count(o.key())) {
        o = original.erase(o);
      } else {
        ++o;
      }
    }
  }

  static void validate_against_order(const Json& patch_list, const Json& order, const std::string& merge_key) {
    if (!order.is_array() || !patch_list.is_array()) throw bad_request(kBadSetElementOrder);
    if (order.empty() || patch_list.empty()) return;
    std::vector<Json> non_delete;
    for (auto& v : patch_list) {
      if (!merge_key.empty()) {
        if (!v.is_object()) throw internal_error("expected a map, but received a " + std::string(v.type_name()));
        if (is_delete_directive(v)) continue;
      }
      non_delete.push_back(v);
    }
    std::size_t p = 0, s = 0;
    while (p < non_delete.size() && s < order.size()) {
      if (non_delete[p].is_object() && non_delete[p].contains(kDirective)) {
        ++p;
        continue;
      }
      bool equal;
      if (merge_key.empty()) {
        equal = non_delete[p] == order[s];
      } else {
        if (!order[s].is_object()) throw internal_error("expected a map, but received a " + std::string(order[s].type_name()));
        auto a = non_delete[p].find(merge_key);
        if (a == non_delete[p].end()) throw no_merge_key(non_delete[p], merge_key);
        auto b = order[s].find(merge_key);
        if (b == order[s].end()) throw no_merge_key(order[s], merge_key);
        equal = *a == *b;
      }
      if (equal) ++p;
      ++s;
    }
    if (p < non_delete.size() && s >= order.size()) {
      throw internal_error("The order in patch list:\n" + go_string(patch_list) + "\n doesn't match " +
                           std::string(kSetElementOrder) + " list:\n" + go_string(order) + "\n");
    }
  }

  void merge_set_element_order(Json& original, Json& patch, const std::string& path) {
    std::vector<std::string> order_keys;
    for (auto& [k, v] : patch.items()) {
      if (starts_with(k, kSetElementOrder)) order_keys.push_back(k);
    }
    for (const std::string& key : order_keys) {
      Json order = patch[key];
      if (!options_.merge_parallel_list) {
        auto existing = original.find(key);
        if (existing != original.end()) {
          if (*existing != order) throw bad_request(kBadSetElementOrder);
        } else {
          original[key] = order;
        }
      }
      patch.erase(key);
      if (!order.is_array()) throw internal_error("expected a slice, but received a " + std::string(order.type_name()));
      std::string list_key = extract_key(key, kSetElementOrder, kBadSetElementOrder);

      auto orig_it = original.find(list_key);
      auto patch_it = patch.find(list_key);
      bool found_original = orig_it != original.end();
      bool found_patch = patch_it != patch.end();
      if (found_original && !orig_it->is_array()) {
        throw internal_error("expected a slice, but received a " + std::string(orig_it->type_name()));
      }
      if (found_patch && !patch_it->is_array()) {
        throw internal_error("expected a slice, but received a " + std::string(patch_it->type_name()));
      }
      std::string field = child_path(path, list_key);
      PatchMeta meta = schema_.lookup(field);
      auto [retain, strategy] = retain_keys_and_strategy(meta);
      (void)retain;
      Json empty = Json::array();
      const Json& original_list = found_original ? *orig_it : empty;
      const Json& patch_list = found_patch ? *patch_it : empty;
      validate_against_order(patch_list, order, meta.merge_key);

      Json merged;
      if (found_original && !found_patch) {
        merged = original_list;
      } else if (!found_original && found_patch) {
        merged = patch_list;
        remove_directives(merged);
      } else if (found_original && found_patch) {
        if (strategy == "merge") {
          merged = merge_slice(original_list, patch_list, field, meta.merge_key, false);
        } else {
          merged = patch_list;
        }
      } else {
        continue;
      }

      auto [patch_items, server_only] = partition(as_vector(merged), as_vector(order), meta.merge_key);
      Kind kind = slice_element_kind(original_list, patch_list);
      Json result = as_array(normalize_element_order(std::move(patch_items), std::move(server_only), as_vector(order),
                                                     as_vector(original_list), meta.merge_key, kind));
      original[list_key] = std::move(result);
      patch.erase(list_key);
    }
  }

  // Handles "$patch" elements of a merge-keyed list: delete removes matching entries from
  // the original, replace makes the rest of the patch the whole list.
  static void apply_special_elements(std::vector<Json>& original, std::vector<Json>& patch, const std::string& merge_key) {
    std::vector<Json> plain;
    bool replace = false;
    for (auto& v : patch) {
      if (!v.is_object()) throw internal_error("expected a map, but received a " + std::string(v.type_name()));
      auto directive = v.find(kDirective);
      if (directive == v.end()) {
        plain.push_back(v);
        continue;
      }
      if (*directive == "delete") {
        auto key = v.find(merge_key);
        if (key == v.end()) throw no_merge_key(v, merge_key);
        std::vector<Json> kept;
        for (auto& o : original) {
          if (!o.is_object()) throw internal_error("value for key is not a map");
          auto ok = o.find(merge_key);
          if (!(ok != o.end() && *ok == *key)) kept.push_back(std::move(o));
        }
        original = std::move(kept);
      } else if (*directive == "replace") {
        replace = true;
      } else if (*directive == "merge") {
        throw internal_error("merging lists cannot yet be specified in the patch");
      } else {
        throw internal_error("unknown patch type: " + go_string(*directive) + " in map: " + go_string(v));
      }
    }
    if (replace) {
      original = std::move(plain);
      patch.clear();
    } else {
      patch = std::move(plain);
    }
  }

  std::vector<Json> merge_without_special_elements(std::vector<Json> original, const std::vector<Json>& patch,
                                                   const std::string& merge_key, const std::string& elem_path) {
    for (const Json& v : patch) {
      auto key = v.find(merge_key);
      if (key == v.end()) throw no_merge_key(v, merge_key);
      std::optional<std::size_t> found;
      for (std::size_t i = 0; i < original.size(); ++i) {
        if (!original[i].is_object()) throw internal_error("value for key " + std::to_string(i) + " is not a map");
        auto ok = original[i].find(merge_key);
        if (ok != original[i].end() && *ok == *key) {
          found = i;
          break;
        }
      }
      if (found) {
        original[*found] = merge_map(std::move(original[*found]), v, elem_path);
      } else if (auto taken = take_patch_value(v, options_)) {
        original.push_back(std::move(*taken));
      }
    }
    return original;
  }
};

}  // namespace

Json merge_map(Json original, Json patch, const std::string& path, const PatchSchema& schema, const MergeOptions& options) {
  return Merger(schema, options).merge_map(std::move(original), std::move(patch), path);
}

}  // namespace k3s::object::patch::detail

namespace k3s::object::patch {

Json apply_strategic_merge_patch(const Json& original, const Json& patch, const PatchSchema& schema) {
  if (!original.is_object() || !patch.is_object()) throw PatchError(PatchErrorCode::bad_request, "invalid JSON document");
  return detail::merge_map(original, patch, "", schema, detail::MergeOptions{});
}

}  // namespace k3s::object::patch
