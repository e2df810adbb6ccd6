// kubectl get: server-side tables or object outputs, several types, watches.
#include <algorithm>
#include <iostream>
#include <set>

#include "commands.h"
#include "http/client.h"
#include "http/message.h"
#include "jsonpath.h"
#include "output.h"

namespace k3s::kubectl {
namespace {

const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

void add_get_flags(Flags& flags) {
  add_print_flags(flags);
  add_file_flags(flags);
  flags.add("all-namespaces", 'A', false);
  flags.add("selector", 'l', true);
  flags.add("field-selector", 0, true);
  flags.add("watch", 'w', false);
  flags.add("watch-only", 0, false);
  flags.add("output-watch-events", 0, false);
  flags.add("ignore-not-found", 0, false);
  flags.add("chunk-size", 0, true, "500");
  flags.add("raw", 0, true);
  flags.add("subresource", 0, true);
}

struct Fetched {
  client::ResourceInfo info;
  Json table;                 // for table output: rows merged
  std::vector<Json> objects;  // for object output
  bool list_query = false;
  std::string resource_version;
};

Json raw_json(Session& session, const std::string& path, const std::string& accept) {
  http::Headers headers;
  headers.set("Accept", accept);
  auto response = session.api().raw("GET", path, "", headers);
  Json body;
  try {
    body = Json::parse(response.body);
  } catch (...) {
    body = nullptr;
  }
  if (response.status < 200 || response.status > 299) {
    if (body.is_object() && body.value("kind", "") == "Status") throw client::ApiError(body);
    throw client::ApiError(client::status_for_response(response.status, response.body));
  }
  return body;
}

std::string query_of(Session& session, bool sort_or_labels) {
  const Flags& f = session.flags();
  std::vector<std::string> params;
  if (f.given("selector")) params.push_back("labelSelector=" + http::percent_encode(f.str("selector")));
  if (f.given("field-selector")) params.push_back("fieldSelector=" + http::percent_encode(f.str("field-selector")));
  if (sort_or_labels) params.push_back("includeObject=Object");
  std::string q;
  for (const auto& p : params) q += (q.empty() ? "?" : "&") + p;
  return q;
}

void with_type(Json& object, const client::ResourceInfo& info) {
  if (!object.contains("apiVersion")) object["apiVersion"] = info.gvr.api_version();
  if (!object.contains("kind")) object["kind"] = info.kind;
}

int run_get(Session& session) {
  const Flags& f = session.flags();
  std::string output = f.str("output");
  check_output_format(output);
  const auto& args = f.positional();
  if (args.empty() && !f.given("filename")) {
    std::cerr << "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of "
                 "supported resources.\n\n";
    throw UsageError("Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description "
                     "of that resource (e.g. kubectl explain pods).");
  }
  bool table = is_table_output(output);
  bool all_ns = session.all_namespaces();
  std::string ns = all_ns ? "" : session.namespace_();
  std::vector<ResourceTarget> targets;
  if (f.given("filename")) {
    for (const auto& manifest : read_manifests(f)) {
      const Json& obj = manifest.object;
      auto info = session.mapper().resource_for_kind(obj.value("apiVersion", ""), obj.value("kind", ""));
      std::string name = obj["metadata"].value("name", "");
      auto it = std::find_if(targets.begin(), targets.end(), [&](auto& t) { return t.info.gvr == info.gvr; });
      if (it == targets.end()) targets.push_back({info, {name}});
      else it->names.push_back(name);
    }
  } else {
    targets = resolve_targets(session, args);
  }
  bool want_objects_in_table = table && (f.given("sort-by"));
  std::vector<Fetched> results;
  std::vector<std::string> errors;
  bool watch = f.boolean("watch") || f.boolean("watch-only");
  for (const auto& t : targets) {
    Fetched fetched{t.info, Json(), {}, t.names.empty(), ""};
    std::string target_ns = t.info.namespaced ? ns : "";
    if (t.names.empty()) {
      std::string path = client::resource_path(t.info.gvr, target_ns) + query_of(session, want_objects_in_table);
      Json body = raw_json(session, path, table ? kTableAccept : "application/json");
      fetched.resource_version = body.value("metadata", Json::object()).value("resourceVersion", "");
      if (table) {
        fetched.table = body;
      } else {
        for (auto& item : body.value("items", Json::array())) {
          with_type(item, t.info);
          fetched.objects.push_back(item);
        }
      }
    } else {
      for (const auto& name : t.names) {
        std::string path = client::resource_path(t.info.gvr, target_ns, name) +
                           (want_objects_in_table ? "?includeObject=Object" : "");
        try {
          Json body = raw_json(session, path, table ? kTableAccept : "application/json");
          if (table) {
            if (fetched.table.is_null()) {
              fetched.table = body;
            } else {
              for (auto& row : body["rows"]) fetched.table["rows"].push_back(row);
            }
          } else {
            with_type(body, t.info);
            fetched.objects.push_back(body);
          }
        } catch (const client::ApiError& e) {
          if (e.is_not_found() && f.boolean("ignore-not-found")) continue;
          errors.push_back(api_error_text(e));
        }
      }
    }
    results.push_back(std::move(fetched));
  }
  PrintOptions options;
  options.output = output;
  options.no_headers = f.boolean("no-headers");
  options.show_labels = f.boolean("show-labels");
  options.label_columns = f.list("label-columns");
  options.sort_by = f.str("sort-by");
  options.show_managed_fields = f.boolean("show-managed-fields");
  options.with_namespace = all_ns;
  std::size_t non_empty = 0;
  std::set<std::string> kinds;
  for (const auto& r : results) {
    bool has = table ? (r.table.is_object() && !r.table.value("rows", Json::array()).empty()) : !r.objects.empty();
    if (has) {
      ++non_empty;
      kinds.insert(r.info.gvr.group_resource());
    }
  }
  // kubectl prefixes names with the kind as soon as more than one type was asked for.
  options.with_kind = f.boolean("show-kind") || kinds.size() > 1 || targets.size() > 1;
  if (table && !(watch && f.boolean("watch-only"))) {
    bool first = true;
    for (auto& r : results) {
      if (!r.table.is_object() || r.table.value("rows", Json::array()).empty()) continue;
      if (!options.sort_by.empty()) {
        auto& rows = r.table["rows"];
        std::vector<Json> objects;
        for (auto& row : rows) objects.push_back(row);
        std::string expr = options.sort_by;
        // Sort rows by their embedded object.
        std::vector<std::pair<Json, Json>> keyed;
        for (auto& row : objects) keyed.push_back({row.value("object", Json::object()), row});
        std::vector<Json> just_objects;
        for (auto& k : keyed) just_objects.push_back(k.first);
        std::vector<std::size_t> order(keyed.size());
        for (std::size_t i = 0; i < order.size(); ++i) {
          just_objects[i]["__row"] = i;
        }
        sort_objects(just_objects, expr);
        Json sorted = Json::array();
        for (auto& o : just_objects) sorted.push_back(keyed[o["__row"].get<std::size_t>()].second);
        rows = sorted;
      }
      std::string kind_prefix = display_name(r.info, "");
      kind_prefix.pop_back();
      if (!first) std::cout << "\n";
      first = false;
      std::cout << tabulate(table_rows(r.table, options, kind_prefix, true));
    }
  } else if (!table) {
    std::vector<Json> all;
    bool list_query = false;
    for (auto& r : results) {
      all.insert(all.end(), r.objects.begin(), r.objects.end());
      list_query = list_query || r.list_query;
    }
    if (!options.sort_by.empty()) sort_objects(all, options.sort_by);
    bool single = all.size() == 1 && !list_query && targets.size() == 1 && targets[0].names.size() == 1;
    if (!all.empty() || output == "json" || output == "yaml" || list_query) {
      if (!(all.empty() && (output == "name" || output.rfind("custom-columns", 0) == 0))) {
        std::cout << print_objects(all, options, !single);
      }
    }
  }
  for (const auto& e : errors) std::cerr << e << "\n";
  if (non_empty == 0 && errors.empty() && !watch) {
    bool any_list = std::any_of(results.begin(), results.end(), [](auto& r) { return r.list_query; });
    if (any_list && table) {
      bool namespaced = std::any_of(results.begin(), results.end(), [](auto& r) { return r.info.namespaced; });
      if (all_ns || !namespaced) {
        std::cerr << "No resources found\n";
      } else {
        std::cerr << "No resources found in " << session.namespace_() << " namespace.\n";
      }
    }
  }
  if (watch && results.size() == 1) {
    auto& r = results.front();
    std::string target_ns = r.info.namespaced ? ns : "";
    client::ListOptions lo;
    lo.label_selector = f.str("selector");
    lo.field_selector = f.str("field-selector");
    std::string path = client::resource_path(r.info.gvr, target_ns) + "?watch=true";
    if (!r.resource_version.empty()) path += "&resourceVersion=" + r.resource_version;
    if (!lo.label_selector.empty()) path += "&labelSelector=" + http::percent_encode(lo.label_selector);
    if (!lo.field_selector.empty()) path += "&fieldSelector=" + http::percent_encode(lo.field_selector);
    http::Headers headers;
    headers.set("Accept", table ? kTableAccept : "application/json");
    auto stream = session.api().raw_stream("GET", path, headers);
    std::string buffer;
    Json columns = r.table.is_object() ? r.table.value("columnDefinitions", Json::array()) : Json::array();
    bool printed_header = r.table.is_object() && !r.table.value("rows", Json::array()).empty() && !f.boolean("watch-only");
    while (auto chunk = stream->read()) {
      buffer += *chunk;
      std::size_t nl;
      while ((nl = buffer.find('\n')) != std::string::npos) {
        std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        if (line.empty()) continue;
        Json event = Json::parse(line, nullptr, false);
        if (!event.is_object()) continue;
        Json object = event.value("object", Json::object());
        if (table) {
          if (object.contains("columnDefinitions") && !object["columnDefinitions"].empty()) {
            columns = object["columnDefinitions"];
          }
          object["columnDefinitions"] = columns;
          std::cout << tabulate(table_rows(object, options, "", !printed_header));
          printed_header = true;
        } else {
          with_type(object, r.info);
          std::cout << print_objects({object}, options, false);
        }
      }
    }
  }
  return errors.empty() ? 0 : 1;
}

}  // namespace

std::vector<CommandDef> get_commands() { return {{"get", add_get_flags, run_get}}; }

}  // namespace k3s::kubectl
