// In-place changes to named objects: patch, label, annotate, scale.
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "commands.h"
#include "object/meta.h"
#include "object/patch.h"
#include "object/yaml.h"
#include "output.h"

namespace k3s::kubectl {
namespace {

void add_patch_flags(Flags& flags) {
  add_file_flags(flags);
  flags.add("patch", 'p', true);
  flags.add("patch-file", 0, true);
  flags.add("type", 0, true, "strategic");
  flags.add("output", 'o', true);
  flags.add("dry-run", 0, true, "none");
  flags.add("local", 0, false);
  flags.add("subresource", 0, true);
  flags.add("field-manager", 0, true);
}

struct Named {
  client::ResourceInfo info;
  std::string ns;
  std::string name;
};

// Targets named on the command line ("pod x", "pod/x") or by -f.
std::vector<Named> named_targets(Session& session, const std::vector<std::string>& args) {
  std::vector<Named> out;
  const Flags& f = session.flags();
  if (f.given("filename")) {
    for (const auto& m : read_manifests(f)) {
      auto info = session.mapper().resource_for_kind(m.object.value("apiVersion", ""), m.object.value("kind", ""));
      out.push_back({info, namespace_for_object(session, m.object, info), object::name_of(m.object)});
    }
    return out;
  }
  for (const auto& t : resolve_targets(session, args)) {
    for (const auto& n : t.names) out.push_back({t.info, t.info.namespaced ? session.namespace_() : "", n});
  }
  return out;
}

int run_patch(Session& session) {
  const Flags& f = session.flags();
  std::string mode = dry_run_mode(f);
  std::string body = f.str("patch");
  if (f.given("patch-file")) {
    std::ifstream in(f.str("patch-file"));
    if (!in) throw CommandError("unable to read patch file: open " + f.str("patch-file") + ": no such file or directory");
    std::ostringstream s;
    s << in.rdbuf();
    body = s.str();
  }
  if (body.empty()) throw CommandError("must specify -p to patch");
  std::string type_name = f.str("type");
  client::PatchType type;
  if (type_name == "strategic") type = client::PatchType::strategic;
  else if (type_name == "merge") type = client::PatchType::merge;
  else if (type_name == "json") type = client::PatchType::json;
  else throw CommandError("--type must be one of [json merge strategic], not \"" + type_name + "\"");
  Json patch;
  try {
    patch = object::parse_yaml(body);
  } catch (const std::exception& e) {
    throw CommandError(std::string("unable to parse \"") + body + "\": " + e.what());
  }
  auto targets = named_targets(session, f.positional());
  if (targets.empty()) {
    throw CommandError("You must provide one or more resources by argument or filename.\nExample resource "
                       "specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> "
                       "<name>'\n   '<resource>'");
  }
  int rc = 0;
  for (const auto& t : targets) {
    try {
      Json before = session.api().get(t.info.gvr, t.ns, t.name, {.subresource = f.str("subresource")});
      client::PatchOptions options;
      options.subresource = f.str("subresource");
      if (mode == "server") options.dry_run = {"All"};
      Json after = session.api().patch(t.info.gvr, t.ns, t.name, type, patch.dump(), options);
      Json strip_before = before, strip_after = after;
      for (Json* o : {&strip_before, &strip_after}) {
        if (o->contains("metadata")) {
          (*o)["metadata"].erase("resourceVersion");
          (*o)["metadata"].erase("managedFields");
          (*o)["metadata"].erase("generation");
        }
      }
      std::string verb = strip_before == strip_after ? "patched (no change)" : "patched";
      print_result(session, after, t.info, verb, mode);
    } catch (const client::ApiError& e) {
      std::cerr << api_error_text(e) << "\n";
      rc = 1;
    }
  }
  return rc;
}

// ---- label / annotate ------------------------------------------------------------------

void add_label_flags(Flags& flags) {
  add_file_flags(flags);
  flags.add("overwrite", 0, false);
  flags.add("all", 0, false);
  flags.add("all-namespaces", 'A', false);
  flags.add("selector", 'l', true);
  flags.add("field-selector", 0, true);
  flags.add("resource-version", 0, true);
  flags.add("list", 0, false);
  flags.add("local", 0, false);
  flags.add("output", 'o', true);
  flags.add("dry-run", 0, true, "none");
  flags.add("field-manager", 0, true);
}

int run_label_or_annotate(Session& session, bool labels) {
  const Flags& f = session.flags();
  std::string mode = dry_run_mode(f);
  std::string what = labels ? "label" : "annotation";
  std::vector<std::string> resources;
  std::map<std::string, std::string> set;
  std::vector<std::string> remove;
  for (const auto& a : f.positional()) {
    auto eq = a.find('=');
    if (eq != std::string::npos) {
      set[a.substr(0, eq)] = a.substr(eq + 1);
    } else if (!a.empty() && a.back() == '-' && resources.size() > 0) {
      remove.push_back(a.substr(0, a.size() - 1));
    } else {
      resources.push_back(a);
    }
  }
  if (set.empty() && remove.empty() && !f.boolean("list")) {
    throw CommandError(std::string("at least one ") + what + " update is required");
  }
  std::vector<Named> targets;
  bool selecting = f.given("selector") || f.given("field-selector") || f.boolean("all");
  if (selecting && !f.given("filename")) {
    for (const auto& t : resolve_targets(session, resources)) {
      client::ListOptions lo;
      lo.label_selector = f.str("selector");
      lo.field_selector = f.str("field-selector");
      std::string ns = t.info.namespaced && !f.boolean("all-namespaces") ? session.namespace_() : "";
      for (const auto& item : session.api().list(t.info.gvr, ns, lo).value("items", Json::array())) {
        targets.push_back({t.info, object::namespace_of(item), object::name_of(item)});
      }
    }
  } else {
    targets = named_targets(session, resources);
  }
  if (targets.empty() && !selecting) {
    throw CommandError("one or more resources must be specified as <resource> <name> or <resource>/<name>");
  }
  int rc = 0;
  for (const auto& t : targets) {
    try {
      Json current = session.api().get(t.info.gvr, t.ns, t.name);
      auto existing = labels ? object::labels_of(current) : object::annotations_of(current);
      if (f.boolean("list")) {
        for (const auto& [k, v] : existing) std::cout << k << "=" << v << "\n";
        continue;
      }
      if (!f.boolean("overwrite")) {
        for (const auto& [k, v] : set) {
          if (existing.count(k) && existing[k] != v) {
            throw CommandError("'" + k + "' already has a value (" + existing[k] + "), and --overwrite is false");
          }
        }
      }
      Json changes = Json::object();
      for (const auto& [k, v] : set) changes[k] = v;
      for (const auto& k : remove) {
        if (existing.count(k)) changes[k] = nullptr;
        else std::cerr << what << " \"" << k << "\" not found.\n";
      }
      Json patch = {{"metadata", {{labels ? "labels" : "annotations", changes}}}};
      bool unchanged = true;
      for (const auto& [k, v] : set) unchanged = unchanged && existing.count(k) && existing[k] == v;
      for (const auto& k : remove) unchanged = unchanged && !existing.count(k);
      Json result = current;
      if (mode != "client" && !changes.empty()) {
        client::PatchOptions po;
        if (mode == "server") po.dry_run = {"All"};
        result = session.api().patch(t.info.gvr, t.ns, t.name, client::PatchType::merge, patch, po);
      }
      std::string verb = labels ? "labeled" : "annotated";
      if (labels && set.empty() && !remove.empty()) verb = "unlabeled";
      print_result(session, result, t.info, unchanged ? "not " + verb : verb, mode);
    } catch (const client::ApiError& e) {
      std::cerr << api_error_text(e) << "\n";
      rc = 1;
    }
  }
  return rc;
}

int run_label(Session& session) { return run_label_or_annotate(session, true); }
int run_annotate(Session& session) { return run_label_or_annotate(session, false); }

// ---- scale -----------------------------------------------------------------------------

void add_scale_flags(Flags& flags) {
  add_file_flags(flags);
  flags.add("replicas", 0, true, "-1");
  flags.add("current-replicas", 0, true, "-1");
  flags.add("resource-version", 0, true);
  flags.add("selector", 'l', true);
  flags.add("all", 0, false);
  flags.add("output", 'o', true);
  flags.add("dry-run", 0, true, "none");
  flags.add("timeout", 0, true, "0s");
}

int run_scale(Session& session) {
  const Flags& f = session.flags();
  long long replicas = f.integer("replicas");
  if (replicas < 0) throw CommandError("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
  std::string mode = dry_run_mode(f);
  auto targets = named_targets(session, f.positional());
  if (targets.empty()) {
    throw CommandError("You must provide one or more resources by argument or filename.\nExample resource "
                       "specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> "
                       "<name>'\n   '<resource>'");
  }
  int rc = 0;
  for (const auto& t : targets) {
    try {
      if (f.integer("current-replicas") >= 0) {
        Json scale = session.api().get(t.info.gvr, t.ns, t.name, {.subresource = "scale"});
        long long current = scale.value("spec", Json::object()).value("replicas", 0LL);
        if (current != f.integer("current-replicas")) {
          throw CommandError("Expected replicas to be " + std::to_string(f.integer("current-replicas")) +
                             ", was " + std::to_string(current));
        }
      }
      Json patch = {{"spec", {{"replicas", replicas}}}};
      client::PatchOptions po;
      po.subresource = "scale";
      if (mode == "server") po.dry_run = {"All"};
      if (mode != "client") session.api().patch(t.info.gvr, t.ns, t.name, client::PatchType::merge, patch, po);
      std::cout << display_name(t.info, t.name) << " scaled" << dry_run_suffix(mode) << "\n";
    } catch (const client::ApiError& e) {
      std::cerr << api_error_text(e) << "\n";
      rc = 1;
    }
  }
  return rc;
}

}  // namespace

std::vector<CommandDef> modify_commands() {
  return {
      {"patch", add_patch_flags, run_patch},
      {"label", add_label_flags, run_label},
      {"annotate", add_label_flags, run_annotate},
      {"scale", add_scale_flags, run_scale},
  };
}

}  // namespace k3s::kubectl
