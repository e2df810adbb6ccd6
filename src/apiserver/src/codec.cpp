#include "codec.h"
#include "schema/schema.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "protobuf_codec.h"
#include "status.h"

namespace k3s::apiserver {

namespace {

// Deep nesting is refused up front: the patch engines, strict field validation and
// serialization all recurse once per level, and a 3 MB body of "[[[[..." would otherwise
// exhaust a worker thread's stack. Go's decoder allows 10000 levels on stacks that grow; ours
// are fixed 8 MB thread stacks and strategic merge alone needs ~700 bytes a level, so the
// limit is 1000 (real objects, CRD schemas included, stay far below it).
constexpr int kMaxDepth = 1000;

// JSON parsing that records duplicate object keys (nlohmann keeps the last silently).

Json parse_json_strict(const std::string& body, std::vector<std::string>& duplicates) {
  std::vector<std::vector<std::string>> key_stack;
  int nesting = 0;
  auto cb = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        if (++nesting > kMaxDepth) throw bad_request("error decoding JSON: exceeded max depth");
        if (event == Json::parse_event_t::object_start) key_stack.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        --nesting;
        if (!key_stack.empty()) key_stack.pop_back();
        break;
      case Json::parse_event_t::array_end:
        --nesting;
        break;
      case Json::parse_event_t::key: {
        std::string k = parsed.get<std::string>();
        if (!key_stack.empty()) {
          auto& keys = key_stack.back();
          if (std::find(keys.begin(), keys.end(), k) != keys.end())
            duplicates.push_back(k);
          else
            keys.push_back(k);
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  try {
    return Json::parse(body, cb);
  } catch (const Json::exception& e) {
    // parse_error for malformed text, out_of_range for a number beyond double ("1e400"):
    // both are the client's fault, as Go's decoder reports them.
    std::string what = e.what();
    auto pos = what.find("] ");
    throw bad_request("error decoding JSON: " + (pos == std::string::npos ? what : what.substr(pos + 2)));
  }
}

Json yaml_scalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return text;  // quoted
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  // Integers and floats as YAML 1.1/1.2 would type them.
  bool numeric = !text.empty();
  std::size_t i = (text[0] == '-' || text[0] == '+') ? 1 : 0;
  bool digits = false, dot = false, exp = false;
  for (; i < text.size() && numeric; ++i) {
    char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits = true;
    } else if (c == '.' && !dot && !exp) {
      dot = true;
    } else if ((c == 'e' || c == 'E') && digits && !exp) {
      exp = true;
      if (i + 1 < text.size() && (text[i + 1] == '+' || text[i + 1] == '-')) ++i;
    } else {
      numeric = false;
    }
  }
  if (numeric && digits) {
    try {
      if (!dot && !exp) return std::stoll(text);
      return std::stod(text);
    } catch (...) {
    }
  }
  return text;
}

// Aliases let a few bytes name a huge tree ("billion laughs"), and an alias may even name its
// own ancestor. Expansion is cut off, as go-yaml does ("excessive aliasing"), once the decoded
// nodes outnumber what the body could spell without aliases by a margin.
struct YamlBudget {
  std::size_t nodes_left;
  int depth = 0;
};

// `path` holds the keys leading to `node`; joined only to name a duplicate.
Json yaml_to_json(const YAML::Node& node, std::vector<std::string>& path, std::vector<std::string>& duplicates,
                  YamlBudget& budget) {
  if (budget.nodes_left == 0) throw bad_request("error converting YAML to JSON: yaml: document contains excessive aliasing");
  --budget.nodes_left;
  if (node.Type() == YAML::NodeType::Sequence || node.Type() == YAML::NodeType::Map) {
    if (budget.depth >= kMaxDepth) throw bad_request("error converting YAML to JSON: exceeded max depth");
    ++budget.depth;
  }
  struct Leave {
    YamlBudget& b;
    bool nested;
    ~Leave() {
      if (nested) --b.depth;
    }
  } leave{budget, node.Type() == YAML::NodeType::Sequence || node.Type() == YAML::NodeType::Map};
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return yaml_scalar(node);
    case YAML::NodeType::Sequence: {
      Json arr = Json::array();
      for (const auto& item : node) arr.push_back(yaml_to_json(item, path, duplicates, budget));
      return arr;
    }
    case YAML::NodeType::Map: {
      Json obj = Json::object();
      for (const auto& kv : node) {
        // A sequence or map as key (YAML "? [a]") has no JSON form; yaml-cpp hands back an
        // unusable Scalar() for it (the fuzzer saw non-UTF-8 bytes).
        if (!kv.first.IsScalar()) throw bad_request("error converting YAML to JSON: yaml: invalid map key");
        std::string key = kv.first.Scalar();
        path.push_back(key);
        if (obj.contains(key)) {
          std::string joined;
          for (const auto& k : path) joined += (joined.empty() ? "" : ".") + k;
          duplicates.push_back(joined);
        }
        obj[key] = yaml_to_json(kv.second, path, duplicates, budget);
        path.pop_back();
      }
      return obj;
    }
  }
  return nullptr;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::tolower);
  return s;
}

}  // namespace

Json decode_body(const std::string& body, const std::string& content_type, std::vector<std::string>& duplicates) {
  std::string media = lower(content_type.substr(0, content_type.find(';')));
  media.erase(std::remove(media.begin(), media.end(), ' '), media.end());
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) throw bad_request("the request body is empty");
  if (media == protobuf::kMediaType) return protobuf::decode_envelope(body);
  if (media == "application/yaml" || media == "application/apply-patch+yaml" || media == "text/yaml") {
    // go-yaml refuses bytes that are not UTF-8; yaml-cpp passes them into strings nlohmann
    // then cannot serialize (a 500 when the object is stored or answered).
    try {
      (void)Json(body).dump();
    } catch (const Json::type_error&) {
      throw bad_request("error converting YAML to JSON: yaml: invalid leading UTF-8 octet");
    }
    // YAML allows no control characters but tab, line feed and carriage return; yaml-cpp
    // reads NUL and friends anyway and once produced a string of bytes the body never held.
    if (std::any_of(body.begin(), body.end(), [](char c) {
          auto byte = static_cast<unsigned char>(c);
          return (byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || byte == 0x7f;
        }))
      throw bad_request("error converting YAML to JSON: yaml: control characters are not allowed");
    try {
      YAML::Node node = YAML::Load(body);
      YamlBudget budget{body.size() + 100000};
      std::vector<std::string> path;
      return yaml_to_json(node, path, duplicates, budget);
    } catch (const YAML::Exception& e) {
      throw bad_request("error converting YAML to JSON: yaml: line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
  }
  if (media.empty() || media == "application/json" || media == "application/json-patch+json" ||
      media == "application/merge-patch+json" || media == "application/strategic-merge-patch+json" ||
      media == "*/*") {
    return parse_json_strict(body, duplicates);
  }
  throw unsupported_media_type(content_type);
}

Negotiated negotiate(const std::string& accept) {
  if (accept.empty()) return {};
  // Entries in order of preference as the client wrote them (kubectl puts Table first).
  std::size_t start = 0;
  bool any_supported = false;
  while (start <= accept.size()) {
    auto comma = accept.find(',', start);
    std::string entry = lower(accept.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    start = comma == std::string::npos ? accept.size() + 1 : comma + 1;
    entry.erase(std::remove(entry.begin(), entry.end(), ' '), entry.end());
    std::string media = entry.substr(0, entry.find(';'));
    bool json = media == "application/json" || media == "*/*" || media == "application/*";
    bool yaml = media == "application/yaml";
    if (!json && !yaml) continue;
    any_supported = true;
    std::string as;
    std::string group;
    auto params = entry.find(';') == std::string::npos ? std::string() : entry.substr(entry.find(';') + 1);
    std::size_t p = 0;
    while (p < params.size()) {
      auto semi = params.find(';', p);
      std::string kv = params.substr(p, semi == std::string::npos ? std::string::npos : semi - p);
      p = semi == std::string::npos ? params.size() : semi + 1;
      auto eq = kv.find('=');
      if (eq == std::string::npos) continue;
      if (kv.substr(0, eq) == "as") as = kv.substr(eq + 1);
      if (kv.substr(0, eq) == "g") group = kv.substr(eq + 1);
    }
    if (as.empty()) return {OutputForm::object, yaml};
    if (group == "meta.k8s.io" && as == "table") return {OutputForm::table, yaml};
    if (group == "meta.k8s.io" && (as == "partialobjectmetadata" || as == "partialobjectmetadatalist"))
      return {OutputForm::partial_metadata, yaml};
    // Other "as=" forms (aggregated discovery ...) are not produced: try the next entry.
  }
  if (!any_supported && accept.find("protobuf") != std::string::npos) return {};  // answer JSON; clients accept it
  if (!any_supported) throw not_acceptable("only the following media types are accepted: application/json, application/yaml");
  return {};
}

Json decode_typed_body(const std::string& body, const std::string& content_type, const schema::Kind& kind,
                       std::vector<std::string>& duplicates) {
  Json obj = decode_body(body, content_type, duplicates);
  if (!obj.is_object()) throw bad_request("the request body must be a JSON object");
  for (const char* key : {"kind", "apiVersion"}) {
    if (!obj.contains(key) || obj[key].is_string()) continue;
    if (obj[key].is_null()) {
      obj.erase(key);
      continue;
    }
    const std::string word = obj[key].is_boolean() ? "bool" : obj[key].type_name();
    throw bad_request("couldn't get version/kind; json parse error: json: cannot unmarshal " + word +
                      " into Go struct field ." + key + " of type string");
  }
  if (auto mismatch = schema::type_error(kind, obj))
    throw bad_request(kind.kind + " in version \"" + kind.version + "\" cannot be handled as a " + kind.kind + ": " +
                      *mismatch);
  return obj;
}

}  // namespace k3s::apiserver
