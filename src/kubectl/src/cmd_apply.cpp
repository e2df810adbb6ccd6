// Object-level writes from manifests and names: create -f, apply (client-side, three-way
// strategic merge with the last-applied annotation), replace, delete.
#include <chrono>
#include <algorithm>
#include <iostream>
#include <thread>

#include "commands.h"
#include "object/meta.h"
#include "object/patch.h"
#include "output.h"

namespace k3s::kubectl {
namespace {

constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

void add_write_flags(Flags& flags) {
  add_file_flags(flags);
  flags.add("output", 'o', true);
  flags.add("dry-run", 0, true, "none");
  flags.add("validate", 0, true, "strict");
  flags.add("field-manager", 0, true);
  flags.add("save-config", 0, false);
  flags.add("selector", 'l', true);
  flags.add("edit", 0, false);
  flags.add("windows-line-endings", 0, false);
  flags.add("raw", 0, true);
}

void add_apply_flags(Flags& flags) {
  add_write_flags(flags);
  flags.add("prune", 0, false);
  flags.add("all", 0, false);
  flags.add("server-side", 0, false);
  flags.add("force-conflicts", 0, false);
  flags.add("overwrite", 0, false, "true");
  flags.add("force", 0, false);
  flags.add("wait", 0, false);
  flags.add("timeout", 0, true, "0s");
  flags.add("grace-period", 0, true, "-1");
  flags.add("cascade", 0, true, "background");
  flags.add("prune-allowlist", 0, true);
}

void add_replace_flags(Flags& flags) {
  add_write_flags(flags);
  flags.add("force", 0, false);
  flags.add("grace-period", 0, true, "-1");
  flags.add("cascade", 0, true, "background");
  flags.add("wait", 0, false);
  flags.add("timeout", 0, true, "0s");
  flags.add("subresource", 0, true);
}

void add_delete_flags(Flags& flags) {
  add_file_flags(flags);
  flags.add("output", 'o', true);
  flags.add("selector", 'l', true);
  flags.add("field-selector", 0, true);
  flags.add("all", 0, false);
  flags.add("all-namespaces", 'A', false);
  flags.add("grace-period", 0, true, "-1");
  flags.add("force", 0, false);
  flags.add("now", 0, false);
  flags.add("wait", 0, false, "true");
  flags.add("timeout", 0, true, "0s");
  flags.add("cascade", 0, true, "background");
  flags.add("ignore-not-found", 0, false);
  flags.add("dry-run", 0, true, "none");
  flags.add("interactive", 'i', false);
  flags.add("raw", 0, true);
}

std::vector<std::string> dry_run_option(const std::string& mode) {
  return mode == "server" ? std::vector<std::string>{"All"} : std::vector<std::string>{};
}

// --validate as the fieldValidation the server applies (kubectl always sends it); "" for
// commands without the flag (diff).
std::string field_validation(const Flags& flags) {
  auto names = flags.long_names();
  if (std::find(names.begin(), names.end(), "validate") == names.end()) return "";
  std::string v = flags.str("validate");
  if (v == "strict" || v == "true") return "Strict";
  if (v == "warn") return "Warn";
  if (v == "ignore" || v == "false") return "Ignore";
  throw CommandError("invalid - validate option \"" + v + "\"; must be one of: strict (or true), warn, ignore (or false)");
}

// The object as the last-applied annotation records it: without that annotation itself.
Json modified_configuration(const Json& object) {
  // As kubectl: the annotation map stays (possibly empty) in the recorded configuration.
  Json copy = object;
  if (!copy["metadata"].contains("annotations") || !copy["metadata"]["annotations"].is_object()) {
    copy["metadata"]["annotations"] = Json::object();
  }
  copy["metadata"]["annotations"].erase(kLastApplied);
  Json with_annotation = copy;
  object::set_annotation(with_annotation, kLastApplied, go_json_compact(copy) + "\n");
  return with_annotation;
}

// "error when creating \"file\": " as kubectl wraps server errors of manifest objects.
[[noreturn]] void rethrow_with_source(const client::ApiError& e, const std::string& verb, const std::string& source) {
  Json status = e.status();
  status["message"] = "error when " + verb + " \"" + source + "\": " + e.message();
  throw client::ApiError(status);
}

struct Prepared {
  Json object;
  client::ResourceInfo info;
  std::string ns;
  std::string name;
};

Prepared prepare(Session& session, const Manifest& m) {
  Prepared p;
  p.object = m.object;
  auto found = session.mapper().find_kind(p.object.value("apiVersion", ""), p.object.value("kind", ""));
  if (!found) {
    throw CommandError("resource mapping not found for name: \"" + object::name_of(p.object) + "\" namespace: \"" +
                       object::namespace_of(p.object) + "\" from \"" + m.source + "\": no matches for kind \"" +
                       p.object.value("kind", "") + "\" in version \"" + p.object.value("apiVersion", "") +
                       "\"\nensure CRDs are installed first");
  }
  p.info = *found;
  p.ns = namespace_for_object(session, p.object, p.info);
  if (p.info.namespaced) object::set_namespace(p.object, p.ns);
  p.name = object::name_of(p.object);
  return p;
}

int run_create_from_files(Session& session) {
  const Flags& f = session.flags();
  std::string mode = dry_run_mode(f);
  (void)field_validation(f);  // a bad --validate fails before anything is sent
  auto manifests = read_manifests(f);
  int rc = 0;
  for (const auto& m : manifests) {
    try {
      auto p = prepare(session, m);
      if (f.boolean("save-config")) p.object = modified_configuration(p.object);
      Json created = p.object;
      if (mode != "client") {
        try {
          created = session.api().create(p.info.gvr, p.object, {.dry_run = dry_run_option(mode), .field_validation = field_validation(session.flags())});
        } catch (const client::ApiError& e) {
          rethrow_with_source(e, "creating", m.source);
        }
      }
      print_result(session, created, p.info, "created", mode);
    } catch (const client::ApiError& e) {
      std::cerr << api_error_text(e) << "\n";
      rc = 1;
    }
  }
  return rc;
}

bool is_empty_patch(const Json& patch) { return patch.is_null() || (patch.is_object() && patch.empty()); }

}  // namespace

AppliedObject apply_manifest(Session& session, const Manifest& m, const std::string& mode, bool record) {
  auto p = prepare(session, m);
  if (p.name.empty()) throw CommandError("error when retrieving current configuration of:\nResource: \"" +
                                         p.info.gvr.group_resource() + "\", GroupVersionKind: \"" +
                                         p.info.gvr.api_version() + ", Kind=" + p.info.kind +
                                         "\"\nName: \"\", Namespace: \"" + p.ns +
                                         "\"\nfrom server for: \"" + m.source +
                                         "\": resource name may not be empty");
  Json modified = modified_configuration(p.object);
  // diff leaves the recorded configuration as it is: only the object's own fields change
  // (the annotation map stays, so the patch does not drop the live annotations).
  if (!record) modified["metadata"]["annotations"].erase(kLastApplied);
  Json current;
  try {
    current = session.api().get(p.info.gvr, p.ns, p.name);
  } catch (const client::ApiError& e) {
    if (!e.is_not_found()) throw;
  }
  if (current.is_null()) {
    Json created = modified;
    if (mode != "client") {
      try {
        created = session.api().create(p.info.gvr, record ? modified : p.object, {.dry_run = dry_run_option(mode), .field_validation = field_validation(session.flags())});
      } catch (const client::ApiError& e) {
        rethrow_with_source(e, "creating", m.source);
      }
    }
    return {created, p.info, "created"};
  }
  Json original;
  if (auto last = object::annotation(current, kLastApplied)) {
    original = Json::parse(*last, nullptr, false);
    if (original.is_discarded()) original = nullptr;
  } else if (record) {
    std::cerr << "Warning: resource " << p.info.gvr.resource << "/" << p.name
              << " is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required "
                 "by kubectl apply. kubectl apply should only be used on resources created declaratively by "
                 "either kubectl create --save-config or kubectl apply. The missing annotation will be patched "
                 "automatically.\n";
  }
  auto schema = object::patch::builtin_patch_schema(p.info.gvr.group, p.info.kind);
  Json patch;
  client::PatchType type = client::PatchType::strategic;
  if (schema) {
    patch = object::patch::create_three_way_strategic_merge_patch(original.is_null() ? Json::object() : original,
                                                                  modified, current, *schema);
  } else {
    // Custom resources: a JSON merge patch of the new configuration plus deletions of
    // fields the previous configuration set.
    type = client::PatchType::merge;
    patch = object::patch::create_merge_patch(current, modified);
    Json keep_others = object::patch::create_merge_patch(original.is_null() ? Json::object() : original, modified);
    Json merged = Json::object();
    // Only send additions/changes against current and deletions recorded in original.
    std::function<void(Json&, const Json&, const Json&)> combine = [&](Json& out, const Json& to_current,
                                                                       const Json& to_original) {
      for (auto& [k, v] : to_current.items()) {
        if (v.is_null()) {
          if (to_original.is_object() && to_original.contains(k) && to_original[k].is_null()) out[k] = nullptr;
          continue;
        }
        if (v.is_object() && to_original.is_object() && to_original.contains(k) && to_original[k].is_object()) {
          Json sub = Json::object();
          combine(sub, v, to_original[k]);
          if (!sub.empty()) out[k] = sub;
        } else if (v.is_object()) {
          Json sub = Json::object();
          combine(sub, v, Json::object());
          if (!sub.empty()) out[k] = sub;
        } else {
          out[k] = v;
        }
      }
    };
    combine(merged, patch, keep_others);
    patch = merged;
  }
  if (is_empty_patch(patch) && mode != "client") {  // a client dry-run says "configured" regardless
    return {current, p.info, "unchanged"};
  }
  Json result = current;
  if (mode != "client") {
    try {
      result = session.api().patch(p.info.gvr, p.ns, p.name, type, patch, {.dry_run = dry_run_option(mode), .field_validation = field_validation(session.flags())});
    } catch (const client::ApiError& e) {
      rethrow_with_source(e, "patching", m.source);
    }
  }
  return {result, p.info, "configured"};
}

namespace {

int run_apply(Session& session) {
  const Flags& f = session.flags();
  if (f.boolean("server-side")) throw CommandError("--server-side is not supported by this kubectl yet");
  std::string mode = dry_run_mode(f);
  (void)field_validation(f);  // a bad --validate fails before anything is sent
  auto manifests = read_manifests(f);
  if (manifests.empty()) throw CommandError("no objects passed to apply");
  auto prune = prune_types(session);
  std::vector<AppliedObject> done;
  int rc = 0;
  for (const auto& m : manifests) {
    try {
      auto applied = apply_manifest(session, m, mode, true);
      print_result(session, applied.object, applied.info, applied.verb, mode);
      done.push_back(std::move(applied));
    } catch (const client::ApiError& e) {
      std::cerr << api_error_text(e) << "\n";
      rc = 1;
    }
  }
  // Nothing is pruned after a failed apply: the applied set is incomplete.
  if (rc == 0 && f.boolean("prune")) rc = prune_unapplied(session, prune, done, mode);
  return rc;
}

int run_replace(Session& session) {
  const Flags& f = session.flags();
  std::string mode = dry_run_mode(f);
  (void)field_validation(f);  // a bad --validate fails before anything is sent
  auto manifests = read_manifests(f);
  int rc = 0;
  for (const auto& m : manifests) {
    try {
      auto p = prepare(session, m);
      if (f.boolean("save-config")) p.object = modified_configuration(p.object);
      if (f.boolean("force")) {
        try {
          session.api().remove(p.info.gvr, p.ns, p.name);
          std::cout << display_name(p.info, p.name) << " deleted\n";
        } catch (const client::ApiError& e) {
          if (!e.is_not_found()) throw;
        }
        for (int i = 0; i < 600; ++i) {
          try {
            session.api().get(p.info.gvr, p.ns, p.name);
          } catch (const client::ApiError& e) {
            if (e.is_not_found()) break;
            throw;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        Json created = session.api().create(p.info.gvr, p.object, {.dry_run = dry_run_option(mode), .field_validation = field_validation(session.flags())});
        print_result(session, created, p.info, "replaced", mode);
        continue;
      }
      Json result = p.object;
      if (mode != "client") {
        try {
          // An update needs the live resourceVersion when the manifest has none.
          if (object::resource_version_of(p.object).empty()) {
            Json current = session.api().get(p.info.gvr, p.ns, p.name);
            object::set_resource_version(p.object, object::resource_version_of(current));
          }
          result = session.api().update(p.info.gvr, p.object, {.dry_run = dry_run_option(mode), .field_validation = field_validation(session.flags())});
        } catch (const client::ApiError& e) {
          rethrow_with_source(e, "replacing", m.source);
        }
      }
      print_result(session, result, p.info, "replaced", mode);
    } catch (const client::ApiError& e) {
      std::cerr << api_error_text(e) << "\n";
      rc = 1;
    }
  }
  return rc;
}

// ---- delete ---------------------------------------------------------------------------

struct DeleteTarget {
  client::ResourceInfo info;
  std::string ns;
  std::string name;
};

void wait_deleted(Session& session, const DeleteTarget& t, const std::string& uid) {
  for (;;) {
    try {
      Json live = session.api().get(t.info.gvr, t.ns, t.name);
      if (object::uid_of(live) != uid) return;
    } catch (const client::ApiError& e) {
      if (e.is_not_found()) return;
      throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int run_delete(Session& session) {
  const Flags& f = session.flags();
  std::string mode = dry_run_mode(f);
  std::vector<DeleteTarget> targets;
  bool all_ns = f.boolean("all-namespaces");
  std::string ns = session.namespace_();
  const auto& args = f.positional();
  bool selecting = f.given("selector") || f.given("field-selector") || f.boolean("all");
  if (f.given("filename")) {
    for (const auto& m : read_manifests(f)) {
      auto p = prepare(session, m);
      targets.push_back({p.info, p.ns, p.name});
    }
  } else {
    if (args.empty()) {
      throw CommandError("You must provide one or more resources by argument or filename.\nExample resource "
                         "specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> "
                         "<name>'\n   '<resource>'");
    }
    auto resolved = resolve_targets(session, args);
    for (const auto& r : resolved) {
      std::string target_ns = r.info.namespaced ? (all_ns ? "" : ns) : "";
      if (r.names.empty()) {
        if (!selecting) {
          throw CommandError("resource(s) were provided, but no name was specified");
        }
        client::ListOptions lo;
        lo.label_selector = f.str("selector");
        lo.field_selector = f.str("field-selector");
        Json list = session.api().list(r.info.gvr, target_ns, lo);
        for (const auto& item : list.value("items", Json::array())) {
          targets.push_back({r.info, object::namespace_of(item), object::name_of(item)});
        }
      } else {
        if (selecting) throw CommandError("name cannot be provided when a selector is specified");
        for (const auto& n : r.names) targets.push_back({r.info, target_ns, n});
      }
    }
    if (targets.empty() && selecting) {
      std::cout << "No resources found\n";
      return 0;
    }
  }
  client::DeleteOptions options;
  std::string cascade = f.str("cascade");
  if (cascade == "background" || cascade == "true") options.propagation_policy = "Background";
  else if (cascade == "foreground") options.propagation_policy = "Foreground";
  else if (cascade == "orphan" || cascade == "false") options.propagation_policy = "Orphan";
  else throw CommandError("invalid cascade value (" + cascade + "). Must be \"background\", \"foreground\", or \"orphan\"");
  long long grace = f.integer("grace-period");
  if (f.boolean("now")) grace = 1;
  if (f.boolean("force")) {
    std::cerr << "Warning: Immediate deletion does not wait for confirmation that the running resource has been "
                 "terminated. The resource may continue to run on the cluster indefinitely.\n";
    if (grace < 0) grace = 0;
  }
  if (grace >= 0) options.grace_period_seconds = grace;
  options.dry_run = dry_run_option(mode);
  int rc = 0;
  std::vector<std::pair<DeleteTarget, std::string>> to_wait;
  for (const auto& t : targets) {
    try {
      std::string uid;
      if (mode != "client") {
        Json answer = session.api().remove(t.info.gvr, t.ns, t.name, options);
        if (answer.value("kind", "") != "Status") uid = object::uid_of(answer);
      }
      if (f.str("output") == "name") {
        std::cout << display_name(t.info, t.name) << "\n";
      } else {
        std::string kind = display_name(t.info, "");
        kind.pop_back();
        std::cout << kind << " \"" << t.name << "\" " << (f.boolean("force") && grace == 0 ? "force deleted" : "deleted")
                  << dry_run_suffix(mode) << "\n";
      }
      if (!uid.empty() && f.boolean("wait") && mode == "none") to_wait.push_back({t, uid});
    } catch (const client::ApiError& e) {
      if (e.is_not_found() && f.boolean("ignore-not-found")) continue;
      if (f.given("filename")) {
        Json status = e.status();
        std::cerr << api_error_text(e) << "\n";
      } else {
        std::cerr << api_error_text(e) << "\n";
      }
      rc = 1;
    }
  }
  for (const auto& [t, uid] : to_wait) wait_deleted(session, t, uid);
  return rc;
}

}  // namespace

std::vector<CommandDef> apply_commands() {
  return {
      {"create", add_write_flags, run_create_from_files},
      {"apply", add_apply_flags, run_apply},
      {"replace", add_replace_flags, run_replace},
      {"delete", add_delete_flags, run_delete},
  };
}

}  // namespace k3s::kubectl
