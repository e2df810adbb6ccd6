// Helpers shared by the commands: manifests, targets, namespaces, result messages.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "object/meta.h"
#include "object/patch.h"
#include "object/yaml.h"
#include "output.h"

namespace k3s::kubectl {

void add_print_flags(Flags& flags) {
  flags.add("output", 'o', true);
  flags.add("no-headers", 0, false);
  flags.add("show-labels", 0, false);
  flags.add("label-columns", 'L', true);
  flags.add("sort-by", 0, true);
  flags.add("show-kind", 0, false);
  flags.add("show-managed-fields", 0, false);
  flags.add("template", 0, true);
  flags.add("allow-missing-template-keys", 0, false, "true");
}

void add_file_flags(Flags& flags) {
  flags.add("filename", 'f', true);
  flags.add("recursive", 'R', false);
  flags.add("kustomize", 'k', true);
}

namespace {

bool has_manifest_extension(const std::string& path) {
  auto ext = std::filesystem::path(path).extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

void collect_files(const std::string& dir, bool recursive, std::vector<std::string>& out) {
  std::vector<std::string> entries;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) entries.push_back(entry.path().string());
  std::sort(entries.begin(), entries.end());
  for (const auto& e : entries) {
    if (std::filesystem::is_directory(e)) {
      if (recursive) collect_files(e, recursive, out);
    } else if (has_manifest_extension(e)) {
      out.push_back(e);
    }
  }
}

std::vector<Json> parse_manifest(const std::string& text, const std::string& source) {
  std::vector<Json> docs;
  try {
    docs = object::parse_yaml_documents(text);
  } catch (const object::YamlError& e) {
    throw CommandError("error parsing " + source + ": error converting YAML to JSON: " + e.what());
  }
  std::vector<Json> out;
  for (auto& d : docs) {
    if (!d.is_object()) {
      throw CommandError("error validating \"" + source +
                         "\": error validating data: invalid object to validate; if you choose to ignore these "
                         "errors, turn validation off with --validate=false");
    }
    if (d.value("kind", "") == "List" || (d.contains("items") && d.value("kind", "").size() > 4 &&
                                          d.value("kind", "").ends_with("List"))) {
      for (auto& item : d["items"]) out.push_back(item);
      continue;
    }
    if (!d.contains("kind") || !d["kind"].is_string() || d["kind"].get<std::string>().empty()) {
      throw CommandError("error validating \"" + source + "\": error validating data: kind not set; if you choose to "
                         "ignore these errors, turn validation off with --validate=false");
    }
    if (!d.contains("apiVersion") || !d["apiVersion"].is_string()) {
      throw CommandError("error validating \"" + source + "\": error validating data: apiVersion not set; if you "
                         "choose to ignore these errors, turn validation off with --validate=false");
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

std::string go_json_compact(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string out;
  for (char c : text) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

std::vector<Manifest> read_manifests(const Flags& flags) {
  auto files = flags.all("filename");
  if (files.empty()) throw CommandError("must specify one of -f and -k");
  std::vector<Manifest> out;
  for (const auto& f : files) {
    std::vector<std::string> paths;
    if (f == "-") {
      std::ostringstream text;
      text << std::cin.rdbuf();
      for (auto& d : parse_manifest(text.str(), "STDIN")) out.push_back({std::move(d), "STDIN"});
      continue;
    }
    if (f.rfind("http://", 0) == 0 || f.rfind("https://", 0) == 0) {
      throw CommandError("unable to read URL \"" + f + "\": remote manifests are not supported by this kubectl");
    }
    struct stat st {};
    if (stat(f.c_str(), &st) != 0) throw CommandError("the path \"" + f + "\" does not exist");
    if (S_ISDIR(st.st_mode)) {
      collect_files(f, flags.boolean("recursive"), paths);
    } else {
      paths.push_back(f);
    }
    for (const auto& p : paths) {
      std::ifstream in(p);
      if (!in) throw CommandError("open " + p + ": permission denied");
      std::ostringstream text;
      text << in.rdbuf();
      for (auto& d : parse_manifest(text.str(), p)) out.push_back({std::move(d), p});
    }
  }
  return out;
}

std::string namespace_for_object(Session& session, const Json& object, const client::ResourceInfo& info) {
  if (!info.namespaced) return "";
  std::string own = object.value("metadata", Json::object()).value("namespace", "");
  std::string ns = session.namespace_();
  if (!own.empty()) {
    if (session.flags().given("namespace") && own != ns) {
      throw CommandError("the namespace from the provided object \"" + own +
                         "\" does not match the namespace \"" + ns + "\". You must pass '--namespace=" + own +
                         "' to perform this operation.");
    }
    return own;
  }
  return ns;
}

std::string display_name(const client::ResourceInfo& info, const std::string& name) {
  return resource_name_of(info.kind, info.gvr.group, name);
}

std::vector<ResourceTarget> resolve_targets(Session& session, const std::vector<std::string>& args) {
  std::vector<ResourceTarget> out;
  if (args.empty()) return out;
  bool slash_form = args[0].find('/') != std::string::npos;
  if (slash_form) {
    for (const auto& a : args) {
      auto slash = a.find('/');
      if (slash == std::string::npos) {
        throw CommandError("there is no need to specify a resource type as a separate argument when passing "
                           "arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of "
                           "'kubectl get resource resource/<resource_name>'");
      }
      auto info = session.resource(a.substr(0, slash));
      std::string name = a.substr(slash + 1);
      if (name.empty()) throw CommandError("arguments in resource/name form must have a single resource and name");
      auto it = std::find_if(out.begin(), out.end(), [&](const ResourceTarget& t) { return t.info.gvr == info.gvr; });
      if (it == out.end()) {
        out.push_back({info, {name}});
      } else {
        it->names.push_back(name);
      }
    }
    return out;
  }
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i].find('/') != std::string::npos) {
      throw CommandError("there is no need to specify a resource type as a separate argument when passing arguments "
                         "in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get "
                         "resource resource/<resource_name>'");
    }
  }
  std::vector<std::string> names(args.begin() + 1, args.end());
  std::stringstream types(args[0]);
  std::string type;
  while (std::getline(types, type, ',')) {
    if (type.empty()) continue;
    if (type == "all") {
      for (const auto& r : session.mapper().all_resources()) {
        if (!r.preferred_version) continue;
        if (std::find(r.categories.begin(), r.categories.end(), "all") == r.categories.end()) continue;
        if (std::any_of(out.begin(), out.end(), [&](const ResourceTarget& t) { return t.info.gvr == r.gvr; })) continue;
        out.push_back({r, names});
      }
      continue;
    }
    auto info = session.resource(type);
    if (std::any_of(out.begin(), out.end(), [&](const ResourceTarget& t) { return t.info.gvr == info.gvr; })) continue;
    out.push_back({info, names});
  }
  return out;
}

const char* const kNoResourcesError =
    "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n"
    "   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'";

std::vector<FetchedTarget> fetch_targets(Session& session, const std::vector<std::string>& args) {
  const Flags& f = session.flags();
  std::vector<FetchedTarget> out;
  auto fetch = [&](FetchedTarget t) {
    try {
      t.object = session.api().get(t.info.gvr, t.ns, t.name);
    } catch (const client::ApiError& e) {
      t.error = e;
    }
    out.push_back(std::move(t));
  };
  if (f.given("filename")) {
    for (const auto& m : read_manifests(f)) {
      auto info = session.mapper().resource_for_kind(m.object.value("apiVersion", ""), m.object.value("kind", ""));
      fetch({info, namespace_for_object(session, m.object, info), object::name_of(m.object), {}, {}});
    }
    return out;
  }
  if (args.empty()) throw CommandError(kNoResourcesError);
  const bool selecting = f.given("selector") || (f.given("all") && f.boolean("all"));
  for (const auto& t : resolve_targets(session, args)) {
    std::string ns = t.info.namespaced ? session.namespace_() : "";
    if (t.names.empty()) {
      if (!selecting) throw CommandError("resource(s) were provided, but no name was specified");
      client::ListOptions lo;
      lo.label_selector = f.str("selector");
      for (auto& item : session.api().list(t.info.gvr, ns, lo).value("items", Json::array())) {
        // List items carry no type; the commands print and patch them as objects.
        item["apiVersion"] = t.info.gvr.api_version();
        item["kind"] = t.info.kind;
        out.push_back({t.info, ns, object::name_of(item), item, {}});
      }
      continue;
    }
    for (const auto& name : t.names) fetch({t.info, ns, name, {}, {}});
  }
  return out;
}

Json parse_label_spec(const std::string& text) {
  Json out = Json::object();
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    start = comma + 1;
    auto eq = item.find('=');
    if (eq == std::string::npos || item.find('=', eq + 1) != std::string::npos)
      throw CommandError("unexpected label spec: " + item);
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

std::int64_t parse_go_int(const std::string& text) {
  std::size_t used = 0;
  std::int64_t number = 0;
  try {
    number = std::stoll(text, &used);
  } catch (...) {
    used = 0;
  }
  if (used == 0 || used != text.size() || std::isspace(static_cast<unsigned char>(text[0])))
    throw CommandError("strconv.Atoi: parsing \"" + text + "\": invalid syntax");
  return number;
}

Json apply_overrides(const Json& object, const std::string& overrides, const std::string& type) {
  if (type != "merge" && type != "json" && type != "strategic") throw CommandError("invalid override type: " + type);
  Json patch = Json::parse(overrides, nullptr, false);
  if (patch.is_discarded()) throw CommandError("Invalid JSON Patch");
  try {
    if (type == "merge") return object::patch::apply_merge_patch(object, patch);
    if (type == "json") return object::patch::apply_json_patch(object, patch);
    auto api_version = object::parse_api_version(object.value("apiVersion", ""));
    auto schema = object::patch::builtin_patch_schema(api_version.group, object.value("kind", ""));
    if (!schema) return object::patch::apply_merge_patch(object, patch);
    return object::patch::apply_strategic_merge_patch(object, patch, *schema);
  } catch (const object::patch::PatchError& e) {
    throw CommandError(e.what());
  }
}

Json submit_generated(Session& session, Json object, const client::GroupVersionResource& gvr, const std::string& mode,
                      bool namespace_in_dry_run) {
  const Flags& f = session.flags();
  if (namespace_in_dry_run && f.given("namespace")) object["metadata"]["namespace"] = session.namespace_();
  if (f.boolean("save-config")) {
    Json copy = object;
    object["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = go_json_compact(copy) + "\n";
  }
  if (mode == "client") return object;
  object["metadata"]["namespace"] = session.namespace_();
  client::WriteOptions wo;
  wo.field_manager = f.str("field-manager");
  if (mode == "server") wo.dry_run = {"All"};
  return session.api().create(gvr, object, wo);
}

std::string dry_run_mode(const Flags& flags) {
  if (!flags.given("dry-run")) return "none";
  std::string v = flags.str("dry-run");
  if (v == "true" || v == "client") return "client";
  if (v == "server") return "server";
  if (v == "none" || v == "false") return "none";
  throw CommandError("Invalid dry-run value (" + v + "). Must be \"none\", \"server\", or \"client\".");
}

std::string dry_run_suffix(const std::string& mode) {
  if (mode == "client") return " (dry run)";
  if (mode == "server") return " (server dry run)";
  return "";
}

void print_result(Session& session, const Json& object, const client::ResourceInfo& info, const std::string& verb,
                  const std::string& dry_run) {
  const Flags& flags = session.flags();
  std::string output = flags.given("output") ? flags.str("output") : "";
  if (!output.empty() && output != "name") {
    check_output_format(output);
    PrintOptions options;
    options.output = output;
    std::cout << print_objects({object}, options, false);
    return;
  }
  std::string name = object.value("metadata", Json::object()).value("name", "");
  if (output == "name") {
    std::cout << display_name(info, name) << "\n";
    return;
  }
  std::cout << display_name(info, name) << " " << verb << dry_run_suffix(dry_run) << "\n";
}

std::chrono::milliseconds parse_duration(const std::string& text) {
  if (text.empty() || text == "0") return std::chrono::milliseconds(0);
  long long total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (start == i) throw CommandError("time: invalid duration \"" + text + "\"");
    double value = std::stod(text.substr(start, i - start));
    std::size_t ustart = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(ustart, i - ustart);
    double ms = unit == "ms" ? value : unit == "s" ? value * 1000 : unit == "m" ? value * 60000
              : unit == "h" ? value * 3600000 : -1;
    if (ms < 0) throw CommandError("time: " + std::string(unit.empty() ? "missing unit" : "unknown unit \"" + unit + "\"") + " in duration \"" + text + "\"");
    total += static_cast<long long>(ms);
  }
  return std::chrono::milliseconds(total);
}

}  // namespace k3s::kubectl
