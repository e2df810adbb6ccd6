// Shared pieces of the strategic merge engine (apply and diff), private to k3s_object.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "object/patch.h"

namespace k3s::object::patch::detail {

inline constexpr std::string_view kDirective = "$patch";
inline constexpr std::string_view kRetainKeys = "$retainKeys";
inline constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList";
inline constexpr std::string_view kSetElementOrder = "$setElementOrder";

enum class Kind { null, object, array, string, number, boolean };
Kind kind_of(const Json& v);

// Go's fmt "%v" of a decoded JSON value (used for ordering and messages).
std::string go_string(const Json& v);

std::string child_path(const std::string& parent, const std::string& key);
inline std::string element_path(const std::string& list_path) { return list_path + "[]"; }

// The common element kind of the lists; throws for lists of lists, mixed kinds, or no elements.
Kind slice_element_kind(const Json& a, const Json& b);

// Stable sort of `to_sort` by the position of each item in `order` (by merge key for maps);
// for maps, "$patch: delete" items go last.
std::vector<Json> normalize_slice_order(std::vector<Json> to_sort, const std::vector<Json>& order,
                                        const std::string& merge_key, Kind kind);

std::vector<Json> as_vector(const Json& array);
Json as_array(std::vector<Json> items);

struct MergeOptions {
  bool merge_parallel_list = true;     // apply $deleteFromPrimitiveList (false: keep it, merging two patches)
  bool ignore_unmatched_nulls = true;  // drop nulls that delete nothing (false: keep them, merging two patches)
};

Json merge_map(Json original, Json patch, const std::string& path, const PatchSchema& schema, const MergeOptions& options);

PatchError internal_error(const std::string& message);
PatchError no_merge_key(const Json& m, const std::string& merge_key);

}  // namespace k3s::object::patch::detail
