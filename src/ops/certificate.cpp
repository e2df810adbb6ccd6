// `k3s certificate check|rotate`: the leaf certificates under <data-dir>/server/tls and
// <data-dir>/agent, grouped by k3s's service names. Rotation backs the directory up and
// removes the leaf certificates (never the CAs or the service-account key), so the next
// start of k3s issues fresh ones from the same CAs.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "client/client.h"
#include "ops/ops.h"
#include "pki/pki.h"
#include "supervisor_call.h"

namespace fs = std::filesystem;

namespace k3s::ops {

namespace {

// k3s's --service names for each certificate file stem.
std::string service_of(const std::string& stem) {
  static const std::map<std::string, std::string> services = {
      {"client-admin", "admin"},
      {"serving-kube-apiserver", "api-server"},
      {"client-kube-apiserver", "api-server"},
      {"client-controller", "controller-manager"},
      {"client-scheduler", "scheduler"},
      {"client-supervisor", "supervisor"},
      {"client-kube-proxy", "kube-proxy"},
      {"client-k3s-controller", "k3s-controller"},
      {"client-auth-proxy", "auth-proxy"},
      {"client-kubelet", "kubelet"},
      {"serving-kubelet", "kubelet"},
  };
  auto it = services.find(stem);
  return it == services.end() ? "" : it->second;
}

struct CertFile {
  fs::path path;
  std::string service;
};

std::vector<CertFile> leaf_certificates(const std::string& data_dir) {
  std::vector<CertFile> out;
  for (const fs::path dir : {fs::path(data_dir) / "server" / "tls", fs::path(data_dir) / "agent"}) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() != ".crt") continue;
      const std::string service = service_of(entry.path().stem().string());
      if (!service.empty()) out.push_back({entry.path(), service});
    }
  }
  std::sort(out.begin(), out.end(), [](const CertFile& a, const CertFile& b) { return a.path < b.path; });
  return out;
}

std::string format_time(std::chrono::system_clock::time_point t) {
  const std::time_t c = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&c, &tm);
  std::ostringstream s;
  s << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return s.str();
}

std::string residual(std::chrono::system_clock::duration d) {
  const auto hours = std::chrono::duration_cast<std::chrono::hours>(d).count();
  if (hours >= 48) return std::to_string(hours / 24) + "d";
  if (hours >= 1) return std::to_string(hours) + "h";
  return std::to_string(std::chrono::duration_cast<std::chrono::minutes>(d).count()) + "m";
}

struct Options {
  std::set<std::string> services;  // empty: all
  std::string output = "text";
  std::string data_dir;  // --data-dir given after the subcommand
  // rotate-ca
  std::string path, server, token;
  bool force = false;
};

Options parse(const std::vector<std::string>& args, std::size_t from) {
  Options o;
  if (const char* url = getenv("K3S_URL")) o.server = url;
  if (const char* t = getenv("K3S_TOKEN")) o.token = t;
  for (std::size_t i = from; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const std::string& flag) -> std::string {
      if (a.starts_with(flag + "=")) return a.substr(flag.size() + 1);
      if (i + 1 >= args.size()) throw cli::UsageError("flag needs an argument: " + a);
      return args[++i];
    };
    if (a == "--service" || a == "-s" || a.starts_with("--service=")) {
      std::stringstream names(value(a.starts_with("--service") ? "--service" : "-s"));
      for (std::string n; std::getline(names, n, ',');) o.services.insert(n);
    } else if (a == "--output" || a == "-o" || a.starts_with("--output=")) {
      o.output = value(a.starts_with("--output") ? "--output" : "-o");
      if (o.output != "text" && o.output != "table")
        throw cli::UsageError("invalid output format " + o.output + ": must be text or table");
    } else if (a == "--path" || a.starts_with("--path=")) {
      o.path = value("--path");
    } else if (a == "--server" || a.starts_with("--server=")) {
      o.server = value("--server");
    } else if (a == "--token" || a == "-t" || a.starts_with("--token=")) {
      o.token = value(a.starts_with("--token") ? "--token" : "-t");
    } else if (a == "--force") {
      o.force = true;
    } else if (a == "--data-dir" || a == "-d" || a.starts_with("--data-dir=")) {
      o.data_dir = value(a.starts_with("--data-dir") ? "--data-dir" : "-d");
    } else {
      throw cli::UsageError("flag provided but not defined: " + a);
    }
  }
  return o;
}

int check(const std::string& data_dir, const Options& options) {
  const auto certs = leaf_certificates(data_dir);
  if (certs.empty()) {
    std::cerr << "Error: no certificates found under " << data_dir << "/server/tls or " << data_dir << "/agent\n";
    return 1;
  }
  const auto now = std::chrono::system_clock::now();
  const auto warn_before = std::chrono::hours(24 * 90);  // k3s renews what expires within 90 days
  bool table = options.output == "table";
  if (table)
    std::cout << std::left << std::setw(34) << "FILENAME" << std::setw(40) << "SUBJECT" << std::setw(22) << "EXPIRES"
              << std::setw(15) << "RESIDUAL TIME" << "STATUS\n";
  int problems = 0;
  for (const auto& c : certs) {
    if (!options.services.empty() && !options.services.count(c.service)) continue;
    pki::CertInfo info;
    try {
      info = pki::describe_cert_pem(pki::read_file(c.path.string()));
    } catch (const std::exception& e) {
      std::cout << c.path.string() << ": unreadable: " << e.what() << "\n";
      ++problems;
      continue;
    }
    std::string status = "OK";
    if (info.not_after <= now) {
      status = "EXPIRED";
      ++problems;
    } else if (info.not_after - now < warn_before) {
      status = "WARNING";
    }
    std::string subject = "CN=" + info.subject.common_name;
    for (const auto& o : info.subject.organizations) subject += ",O=" + o;
    const std::string left = info.not_after > now ? residual(info.not_after - now) : "0m";
    if (table) {
      std::cout << std::left << std::setw(34) << c.path.filename().string() << std::setw(40) << subject << std::setw(22)
                << format_time(info.not_after) << std::setw(15) << left << status << "\n";
    } else {
      std::cout << c.service << ": " << c.path.string() << " (" << subject << ") expires at "
                << format_time(info.not_after) << " (" << left << " left): " << status << "\n";
    }
  }
  return problems ? 1 : 0;
}

int rotate(const std::string& data_dir, const Options& options) {
  const auto certs = leaf_certificates(data_dir);
  if (certs.empty()) {
    std::cerr << "Error: no certificates found under " << data_dir << "\n";
    return 1;
  }
  const std::string backup =
      (fs::path(data_dir) / "server" / ("tls-" + std::to_string(std::time(nullptr)))).string();
  fs::create_directories(backup);
  int rotated = 0;
  for (const auto& c : certs) {
    if (!options.services.empty() && !options.services.count(c.service)) continue;
    fs::path key = c.path;
    key.replace_extension(".key");
    for (const auto& file : {c.path, key}) {
      std::error_code ec;
      if (!fs::exists(file, ec)) continue;
      const fs::path target = fs::path(backup) / (file.parent_path().filename().string() + "-" + file.filename().string());
      fs::copy_file(file, target, fs::copy_options::overwrite_existing);
      fs::remove(file);
    }
    std::cout << "Rotating certificates for " << c.service << " service (" << c.path.filename().string() << ")\n";
    ++rotated;
  }
  if (rotated == 0) {
    std::cerr << "Error: no certificates match the given services\n";
    return 1;
  }
  std::cout << "Successfully backed up certificates to " << backup
            << ", please restart k3s server or agent to rotate certificates\n";
  return 0;
}

// The files a CA rotation may replace, named as under <data-dir>/server/tls.
const char* const kCaFiles[] = {"server-ca.crt", "server-ca.key",         "client-ca.crt", "client-ca.key",
                                "request-header-ca.crt", "request-header-ca.key", "service.key"};

// Hands the new files to the running server, which checks them against the current CAs and
// stores them in the datastore's bootstrap data; servers use them from their next start.
int rotate_ca(const std::string& data_dir, const Options& options) {
  if (options.path.empty()) throw cli::UsageError("--path is required: the directory holding the new CA files");
  std::error_code ec;
  if (!fs::is_directory(options.path, ec)) throw std::runtime_error(options.path + ": not a directory");
  // k3s's layout is <path>/tls/<file> (a staged copy of <data-dir>/server); the files may also sit in <path>.
  fs::path dir = options.path;
  if (fs::is_directory(dir / "tls", ec)) dir /= "tls";
  client::Json files = client::Json::object();
  std::vector<std::string> kept;
  for (const char* name : kCaFiles) {
    if (fs::exists(dir / name, ec)) files[name] = pki::read_file((dir / name).string());
    else kept.push_back(name);
  }
  if (files.empty()) throw std::runtime_error("no CA certificates or keys found in " + dir.string());
  SupervisorTarget target{data_dir, options.server, "", options.token};
  const client::Json body = {{"files", files}, {"force", options.force}};
  std::string answer = put_as_server(target, "/v1-k3s/cert/cacerts", body.dump());
  while (!answer.empty() && answer.back() == '\n') answer.pop_back();
  for (const auto& name : kept) std::cout << name << ": not in " << dir.string() << ", kept as it is\n";
  std::cout << answer << "\n";
  std::cout << "Restart k3s on every server, then on the agents, to use the new CA certificates";
  if (files.contains("server-ca.crt"))
    std::cout << "; nodes that joined with a full (K10…) token need the new token from <data-dir>/server/token";
  std::cout << "\n";
  return 0;
}

}  // namespace

int run_certificate(const std::vector<std::string>& args, const std::string& data_dir) {
  const std::string usage =
      "NAME:\n   k3s certificate - Manage K3s certificates\n\nUSAGE:\n   k3s certificate command [command options]\n\n"
      "COMMANDS:\n   check    Check K3s component certificates on disk\n"
      "   rotate   Rotate K3s component certificates on disk (k3s must be restarted afterwards)\n"
      "   rotate-ca  Write updated K3s CA certificates to the datastore\n\n"
      "OPTIONS:\n   --data-dir value, -d value  (data) Folder to hold state\n"
      "   --service value, -s value   List of services to manage certificates for\n"
      "   --output value, -o value    Format output: text or table (check only) (default: \"text\")\n"
      "   --path value                (rotate-ca) Path to directory containing updated CA certificates\n"
      "   --force                     (rotate-ca) Force certificate replacement, even if consistency checks fail\n"
      "   --server value              (rotate-ca) Server to connect to (default: \"https://127.0.0.1:6443\") [$K3S_URL]\n"
      "   --token value, -t value     (rotate-ca) The server token [$K3S_TOKEN]; default: <data-dir>/server/token\n";
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << usage;
    return 0;
  }
  const Options options = parse(args, 1);
  const std::string dir = options.data_dir.empty() ? data_dir : options.data_dir;
  if (args[0] == "check") return check(dir, options);
  if (args[0] == "rotate") return rotate(dir, options);
  if (args[0] == "rotate-ca") return rotate_ca(dir, options);
  throw cli::UsageError("No help topic for '" + args[0] + "'");
}

}  // namespace k3s::ops
