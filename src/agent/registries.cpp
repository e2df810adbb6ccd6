#include "agent/registries.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace k3s::agent {
namespace {

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw std::runtime_error(source + ": " + what);
}

std::string scalar(const YAML::Node& node, const std::string& source, const std::string& where) {
  if (!node.IsScalar()) fail(source, where + " must be a string");
  return node.as<std::string>();
}

RegistryMirror parse_mirror(const YAML::Node& node, const std::string& source, const std::string& host) {
  RegistryMirror mirror;
  if (node.IsNull()) return mirror;
  if (!node.IsMap()) fail(source, "mirrors." + host + " must be a mapping");
  for (const auto& item : node) {
    auto key = item.first.as<std::string>();
    if (key == "endpoint") {
      if (item.second.IsScalar()) {
        mirror.endpoints.push_back(item.second.as<std::string>());
      } else if (item.second.IsSequence()) {
        for (const auto& endpoint : item.second) {
          mirror.endpoints.push_back(scalar(endpoint, source, "mirrors." + host + ".endpoint[]"));
        }
      } else if (!item.second.IsNull()) {
        fail(source, "mirrors." + host + ".endpoint must be a list of URLs");
      }
    } else if (key == "rewrite") {
      if (item.second.IsNull()) continue;
      if (!item.second.IsMap()) fail(source, "mirrors." + host + ".rewrite must be a mapping");
      for (const auto& rewrite : item.second) {
        mirror.rewrites.emplace_back(rewrite.first.as<std::string>(),
                                     scalar(rewrite.second, source, "mirrors." + host + ".rewrite"));
      }
    } else {
      fail(source, "unknown key mirrors." + host + "." + key);
    }
  }
  for (const auto& endpoint : mirror.endpoints) {
    if (endpoint.empty()) fail(source, "mirrors." + host + ".endpoint has an empty entry");
  }
  return mirror;
}

RegistryConfig parse_config(const YAML::Node& node, const std::string& source, const std::string& host) {
  RegistryConfig config;
  if (node.IsNull()) return config;
  if (!node.IsMap()) fail(source, "configs." + host + " must be a mapping");
  for (const auto& item : node) {
    auto key = item.first.as<std::string>();
    auto where = "configs." + host + "." + key;
    if (key == "auth") {
      if (item.second.IsNull()) continue;
      if (!item.second.IsMap()) fail(source, where + " must be a mapping");
      for (const auto& field : item.second) {
        auto name = field.first.as<std::string>();
        auto value = scalar(field.second, source, where + "." + name);
        if (name == "username") config.auth.username = value;
        else if (name == "password") config.auth.password = value;
        else if (name == "auth") config.auth.auth = value;
        else if (name == "identity_token" || name == "identitytoken") config.auth.identity_token = value;
        else fail(source, "unknown key " + where + "." + name);
      }
    } else if (key == "tls") {
      if (item.second.IsNull()) continue;
      if (!item.second.IsMap()) fail(source, where + " must be a mapping");
      for (const auto& field : item.second) {
        auto name = field.first.as<std::string>();
        if (name == "insecure_skip_verify") {
          try {
            config.tls.insecure_skip_verify = field.second.as<bool>();
          } catch (const YAML::Exception&) {
            fail(source, where + ".insecure_skip_verify must be true or false");
          }
          continue;
        }
        auto value = scalar(field.second, source, where + "." + name);
        if (name == "cert_file") config.tls.cert_file = value;
        else if (name == "key_file") config.tls.key_file = value;
        else if (name == "ca_file") config.tls.ca_file = value;
        else fail(source, "unknown key " + where + "." + name);
      }
    } else {
      fail(source, "unknown key " + where);
    }
  }
  return config;
}

}  // namespace

Registries parse_registries(const std::string& yaml_text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    fail(source, std::string("invalid YAML: ") + e.what());
  }
  Registries registries;
  if (root.IsNull()) return registries;
  if (!root.IsMap()) fail(source, "top level must be a mapping with mirrors and configs");
  for (const auto& section : root) {
    auto name = section.first.as<std::string>();
    if (section.second.IsNull()) continue;
    if (!section.second.IsMap()) fail(source, name + " must be a mapping");
    if (name == "mirrors") {
      for (const auto& item : section.second) {
        auto host = item.first.as<std::string>();
        registries.mirrors[host] = parse_mirror(item.second, source, host);
      }
    } else if (name == "configs") {
      for (const auto& item : section.second) {
        auto host = item.first.as<std::string>();
        registries.configs[host] = parse_config(item.second, source, host);
      }
    } else {
      fail(source, "unknown top-level key " + name + " (expected mirrors, configs)");
    }
  }
  return registries;
}

std::string rewrite_path_prefix(const RegistryMirror& mirror) {
  if (mirror.rewrites.size() != 1) return {};
  const auto& [pattern, replacement] = mirror.rewrites.front();
  static const char* const kEverything[] = {"^(.*)$", "^(.*)", "(.*)", "^(.+)$", "^(.+)", "(.+)"};
  if (std::find(std::begin(kEverything), std::end(kEverything), pattern) == std::end(kEverything)) return {};
  std::string prefix;
  for (const std::string suffix : {"$1", "${1}"}) {
    if (replacement.size() > suffix.size() && replacement.ends_with(suffix))
      prefix = replacement.substr(0, replacement.size() - suffix.size());
  }
  // Repository path components only: lower-case letters, digits, separators.
  if (prefix.size() < 2 || prefix.back() != '/' || prefix.front() == '/') return {};
  for (char c : prefix)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '/')) return {};
  if (prefix.find("//") != std::string::npos) return {};
  prefix.pop_back();
  return prefix;
}

Registries load_registries(const std::string& path) {
  if (path.empty() || !std::filesystem::exists(path)) return {};
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read");
  std::stringstream text;
  text << in.rdbuf();
  return parse_registries(text.str(), path);
}

}  // namespace k3s::agent
