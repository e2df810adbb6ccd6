#include "client/rest_mapper.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace k3s::client {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::vector<std::string> strings(const Json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.is_object()) return out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

ApiError not_found(const std::string& message) {
  return ApiError({{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"}, {"code", 404},
                   {"reason", reason::kNotFound}, {"message", message}});
}

}  // namespace

bool ResourceInfo::has_verb(const std::string& verb) const {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

RESTMapper::RESTMapper(Client& client) : client_(client) {}

void RESTMapper::invalidate() {
  std::lock_guard lock(mu_);
  loaded_ = false;
}

void RESTMapper::set_cache(std::string directory, std::chrono::seconds ttl) {
  std::lock_guard lock(mu_);
  cache_dir_ = std::move(directory);
  cache_ttl_ = ttl;
}

std::string RESTMapper::cache_file() const {
  if (cache_dir_.empty()) return {};
  // One file per server: the URL with everything but [A-Za-z0-9.-] made '_', as kubectl names it.
  std::string name = client_.config().server;
  if (auto scheme = name.find("://"); scheme != std::string::npos) name = name.substr(scheme + 3);
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
  return cache_dir_ + "/" + name + ".json";
}

void RESTMapper::ensure_loaded() {
  if (!loaded_) load(true);
}

Json RESTMapper::fetch_documents() {
  Json documents = {{"api", client_.request_json("GET", "/api")},
                    {"apis", client_.request_json("GET", "/apis")},
                    {"versions", Json::object()}};
  std::vector<std::string> paths;
  for (const auto& v : strings(documents["api"], "versions")) paths.push_back("/api/" + v);
  if (documents["apis"].contains("groups") && documents["apis"]["groups"].is_array())
    for (const auto& g : documents["apis"]["groups"])
      if (g.contains("versions") && g["versions"].is_array())
        for (const auto& v : g["versions"]) paths.push_back("/apis/" + v.value("groupVersion", ""));
  for (const auto& path : paths) {
    try {
      documents["versions"][path] = client_.request_json("GET", path);
    } catch (const ApiError&) {
      // An unavailable group version (e.g. an aggregated API that is down) is skipped.
    }
  }
  return documents;
}

void RESTMapper::load(bool allow_cache) {
  namespace fs = std::filesystem;
  const std::string file = cache_file();
  if (allow_cache && !file.empty()) {
    std::error_code ec;
    auto modified = fs::last_write_time(file, ec);
    if (!ec && fs::file_time_type::clock::now() - modified < cache_ttl_) {
      std::ifstream in(file);
      Json cached = Json::parse(in, nullptr, false);
      if (cached.is_object() && cached.contains("api") && cached.contains("apis") && cached.contains("versions")) {
        parse_documents(cached);
        return;
      }
    }
  }
  Json documents = fetch_documents();
  parse_documents(documents);
  if (!file.empty()) {
    std::error_code ec;
    fs::create_directories(cache_dir_, ec);
    const std::string temporary = file + ".tmp" + std::to_string(::getpid());
    {
      std::ofstream out(temporary);
      out << documents.dump();
    }
    fs::rename(temporary, file, ec);
    if (ec) fs::remove(temporary, ec);
  }
}

void RESTMapper::parse_documents(const Json& documents) {
  std::vector<ApiGroupInfo> groups;
  ApiGroupInfo core_group;
  core_group.versions = strings(documents["api"], "versions");
  if (!core_group.versions.empty()) {
    core_group.preferred_version = core_group.versions.front();
    groups.push_back(core_group);
  }
  const Json& apis = documents["apis"];
  if (apis.contains("groups") && apis["groups"].is_array()) {
    for (const auto& g : apis["groups"]) {
      ApiGroupInfo info;
      info.name = g.value("name", "");
      if (g.contains("versions") && g["versions"].is_array())
        for (const auto& v : g["versions"]) info.versions.push_back(v.value("version", ""));
      if (g.contains("preferredVersion") && g["preferredVersion"].is_object())
        info.preferred_version = g["preferredVersion"].value("version", "");
      if (info.preferred_version.empty() && !info.versions.empty()) info.preferred_version = info.versions.front();
      groups.push_back(std::move(info));
    }
  }

  const Json& versions = documents["versions"];
  std::vector<ResourceInfo> resources;
  for (const auto& group : groups) {
    std::vector<std::string> ordered = {group.preferred_version};
    for (const auto& v : group.versions)
      if (v != group.preferred_version) ordered.push_back(v);
    for (const auto& version : ordered) {
      const std::string path = group.name.empty() ? "/api/" + version : "/apis/" + group.name + "/" + version;
      auto found = versions.find(path);
      if (found == versions.end() || !found->contains("resources") || !(*found)["resources"].is_array()) continue;
      std::vector<ResourceInfo> here;
      for (const auto& r : (*found)["resources"]) {
        const std::string name = r.value("name", "");
        auto slash = name.find('/');
        if (slash != std::string::npos) {
          const std::string parent = name.substr(0, slash);
          for (auto& info : here)
            if (info.gvr.resource == parent) info.subresources.push_back(name.substr(slash + 1));
          continue;
        }
        ResourceInfo info;
        info.gvr = {group.name, version, name};
        info.kind = r.value("kind", "");
        info.singular_name = r.value("singularName", "");
        if (info.singular_name.empty()) info.singular_name = lower(info.kind);
        info.namespaced = r.value("namespaced", false);
        info.short_names = strings(r, "shortNames");
        info.verbs = strings(r, "verbs");
        info.categories = strings(r, "categories");
        info.preferred_version = version == group.preferred_version;
        here.push_back(std::move(info));
      }
      resources.insert(resources.end(), here.begin(), here.end());
    }
  }
  groups_ = std::move(groups);
  resources_ = std::move(resources);
  loaded_ = true;
}

std::optional<ResourceInfo> RESTMapper::find_loaded(const std::string& text) const {
  const std::string wanted = lower(text);
  std::string name = wanted, group_part;
  bool qualified = false;
  if (auto dot = wanted.find('.'); dot != std::string::npos) {
    name = wanted.substr(0, dot);
    group_part = wanted.substr(dot + 1);
    qualified = true;
  }
  auto name_matches = [&](const ResourceInfo& r, int pass) {
    switch (pass) {
      case 0: return r.gvr.resource == name;
      case 1: return r.singular_name == name || lower(r.kind) == name;
      default: return std::find(r.short_names.begin(), r.short_names.end(), name) != r.short_names.end();
    }
  };
  for (int pass = 0; pass < 3; ++pass) {
    if (qualified) {
      // "resource.version.group" first, then "resource.group".
      auto dot = group_part.find('.');
      if (dot != std::string::npos) {
        const std::string version = group_part.substr(0, dot), group = group_part.substr(dot + 1);
        for (const auto& r : resources_)
          if (r.gvr.group == group && r.gvr.version == version && name_matches(r, pass)) return r;
      }
      for (const auto& r : resources_)
        if (r.gvr.group == group_part && name_matches(r, pass)) return r;
    } else {
      for (const auto& r : resources_)
        if (name_matches(r, pass)) return r;
    }
  }
  return std::nullopt;
}

std::optional<ResourceInfo> RESTMapper::find_kind_loaded(const std::string& api_version, const std::string& kind) const {
  std::string group, version = api_version;
  if (auto slash = api_version.find('/'); slash != std::string::npos) {
    group = api_version.substr(0, slash);
    version = api_version.substr(slash + 1);
  }
  for (const auto& r : resources_)
    if (r.gvr.group == group && r.gvr.version == version && r.kind == kind) return r;
  return std::nullopt;
}

std::optional<ResourceInfo> RESTMapper::find(const std::string& text) {
  std::lock_guard lock(mu_);
  ensure_loaded();
  if (auto hit = find_loaded(text)) return hit;
  load();  // it may be new (a CRD created since discovery was cached)
  return find_loaded(text);
}

std::optional<ResourceInfo> RESTMapper::find_kind(const std::string& api_version, const std::string& kind) {
  std::lock_guard lock(mu_);
  ensure_loaded();
  if (auto hit = find_kind_loaded(api_version, kind)) return hit;
  load();
  return find_kind_loaded(api_version, kind);
}

ResourceInfo RESTMapper::resource_for(const std::string& text) {
  if (auto hit = find(text)) return *hit;
  throw not_found("the server doesn't have a resource type \"" + text + "\"");
}

ResourceInfo RESTMapper::resource_for_kind(const std::string& api_version, const std::string& kind) {
  if (auto hit = find_kind(api_version, kind)) return *hit;
  throw not_found("no matches for kind \"" + kind + "\" in version \"" + api_version + "\"");
}

std::vector<ResourceInfo> RESTMapper::all_resources() {
  std::lock_guard lock(mu_);
  ensure_loaded();
  return resources_;
}

std::vector<ApiGroupInfo> RESTMapper::groups() {
  std::lock_guard lock(mu_);
  ensure_loaded();
  return groups_;
}

std::vector<std::string> RESTMapper::api_versions() {
  std::vector<std::string> out;
  for (const auto& g : groups())
    for (const auto& v : g.versions) out.push_back(g.name.empty() ? v : g.name + "/" + v);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace k3s::client
