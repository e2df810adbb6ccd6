#include "volumes.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "object/quantity.h"
#include "util/base64.h"

namespace k3s::kubelet {
namespace fs = std::filesystem;

namespace {

const Json& field(const Json& object, const char* key) {
  static const Json empty = Json::object();
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? empty : *it;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Mount points under `prefix`, deepest first (so nested mounts come off before their parents).
std::vector<std::string> mounts_under(const std::string& prefix) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  std::vector<std::string> found;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string id, parent, devno, root, mount_point;
    words >> id >> parent >> devno >> root >> mount_point;
    if (mount_point == prefix || mount_point.rfind(prefix + "/", 0) == 0) found.push_back(mount_point);
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return found;
}

bool is_mount_point(const std::string& path) {
  auto mounts = mounts_under(path);
  return std::find(mounts.begin(), mounts.end(), path) != mounts.end();
}

void ensure_tmpfs(const std::string& dir, const std::string& size_option) {
  fs::create_directories(dir);
  if (is_mount_point(dir)) return;
  std::string options = "mode=0777";
  if (!size_option.empty()) options += ",size=" + size_option;
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0)
    throw VolumeError("cannot mount tmpfs at " + dir + ": " + std::strerror(errno));
}

std::string volume_dir(const KubeletConfig& config, const std::string& uid, const std::string& plugin,
                       const std::string& name) {
  return pod_dir(config, uid) + "/volumes/kubernetes.io~" + plugin + "/" + name;
}

unsigned mode_of(const Json& value, unsigned fallback) {
  return value.is_number_integer() ? static_cast<unsigned>(value.get<int>()) : fallback;
}

// configMap / secret keys into the payload, honouring items (key -> path, mode).
void add_keys(Payload& payload, const Json& data, const Json& source, bool base64, unsigned default_mode,
              const std::string& what) {
  const Json items = source.value("items", Json::array());
  if (items.empty()) {
    for (const auto& [key, value] : data.items())
      payload[key] = {base64 ? util::base64_decode(value.get<std::string>()) : value.get<std::string>(), default_mode};
    return;
  }
  for (const auto& item : items) {
    const std::string key = item.value("key", "");
    if (!data.contains(key)) {
      if (source.value("optional", false)) continue;
      throw VolumeError("configmap references non-existent config key: " + key + " (" + what + ")");
    }
    const std::string value = data[key].get<std::string>();
    payload[item.value("path", key)] = {base64 ? util::base64_decode(value) : value,
                                        mode_of(item.value("mode", Json()), default_mode)};
  }
}

std::string downward_field(const Json& pod, const std::string& path, const VolumeSources& sources) {
  const Json& metadata = field(pod, "metadata");
  const auto sorted_pairs = [](const Json& map) {
    std::string text;
    std::vector<std::pair<std::string, std::string>> entries;
    for (const auto& [k, v] : map.items()) entries.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
    std::sort(entries.begin(), entries.end());
    for (const auto& [k, v] : entries) text += k + "=" + Json(v).dump() + "\n";
    if (!text.empty()) text.pop_back();
    return text;
  };
  if (path == "metadata.labels") return sorted_pairs(field(metadata, "labels"));
  if (path == "metadata.annotations") return sorted_pairs(field(metadata, "annotations"));
  ContainerContext context;
  context.node_ip = sources.node_ip;
  context.pod_ip = sources.pod_ip;
  Json container{{"env", Json::array({{{"name", "V"}, {"valueFrom", {{"fieldRef", {{"fieldPath", path}}}}}}})}};
  try {
    auto env = resolve_env(pod, container, context, sources.objects);
    return env.empty() ? "" : env.front().second;
  } catch (const ContainerConfigError& e) {
    throw VolumeError(e.what());
  }
}

std::string downward_resource(const Json& pod, const Json& ref, const VolumeSources& sources) {
  Json container = Json::object();
  for (const auto& c : field(pod, "spec").value("containers", Json::array()))
    if (c.value("name", "") == ref.value("containerName", "")) container = c;
  Json probe{{"env", Json::array({{{"name", "V"}, {"valueFrom", {{"resourceFieldRef", ref}}}}})}};
  probe["resources"] = container.value("resources", Json::object());
  ContainerContext context;
  auto env = resolve_env(pod, probe, context, sources.objects);
  return env.empty() ? "" : env.front().second;
}

void add_downward_items(Payload& payload, const Json& pod, const Json& source, unsigned default_mode,
                        const VolumeSources& sources) {
  for (const auto& item : source.value("items", Json::array())) {
    const std::string path = item.value("path", "");
    std::string value;
    if (item.contains("fieldRef")) value = downward_field(pod, item["fieldRef"].value("fieldPath", ""), sources);
    else if (item.contains("resourceFieldRef")) value = downward_resource(pod, item["resourceFieldRef"], sources);
    payload[path] = {value, mode_of(item.value("mode", Json()), default_mode)};
  }
}

Payload projected_payload(const Json& pod, const Json& projected, const VolumeSources& sources) {
  const std::string ns = field(pod, "metadata").value("namespace", "");
  const unsigned default_mode = mode_of(projected.value("defaultMode", Json()), 0644);
  Payload payload;
  for (const auto& source : projected.value("sources", Json::array())) {
    if (source.contains("configMap")) {
      const Json& ref = source["configMap"];
      auto object = sources.objects.config_map(ns, ref.value("name", ""));
      if (!object) {
        if (ref.value("optional", false)) continue;
        throw VolumeError("configmap \"" + ref.value("name", "") + "\" not found");
      }
      add_keys(payload, object->value("data", Json::object()), ref, false, default_mode, ref.value("name", ""));
    } else if (source.contains("secret")) {
      const Json& ref = source["secret"];
      auto object = sources.objects.secret(ns, ref.value("name", ""));
      if (!object) {
        if (ref.value("optional", false)) continue;
        throw VolumeError("secret \"" + ref.value("name", "") + "\" not found");
      }
      add_keys(payload, object->value("data", Json::object()), ref, true, default_mode, ref.value("name", ""));
    } else if (source.contains("downwardAPI")) {
      add_downward_items(payload, pod, source["downwardAPI"], default_mode, sources);
    } else if (source.contains("serviceAccountToken")) {
      const Json& ref = source["serviceAccountToken"];
      std::string sa = field(pod, "spec").value("serviceAccountName", "default");
      if (sa.empty()) sa = "default";
      payload[ref.value("path", "token")] = {
          sources.request_token(ns, sa, pod, ref.value("expirationSeconds", int64_t{3607}), ref.value("audience", "")),
          default_mode};
    }
  }
  return payload;
}

void setup_host_path(const Json& host_path) {
  const std::string path = host_path.value("path", "");
  const std::string type = host_path.value("type", "");
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (type == "DirectoryOrCreate") {
    if (!exists) {
      fs::create_directories(path);
      ::chmod(path.c_str(), 0755);
    } else if (!S_ISDIR(st.st_mode)) {
      throw VolumeError("hostPath type check failed: " + path + " is not a directory");
    }
  } else if (type == "FileOrCreate") {
    if (!exists) {
      fs::create_directories(fs::path(path).parent_path());
      std::ofstream(path).flush();
      ::chmod(path.c_str(), 0644);
    } else if (!S_ISREG(st.st_mode)) {
      throw VolumeError("hostPath type check failed: " + path + " is not a file");
    }
  } else if (!type.empty()) {
    const bool ok = exists && ((type == "Directory" && S_ISDIR(st.st_mode)) || (type == "File" && S_ISREG(st.st_mode)) ||
                               (type == "Socket" && S_ISSOCK(st.st_mode)) || (type == "CharDevice" && S_ISCHR(st.st_mode)) ||
                               (type == "BlockDevice" && S_ISBLK(st.st_mode)));
    if (!ok) throw VolumeError("hostPath type check failed: " + path + " is not a " + type);
  }
}

}  // namespace

bool write_atomic_payload(const std::string& dir, const Payload& payload) {
  fs::create_directories(dir);
  const fs::path data_link = fs::path(dir) / "..data";
  std::error_code ec;
  // Current content equal to the payload: nothing to do (no churn for unchanged objects).
  if (fs::is_symlink(data_link, ec)) {
    bool same = true;
    std::size_t count = 0;
    for (const auto& entry : fs::recursive_directory_iterator(data_link, ec))
      if (entry.is_regular_file()) ++count;
    if (count != payload.size()) same = false;
    for (const auto& [path, file] : payload) {
      if (!same) break;
      const fs::path target = data_link / path;
      struct stat st {};
      if (read_all(target.string()) != file.content || ::stat(target.c_str(), &st) != 0 || (st.st_mode & 07777) != file.mode)
        same = false;
    }
    if (same) return false;
  }
  const auto stamp = std::chrono::system_clock::now().time_since_epoch().count();
  const std::string version_name = "..k3s_" + std::to_string(stamp);
  const fs::path version_dir = fs::path(dir) / version_name;
  fs::create_directories(version_dir);
  for (const auto& [path, file] : payload) {
    if (path.empty() || path.front() == '/' || path.find("..") != std::string::npos)
      throw VolumeError("invalid file path \"" + path + "\" in volume");
    const fs::path target = version_dir / path;
    fs::create_directories(target.parent_path());
    std::ofstream out(target, std::ios::binary | std::ios::trunc);
    out << file.content;
    out.close();
    ::chmod(target.c_str(), file.mode);
  }
  std::string previous;
  if (fs::is_symlink(data_link, ec)) previous = fs::read_symlink(data_link, ec).string();
  const fs::path temp_link = fs::path(dir) / "..data_tmp";
  fs::remove(temp_link, ec);
  fs::create_directory_symlink(version_name, temp_link);
  fs::rename(temp_link, data_link);  // the atomic switch readers see
  std::set<std::string> top_level;
  for (const auto& [path, file] : payload) top_level.insert(path.substr(0, path.find('/')));
  for (const auto& name : top_level) {
    const fs::path link = fs::path(dir) / name;
    if (fs::is_symlink(link, ec)) continue;
    fs::create_symlink(fs::path("..data") / name, link, ec);
  }
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("..", 0) == 0) continue;
    if (entry.is_symlink() && !top_level.count(name)) fs::remove(entry.path(), ec);
  }
  if (!previous.empty() && previous != version_name) fs::remove_all(fs::path(dir) / previous, ec);
  return true;
}

std::map<std::string, std::string> setup_volumes(const KubeletConfig& config, const Json& pod,
                                                 const VolumeSources& sources) {
  const Json& metadata = field(pod, "metadata");
  const std::string uid = metadata.value("uid", "");
  const std::string ns = metadata.value("namespace", "");
  std::map<std::string, std::string> paths;
  for (const auto& volume : field(pod, "spec").value("volumes", Json::array())) {
    const std::string name = volume.value("name", "");
    if (volume.contains("emptyDir")) {
      const Json& empty_dir = volume["emptyDir"];
      const std::string dir = volume_dir(config, uid, "empty-dir", name);
      if (empty_dir.value("medium", "") == "Memory") {
        std::string size;
        if (empty_dir.contains("sizeLimit")) size = std::to_string(object::Quantity::from_json(empty_dir["sizeLimit"]).value());
        ensure_tmpfs(dir, size);
      } else {
        fs::create_directories(dir);
        ::chmod(dir.c_str(), 0777);
      }
      paths[name] = dir;
    } else if (volume.contains("hostPath")) {
      setup_host_path(volume["hostPath"]);
      paths[name] = volume["hostPath"].value("path", "");
    } else if (volume.contains("configMap")) {
      const Json& ref = volume["configMap"];
      const std::string dir = volume_dir(config, uid, "configmap", name);
      auto object = sources.objects.config_map(ns, ref.value("name", ""));
      Payload payload;
      if (!object && !ref.value("optional", false))
        throw VolumeError("MountVolume.SetUp failed for volume \"" + name + "\" : configmap \"" + ref.value("name", "") +
                          "\" not found");
      if (object)
        add_keys(payload, object->value("data", Json::object()), ref, false,
                 mode_of(ref.value("defaultMode", Json()), 0644), ref.value("name", ""));
      write_atomic_payload(dir, payload);
      paths[name] = dir;
    } else if (volume.contains("secret")) {
      const Json& ref = volume["secret"];
      const std::string dir = volume_dir(config, uid, "secret", name);
      auto object = sources.objects.secret(ns, ref.value("secretName", ""));
      if (!object && !ref.value("optional", false))
        throw VolumeError("MountVolume.SetUp failed for volume \"" + name + "\" : secret \"" + ref.value("secretName", "") +
                          "\" not found");
      ensure_tmpfs(dir, "");  // secrets never touch the disk
      Payload payload;
      if (object)
        add_keys(payload, object->value("data", Json::object()), ref, true,
                 mode_of(ref.value("defaultMode", Json()), 0644), ref.value("secretName", ""));
      write_atomic_payload(dir, payload);
      paths[name] = dir;
    } else if (volume.contains("downwardAPI")) {
      const std::string dir = volume_dir(config, uid, "downward-api", name);
      Payload payload;
      add_downward_items(payload, pod, volume["downwardAPI"], mode_of(volume["downwardAPI"].value("defaultMode", Json()), 0644),
                         sources);
      write_atomic_payload(dir, payload);
      paths[name] = dir;
    } else if (volume.contains("projected")) {
      const std::string dir = volume_dir(config, uid, "projected", name);
      Payload payload = projected_payload(pod, volume["projected"], sources);
      ensure_tmpfs(dir, "");
      write_atomic_payload(dir, payload);
      paths[name] = dir;
    } else if (volume.contains("persistentVolumeClaim")) {
      const std::string claim = volume["persistentVolumeClaim"].value("claimName", "");
      auto pvc = sources.get("persistentvolumeclaims", ns, claim);
      if (!pvc) throw VolumeError("persistentvolumeclaim \"" + claim + "\" not found");
      const std::string pv_name = field(*pvc, "spec").value("volumeName", "");
      if (pv_name.empty()) throw VolumeError("persistentvolumeclaim \"" + claim + "\" is not bound");
      auto pv = sources.get("persistentvolumes", "", pv_name);
      if (!pv) throw VolumeError("persistentvolume \"" + pv_name + "\" not found");
      const Json& pv_spec = field(*pv, "spec");
      std::string path;
      if (pv_spec.contains("hostPath")) {
        setup_host_path(pv_spec["hostPath"]);
        path = pv_spec["hostPath"].value("path", "");
      } else if (pv_spec.contains("local")) {
        path = pv_spec["local"].value("path", "");
      } else {
        throw VolumeError("persistentvolume \"" + pv_name + "\": only hostPath and local volumes are supported");
      }
      paths[name] = path;
    } else {
      throw VolumeError("volume \"" + name + "\": unsupported volume type");
    }
  }
  return paths;
}

void teardown_pod_dir(const KubeletConfig& config, const std::string& uid) {
  if (uid.empty()) return;
  const std::string dir = pod_dir(config, uid);
  for (const auto& mount_point : mounts_under(dir))
    if (::umount2(mount_point.c_str(), MNT_DETACH) != 0)
      spdlog::warn("kubelet: cannot unmount {}: {}", mount_point, std::strerror(errno));
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) spdlog::warn("kubelet: cannot remove {}: {}", dir, ec.message());
}

}  // namespace k3s::kubelet
