// The three patch formats kube-apiserver accepts, with its semantics:
//   application/json-patch+json            RFC 6902 JSON Patch
//   application/merge-patch+json           RFC 7386 JSON Merge Patch
//   application/strategic-merge-patch+json Kubernetes strategic merge patch
// plus the creation of strategic merge patches (two-way diff, and the three-way
// patch `kubectl apply` sends).
//
// Strategic merge needs to know, per field, how lists are merged. That knowledge comes
// from a PatchSchema; builtin_patch_schema() provides the patchStrategy/patchMergeKey
// tags of the built-in types, and an OpenAPI-driven schema can implement the same
// interface later (for CRDs or to drive everything from one schema).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace k3s::object::patch {

using Json = nlohmann::json;

// How the API server should answer a failed patch.
enum class PatchErrorCode {
  bad_request,     // 400: the patch document itself is malformed
  unprocessable,   // 422: the patch is well formed but does not apply (JSON patch op failed, ...)
  too_large,       // 413: more JSON patch operations than kube allows
  internal,        // 500: what kube-apiserver reports as an internal error (e.g. missing merge key)
};

class PatchError : public std::runtime_error {
 public:
  PatchError(PatchErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  PatchErrorCode code() const { return code_; }

 private:
  PatchErrorCode code_;
};

// ---- JSON pointer (RFC 6901) -------------------------------------------------------------

// "/a~1b/~0c" -> {"a/b", "~c"}; "" -> {}. Throws PatchError(bad_request) when the pointer
// does not start with '/' or has a bad escape.
std::vector<std::string> parse_json_pointer(std::string_view pointer);
std::string format_json_pointer(const std::vector<std::string>& tokens);
std::string escape_json_pointer_token(std::string_view token);

// ---- RFC 6902 ----------------------------------------------------------------------------

// kube-apiserver's cap on operations per JSON patch.
inline constexpr std::size_t kMaxJsonPatchOperations = 10000;

// Applies every operation in order; the document is unchanged if any fails.
// Errors: malformed patch -> bad_request; failing operation -> unprocessable with
// messages like "testing value /a failed: test failed"; too many ops -> too_large.
Json apply_json_patch(const Json& document, const Json& patch);

// ---- RFC 7386 ----------------------------------------------------------------------------

// Merge patch: objects merge recursively, null deletes, everything else replaces.
Json apply_merge_patch(const Json& document, const Json& patch);
// The merge patch turning `original` into `modified` (nulls for removed keys).
Json create_merge_patch(const Json& original, const Json& modified);

// ---- strategic merge schema ------------------------------------------------------------

// The patch metadata of one field: the Go struct tags patchStrategy / patchMergeKey
// (OpenAPI x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key).
struct PatchMeta {
  std::vector<std::string> strategies;  // e.g. {"merge", "retainKeys"}; empty: lists replace, maps merge
  std::string merge_key;                // for lists of objects merged by key

  bool has(std::string_view strategy) const;
  bool merge() const { return has("merge"); }
  bool retain_keys() const { return has("retainKeys"); }
  bool replace() const { return has("replace"); }
  bool operator==(const PatchMeta&) const = default;
};

// Field paths are dotted from the object root, list elements written as "[]":
// "spec.containers", "spec.containers[].ports", "spec.template.spec.volumes",
// "metadata.finalizers". Unknown fields have no strategy (PatchMeta{}).
class PatchSchema {
 public:
  virtual ~PatchSchema() = default;
  virtual PatchMeta lookup(std::string_view field_path) const = 0;
};

// A schema from an explicit table of paths (tests; simple custom types).
class TablePatchSchema : public PatchSchema {
 public:
  TablePatchSchema() = default;
  explicit TablePatchSchema(std::vector<std::pair<std::string, PatchMeta>> fields);
  void set(std::string path, PatchMeta meta);
  PatchMeta lookup(std::string_view field_path) const override;

 private:
  std::vector<std::pair<std::string, PatchMeta>> fields_;
};

// The built-in types' strategies (core/v1, apps/v1, batch/v1, policy/v1, autoscaling,
// networking, storage, ... plus ObjectMeta on every kind). `group` is "" for core.
// Returns nullptr for kinds it does not know (custom resources: kube answers 415).
std::shared_ptr<const PatchSchema> builtin_patch_schema(std::string_view group, std::string_view kind);

// ---- strategic merge patch ----------------------------------------------------------------

// Applies a strategic merge patch as kube-apiserver does: maps merge (null deletes a key),
// lists follow the field's strategy (replace by default; "merge" merges by merge key, or
// as a set for primitives), and the directives $patch (replace|delete|merge),
// $retainKeys, $setElementOrder/<field> and $deleteFromPrimitiveList/<field> apply.
// Both documents must be JSON objects.
Json apply_strategic_merge_patch(const Json& original, const Json& patch, const PatchSchema& schema);

// The strategic merge patch turning `original` into `modified` (CreateTwoWayMergePatch),
// including $setElementOrder and $deleteFromPrimitiveList directives and $patch: delete
// entries for removed merge-list elements.
Json create_two_way_strategic_merge_patch(const Json& original, const Json& modified, const PatchSchema& schema);

// kubectl apply's patch (CreateThreeWayMergePatch with overwrite): changes from `current`
// (the live object) to `modified` (the new configuration), plus deletions of what the
// user removed since `original` (the last-applied configuration). Fields set only by
// others in `current` are left alone.
Json create_three_way_strategic_merge_patch(const Json& original, const Json& modified, const Json& current,
                                            const PatchSchema& schema);

}  // namespace k3s::object::patch
