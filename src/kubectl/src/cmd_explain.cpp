// explain RESOURCE[.field...]: the fields of a kind from the server's OpenAPI v3 document
// of its group-version, in kubectl's plaintext layout (KIND/VERSION/FIELD/DESCRIPTION/FIELDS).
#include <iostream>
#include <sstream>

#include "commands.h"
#include "util/strings.h"

namespace k3s::kubectl {
namespace {

void add_explain_flags(Flags& flags) {
  flags.add("recursive", 0, false);
  flags.add("api-version", 0, true);
  flags.add("output", 0, true, "plaintext");
}

// One group-version's OpenAPI v3 document and lookups in its components.schemas.
class Document {
 public:
  explicit Document(Json doc) : doc_(std::move(doc)) {}

  const Json& schemas() const {
    static const Json empty = Json::object();
    if (!doc_.contains("components") || !doc_["components"].contains("schemas")) return empty;
    return doc_["components"]["schemas"];
  }

  // The definition carrying the kind in x-kubernetes-group-version-kind.
  const Json* kind_schema(const client::GroupVersionKind& gvk) const {
    for (const auto& [name, s] : schemas().items()) {
      for (const auto& g : s.value("x-kubernetes-group-version-kind", Json::array())) {
        if (g.value("group", "") == gvk.group && g.value("version", "") == gvk.version &&
            g.value("kind", "") == gvk.kind)
          return &s;
      }
    }
    return nullptr;
  }

  // The $ref a schema points at (directly or as its single allOf), "" when none.
  static std::string ref_of(const Json& s) {
    if (s.contains("$ref")) return s["$ref"].get<std::string>();
    if (s.contains("allOf") && s["allOf"].is_array() && s["allOf"].size() == 1) return ref_of(s["allOf"][0]);
    return "";
  }

  const Json& resolve(const Json& s) const {
    std::string ref = ref_of(s);
    if (ref.empty()) return s;
    std::string name = ref.substr(ref.rfind('/') + 1);
    if (!schemas().contains(name)) return s;
    return resolve(schemas()[name]);
  }

  // The type name kubectl shows: primitives by JSON type, arrays as []T, maps as
  // map[string]T, referenced objects by the last segment of their definition name.
  std::string type_name(const Json& s) const {
    std::string ref = ref_of(s);
    if (!ref.empty()) {
      const Json& target = resolve(s);
      std::string type = target.value("type", "");
      if (!type.empty() && type != "object" && type != "array") return type;
      std::string name = ref.substr(ref.rfind('/') + 1);
      return name.substr(name.rfind('.') + 1);
    }
    std::string type = s.value("type", "");
    if (type == "array") return "[]" + type_name(s.value("items", Json::object()));
    if (type == "object" && s.contains("additionalProperties") && s["additionalProperties"].is_object())
      return "map[string]" + type_name(s["additionalProperties"]);
    if (type == "object") return "Object";
    return type;
  }

  // The object whose properties a field's value has: through refs and array items.
  const Json& element(const Json& s) const {
    const Json& r = resolve(s);
    if (r.value("type", "") == "array" && r.contains("items")) return element(r["items"]);
    return r;
  }

 private:
  Json doc_;
};

std::string gv_path(const client::GroupVersionKind& gvk) {
  return gvk.group.empty() ? "api/" + gvk.version : "apis/" + gvk.group + "/" + gvk.version;
}

Document fetch_document(Session& session, const client::GroupVersionKind& gvk) {
  Json root = session.api().request_json("GET", "/openapi/v3");
  std::string path = gv_path(gvk);
  std::string url = "/openapi/v3/" + path;
  if (root.contains("paths") && root["paths"].contains(path))
    url = root["paths"][path].value("serverRelativeURL", url);
  return Document(session.api().request_json("GET", url));
}

bool is_required(const Json& parent, const std::string& field) {
  for (const auto& r : parent.value("required", Json::array()))
    if (r == field) return true;
  return false;
}

// kubectl's plaintext template fills descriptions to 76 columns, indented by `indent`.
void print_wrapped(std::ostream& out, const std::string& text, int indent) {
  constexpr std::size_t kWidth = 76;
  std::istringstream paragraphs(text);
  for (std::string paragraph; std::getline(paragraphs, paragraph);) {
    std::istringstream words(paragraph);
    std::string line;
    for (std::string word; words >> word;) {
      if (!line.empty() && line.size() + 1 + word.size() > kWidth) {
        out << std::string(indent, ' ') << line << "\n";
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
    }
    out << std::string(indent, ' ') << line << "\n";
  }
}

// The field's own text, then the text of the type it refers to, as kubectl prints them.
void print_description(std::ostream& out, const Document& doc, const Json& s) {
  out << "DESCRIPTION:\n";
  std::string own = s.value("description", "");
  // The referenced type's text, also for a list or map of references.
  std::string type;
  const Json* value = &s;
  while (Document::ref_of(*value).empty()) {
    if (value->value("type", "") == "array" && value->contains("items"))
      value = &(*value)["items"];
    else if (value->contains("additionalProperties") && (*value)["additionalProperties"].is_object())
      value = &(*value)["additionalProperties"];
    else
      break;
  }
  if (!Document::ref_of(*value).empty()) {
    const Json& target = doc.resolve(*value);
    if (&target != value) type = target.value("description", "");
  }
  if (own.empty() && type.empty()) {
    out << "    <empty>\n";
    return;
  }
  if (!own.empty()) print_wrapped(out, own, 4);
  if (!type.empty()) print_wrapped(out, type, 4);
  out << "    \n";
}

// --recursive: every nested field, two spaces deeper per level; a type already on the
// current path is not entered again.
void print_recursive(std::ostream& out, const Document& doc, const Json& object, int indent,
                     std::vector<const Json*>& path) {
  if (!object.contains("properties")) return;
  const Json& props = object["properties"];
  for (const auto& [name, field] : props.items()) {
    out << std::string(indent, ' ') << name << "\t<" << doc.type_name(field) << ">"
        << (is_required(object, name) ? " -required-" : "") << "\n";
    const Json& nested = doc.element(field);
    if (!nested.contains("properties")) continue;
    bool seen = false;
    for (const auto* p : path) seen = seen || p == &nested;
    if (seen) continue;
    path.push_back(&nested);
    print_recursive(out, doc, nested, indent + 2, path);
    path.pop_back();
  }
}

int run_explain(Session& session) {
  const Flags& f = session.flags();
  const auto& args = f.positional();
  if (args.empty())
    throw CommandError(
        "You must specify the type of resource to explain. Use \"kubectl api-resources\" for a complete list of "
        "supported resources.");
  std::string output = f.str("output");
  if (output != "plaintext")
    throw CommandError("unsupported output format: " + output + "; the bundled kubectl explains from OpenAPI v3 only");
  std::vector<std::string> parts = util::split(args[0], '.');
  client::ResourceInfo info;
  try {
    info = session.resource(parts[0]);
  } catch (const CommandError& e) {
    // explain prints the mapper's error bare, without "error: ".
    throw ExitError(e.what());
  }
  if (f.given("api-version")) {
    std::string api_version = f.str("api-version");
    std::optional<client::ResourceInfo> match;
    for (const auto& r : session.mapper().all_resources())
      if (r.gvr.resource == info.gvr.resource && r.gvr.api_version() == api_version) match = r;
    if (!match) {
      std::string gv = api_version.find('/') == std::string::npos ? "/" + api_version : api_version;
      throw CommandError("couldn't find resource for \"" + gv + ", Resource=" + info.gvr.resource + "\"");
    }
    info = *match;
  }
  const client::GroupVersionKind gvk = info.gvk();
  Document doc = fetch_document(session, gvk);
  const Json* kind = doc.kind_schema(gvk);
  if (kind == nullptr)
    throw CommandError("couldn't find resource for \"" + (gvk.group.empty() ? "" : gvk.group) + "/" + gvk.version +
                       ", Kind=" + gvk.kind + "\"");

  std::ostringstream out;
  if (!gvk.group.empty()) out << "GROUP:      " << gvk.group << "\n";
  out << "KIND:       " << gvk.kind << "\n";
  out << "VERSION:    " << gvk.version << "\n\n";

  // Walk the field path: each step looks in the properties of the previous value's object.
  const Json* field = kind;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const Json& object = doc.element(*field);
    const Json props = object.value("properties", Json::object());
    if (!props.contains(parts[i])) {
      std::cout << out.str();
      // kubectl names the path's last segment, whichever one is missing.
      throw CommandError("field \"" + parts.back() + "\" does not exist");
    }
    field = &object["properties"][parts[i]];
  }
  if (parts.size() > 1) out << "FIELD: " << parts.back() << " <" << doc.type_name(*field) << ">\n\n\n";
  print_description(out, doc, *field);
  const Json& object = doc.element(*field);
  if (object.contains("properties") && !object["properties"].empty()) {
    out << "FIELDS:\n";
    if (f.boolean("recursive")) {
      std::vector<const Json*> path = {&object};
      print_recursive(out, doc, object, 2, path);
    } else {
      for (const auto& [name, s] : object["properties"].items()) {
        out << "  " << name << "\t<" << doc.type_name(s) << ">" << (is_required(object, name) ? " -required-" : "")
            << "\n";
        std::string text = s.value("description", "");
        if (text.empty())
          out << "    <no description>\n";
        else
          print_wrapped(out, text, 4);
        out << "\n";
      }
    }
  }
  out << "\n";
  std::cout << out.str();
  return 0;
}

}  // namespace

std::vector<CommandDef> explain_commands() { return {{"explain", add_explain_flags, run_explain}}; }

}  // namespace k3s::kubectl
