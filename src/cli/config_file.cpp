#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "cli/flags.h"

namespace k3s::cli {
namespace {

namespace fs = std::filesystem;

std::string where(const std::string& file, const YAML::Mark& mark) {
  return file + ":" + std::to_string(mark.line + 1);
}

void merge_file(const std::string& file, std::map<std::string, ConfigValue>& into) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    throw UsageError(file + ": cannot read configuration file");
  } catch (const YAML::Exception& e) {
    throw UsageError(file + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) throw UsageError(where(file, root.Mark()) + ": configuration must be a YAML map of flag names");
  for (const auto& entry : root) {
    const YAML::Node& key_node = entry.first;
    const YAML::Node& value = entry.second;
    std::string key = key_node.as<std::string>();
    bool append = !key.empty() && key.back() == '+';
    if (append) key.pop_back();
    ConfigValue cv;
    cv.file = file;
    cv.line = key_node.Mark().line + 1;
    if (value.IsSequence()) {
      cv.is_list = true;
      for (const auto& item : value) {
        if (!item.IsScalar()) {
          throw UsageError(where(file, item.Mark()) + ": key \"" + key + "\": list items must be plain values");
        }
        cv.values.push_back(item.Scalar());
      }
    } else if (value.IsScalar()) {
      cv.values.push_back(value.Scalar());
    } else if (value.IsNull()) {
      cv.values.push_back("");
    } else {
      throw UsageError(where(file, value.Mark()) + ": key \"" + key + "\": expected a value or a list, found a map");
    }
    auto existing = into.find(key);
    if (append && existing != into.end()) {
      existing->second.values.insert(existing->second.values.end(), cv.values.begin(), cv.values.end());
      existing->second.is_list = true;
      existing->second.file = cv.file;
      existing->second.line = cv.line;
    } else {
      into[key] = std::move(cv);
    }
  }
}

}  // namespace

std::map<std::string, ConfigValue> load_config_files(const std::string& file, bool explicit_file) {
  std::map<std::string, ConfigValue> values;
  std::error_code ec;
  if (fs::exists(file, ec)) {
    merge_file(file, values);
  } else if (explicit_file) {
    throw UsageError(file + ": configuration file not found");
  }
  fs::path dropins = file + ".d";
  if (fs::is_directory(dropins, ec)) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dropins, ec)) {
      auto ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) names.push_back(e.path().string());
    }
    std::sort(names.begin(), names.end());
    for (const auto& n : names) merge_file(n, values);
  }
  return values;
}

}  // namespace k3s::cli
