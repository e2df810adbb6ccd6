#include "codec.h"
#include "schema/schema.h"

#include <algorithm>
#include <set>

#include "object/yaml.h"
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
    // The limits match JSON's: the patch engines, strict field validation and serialization
    // recurse once per level.
    try {
      return object::parse_yaml(body, &duplicates, {.max_depth = kMaxDepth});
    } catch (const object::YamlError& e) {
      throw bad_request(std::string("error converting YAML to JSON: ") + e.what());
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
