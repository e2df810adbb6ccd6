// RFC 6902 with the behaviour of the library kube-apiserver uses (evanphx/json-patch v4):
// its error texts, negative array indices, and "replace" of a missing object member
// acting as "add".
#include <optional>

#include "object/patch.h"

namespace k3s::object::patch {

namespace {

// An operation-level failure; the message already says which operation failed.
PatchError fail(const std::string& message) { return PatchError(PatchErrorCode::unprocessable, message); }

std::string atoi_error(const std::string& key) { return "strconv.Atoi: parsing \"" + key + "\": invalid syntax"; }

std::optional<long long> parse_index(const std::string& key) {
  if (key.empty() || key.size() > 18) return std::nullopt;
  std::size_t start = (key[0] == '+' || key[0] == '-') ? 1 : 0;
  if (start == key.size()) return std::nullopt;
  long long value = 0;
  for (std::size_t i = start; i < key.size(); ++i) {
    if (key[i] < '0' || key[i] > '9') return std::nullopt;
    value = value * 10 + (key[i] - '0');
  }
  return key[0] == '-' ? -value : value;
}

std::string invalid_index(long long idx) {
  return "Unable to access invalid index: " + std::to_string(idx) + ": invalid index referenced";
}

// The container holding the last token, or nullptr when some ancestor is missing.
Json* find_parent(Json& doc, const std::vector<std::string>& tokens) {
  if (tokens.empty()) return nullptr;
  Json* node = &doc;
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    const std::string& part = tokens[i];
    if (node->is_object()) {
      auto it = node->find(part);
      if (it == node->end() || it->is_null()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      auto idx = parse_index(part);
      if (!idx) return nullptr;
      long long i2 = *idx < 0 ? *idx + static_cast<long long>(node->size()) : *idx;
      if (i2 < 0 || i2 >= static_cast<long long>(node->size())) return nullptr;
      node = &(*node)[static_cast<std::size_t>(i2)];
    } else {
      return nullptr;
    }
  }
  if (!node->is_object() && !node->is_array()) return nullptr;
  return node;
}

// Resolves an existing array element index (negative counts from the end).
std::size_t array_index(const Json& array, const std::string& key) {
  auto idx = parse_index(key);
  if (!idx) throw fail(atoi_error(key));
  long long i = *idx;
  if (i < 0) {
    if (i < -static_cast<long long>(array.size())) throw fail(invalid_index(i));
    i += static_cast<long long>(array.size());
  }
  if (i >= static_cast<long long>(array.size())) throw fail(invalid_index(i));
  return static_cast<std::size_t>(i);
}

// Returns the member/element or nullptr for a missing object member (arrays throw).
const Json* get_child(const Json& container, const std::string& key) {
  if (container.is_object()) {
    auto it = container.find(key);
    return it == container.end() ? nullptr : &*it;
  }
  return &container[array_index(container, key)];
}

void add_child(Json& container, const std::string& key, Json value) {
  if (container.is_object()) {
    container[key] = std::move(value);
    return;
  }
  if (key == "-") {
    container.push_back(std::move(value));
    return;
  }
  auto idx = parse_index(key);
  if (!idx) throw fail("value was not a proper array index: '" + key + "': " + atoi_error(key));
  long long i = *idx;
  long long size_after = static_cast<long long>(container.size()) + 1;
  if (i >= size_after) throw fail(invalid_index(i));
  if (i < 0) {
    if (i < -size_after) throw fail(invalid_index(i));
    i += size_after;
  }
  container.insert(container.begin() + i, std::move(value));
}

void remove_child(Json& container, const std::string& key) {
  if (container.is_object()) {
    if (container.erase(key) == 0) throw fail("Unable to remove nonexistent key: " + key + ": missing value");
    return;
  }
  auto idx = parse_index(key);
  if (!idx) throw fail(atoi_error(key));
  long long i = *idx;
  long long size = static_cast<long long>(container.size());
  if (i >= size) throw fail(invalid_index(i));
  if (i < 0) {
    if (i < -size) throw fail(invalid_index(i));
    i += size;
  }
  container.erase(static_cast<std::size_t>(i));
}

// Re-throws a container failure with the operation's prefix.
template <typename Fn>
void with_prefix(const std::string& prefix, Fn&& fn) {
  try {
    fn();
  } catch (const PatchError& e) {
    throw fail(prefix + e.what());
  }
}

std::string string_member(const Json& op, const char* name, const std::string& kind, const char* what) {
  auto it = op.find(name);
  if (it == op.end() || !it->is_string()) throw fail(kind + " operation failed to decode " + what + ": missing value");
  return it->get<std::string>();
}

const Json& value_member(const Json& op, const std::string& kind) {
  auto it = op.find("value");
  if (it == op.end()) throw fail(kind + " operation, missing value field: missing value");
  return *it;
}

std::vector<std::string> tokens_of(const std::string& path) {
  try {
    return parse_json_pointer(path);
  } catch (const PatchError&) {
    return {};  // treated as "doc is missing path" by the callers, as evanphx does
  }
}

void apply_one(Json& doc, const Json& op) {
  if (!op.is_object()) throw PatchError(PatchErrorCode::bad_request, "JSON patch operations must be objects");
  std::string kind = op.contains("op") && op["op"].is_string() ? op["op"].get<std::string>() : "unknown";

  if (kind == "add") {
    std::string path = string_member(op, "path", kind, "path");
    const Json& value = value_member(op, kind);
    auto tokens = tokens_of(path);
    Json* parent = find_parent(doc, tokens);
    if (parent == nullptr) throw fail("add operation does not apply: doc is missing path: \"" + path + "\": missing value");
    with_prefix("error in add for path: '" + path + "': ", [&] { add_child(*parent, tokens.back(), value); });
  } else if (kind == "remove") {
    std::string path = string_member(op, "path", kind, "path");
    auto tokens = tokens_of(path);
    Json* parent = find_parent(doc, tokens);
    if (parent == nullptr) {
      throw fail("remove operation does not apply: doc is missing path: \"" + path + "\": missing value");
    }
    with_prefix("error in remove for path: '" + path + "': ", [&] { remove_child(*parent, tokens.back()); });
  } else if (kind == "replace") {
    std::string path = string_member(op, "path", kind, "path");
    const Json& value = value_member(op, kind);
    if (path.empty()) {
      if (!value.is_object() && !value.is_array()) {
        throw fail("replace operation value must be object or array: missing value");
      }
      doc = value;
      return;
    }
    auto tokens = tokens_of(path);
    Json* parent = find_parent(doc, tokens);
    if (parent == nullptr) throw fail("replace operation does not apply: doc is missing path: " + path + ": missing value");
    if (parent->is_object()) {
      (*parent)[tokens.back()] = value;
    } else {
      std::size_t idx = 0;
      try {
        idx = array_index(*parent, tokens.back());
      } catch (const PatchError&) {
        throw fail("replace operation does not apply: doc is missing key: " + path + ": missing value");
      }
      (*parent)[idx] = value;
    }
  } else if (kind == "move") {
    std::string from = string_member(op, "from", kind, "from");
    auto from_tokens = tokens_of(from);
    Json* from_parent = find_parent(doc, from_tokens);
    if (from_parent == nullptr) {
      throw fail("move operation does not apply: doc is missing from path: " + from + ": missing value");
    }
    const std::string& from_key = from_tokens.back();
    Json moved;
    with_prefix("error in move for path: '" + from_key + "': ", [&] {
      const Json* value = get_child(*from_parent, from_key);
      if (value != nullptr) moved = *value;
      remove_child(*from_parent, from_key);
    });
    std::string path = string_member(op, "path", kind, "path");
    auto tokens = tokens_of(path);
    Json* parent = find_parent(doc, tokens);
    if (parent == nullptr) {
      throw fail("move operation does not apply: doc is missing destination path: " + path + ": missing value");
    }
    with_prefix("error in move for path: '" + path + "': ", [&] { add_child(*parent, tokens.back(), std::move(moved)); });
  } else if (kind == "copy") {
    std::string from = string_member(op, "from", kind, "from");
    auto from_tokens = tokens_of(from);
    Json* from_parent = find_parent(doc, from_tokens);
    if (from_parent == nullptr) {
      throw fail("copy operation does not apply: doc is missing from path: " + from + ": missing value");
    }
    Json copied;
    with_prefix("error in copy for from: '" + from + "': ", [&] {
      const Json* value = get_child(*from_parent, from_tokens.back());
      if (value == nullptr) throw fail("Unable to copy nonexistent key: " + from_tokens.back() + ": missing value");
      copied = *value;
    });
    std::string path = string_member(op, "path", kind, "path");
    auto tokens = tokens_of(path);
    Json* parent = find_parent(doc, tokens);
    if (parent == nullptr) {
      throw fail("copy operation does not apply: doc is missing destination path: " + path + ": missing value");
    }
    with_prefix("error while adding value during copy: ", [&] { add_child(*parent, tokens.back(), std::move(copied)); });
  } else if (kind == "test") {
    std::string path = string_member(op, "path", kind, "path");
    const Json& value = value_member(op, kind);
    if (path.empty()) {
      if (doc != value) throw fail("testing value " + path + " failed: test failed");
      return;
    }
    auto tokens = tokens_of(path);
    Json* parent = find_parent(doc, tokens);
    if (parent == nullptr) throw fail("test operation does not apply: is missing path: " + path + ": missing value");
    const Json* current = nullptr;
    with_prefix("error in test for path: '" + path + "': ", [&] { current = get_child(*parent, tokens.back()); });
    bool equal = current == nullptr ? value.is_null() : *current == value;
    if (!equal) throw fail("testing value " + path + " failed: test failed");
  } else {
    throw fail("Unexpected kind: " + kind);
  }
}

}  // namespace

Json apply_json_patch(const Json& document, const Json& patch) {
  if (!patch.is_array()) {
    throw PatchError(PatchErrorCode::bad_request,
                     "json: cannot unmarshal " + std::string(patch.type_name()) + " into Go value of type jsonpatch.Patch");
  }
  if (patch.size() > kMaxJsonPatchOperations) {
    throw PatchError(PatchErrorCode::too_large, "The allowed number of operations in a JSON patch is " +
                                                    std::to_string(kMaxJsonPatchOperations) + ", but the patch has " +
                                                    std::to_string(patch.size()) + " operations");
  }
  Json doc = document;
  for (const Json& op : patch) apply_one(doc, op);
  return doc;
}

}  // namespace k3s::object::patch
