#include "object/patch.h"

namespace k3s::object::patch {

std::vector<std::string> parse_json_pointer(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer.front() != '/') {
    throw PatchError(PatchErrorCode::bad_request, "JSON pointer must be empty or start with '/': \"" + std::string(pointer) + "\"");
  }
  std::string current;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(current));
      current.clear();
      continue;
    }
    char c = pointer[i];
    if (c == '~') {
      char next = i + 1 < pointer.size() ? pointer[i + 1] : '\0';
      if (next == '0') {
        current.push_back('~');
      } else if (next == '1') {
        current.push_back('/');
      } else {
        throw PatchError(PatchErrorCode::bad_request, "invalid escape in JSON pointer: \"" + std::string(pointer) + "\"");
      }
      ++i;
    } else {
      current.push_back(c);
    }
  }
  return tokens;
}

std::string escape_json_pointer_token(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string format_json_pointer(const std::vector<std::string>& tokens) {
  std::string out;
  for (auto& t : tokens) out += "/" + escape_json_pointer_token(t);
  return out;
}

}  // namespace k3s::object::patch
