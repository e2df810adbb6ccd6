#include "db_servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace k3s::testing {
namespace fs = std::filesystem;
namespace {

constexpr const char* kPgBin = "/usr/lib/postgresql/15/bin/";
constexpr auto kStartTimeout = std::chrono::seconds(60);

bool chown_to(const std::string& path, const std::string& user) {
  passwd* pw = getpwnam(user.c_str());
  if (!pw) return false;
  return ::chown(path.c_str(), pw->pw_uid, pw->pw_gid) == 0;
}

std::string find_program(const std::vector<std::string>& candidates) {
  for (const auto& c : candidates)
    if (::access(c.c_str(), X_OK) == 0) return c;
  throw std::runtime_error("test harness: none of " + candidates.front() + ", ... is installed (scripts/deps.sh test)");
}

}  // namespace

TempDir::TempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) throw std::runtime_error("test harness: mkdtemp " + pattern + " failed");
  path_ = buf.data();
  ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

int free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("test harness: no free TCP port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string tail_of_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) stop(SIGKILL);
}

void ChildProcess::spawn(const std::vector<std::string>& argv, const std::string& log_file, const std::string& run_as) {
  uid_t uid = 0;
  gid_t gid = 0;
  bool switch_user = !run_as.empty() && ::geteuid() == 0;
  if (switch_user) {
    passwd* pw = getpwnam(run_as.c_str());
    if (!pw) throw std::runtime_error("test harness: no user " + run_as);
    uid = pw->pw_uid;
    gid = pw->pw_gid;
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("test harness: fork failed");
  if (pid == 0) {
    int fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::setsid();
    if (switch_user) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) _exit(126);
    }
    // After the credential change, which would clear it: die with the test process.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) _exit(125);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    _exit(127);
  }
  pid_ = pid;
}

void ChildProcess::run(const std::vector<std::string>& argv, const std::string& log_file, const std::string& run_as) {
  ChildProcess child;
  child.spawn(argv, log_file, run_as);
  int status = 0;
  ::waitpid(child.pid_, &status, 0);
  child.pid_ = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("test harness: " + argv[0] + " failed (status " + std::to_string(status) + "):\n" +
                             tail_of_file(log_file));
}

void ChildProcess::stop(int signal) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

// ---------------------------------------------------------------- PostgreSQL

PostgresServer::PostgresServer() {
  if (::access((std::string(kPgBin) + "initdb").c_str(), X_OK) != 0)
    throw std::runtime_error("test harness: PostgreSQL 15 is not installed (scripts/deps.sh test)");
  // PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
  std::string user = ::geteuid() == 0 ? "postgres" : "";
  if (!user.empty() && !chown_to(dir_.path(), user))
    throw std::runtime_error("test harness: cannot hand " + dir_.path() + " to user postgres");
  data_ = dir_.path() + "/data";
  log_ = dir_.path() + "/postgres.log";
  ChildProcess::run({std::string(kPgBin) + "initdb", "-D", data_, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                     "--no-sync", "--no-instructions"},
                    dir_.path() + "/initdb.log", user);
  port_ = free_tcp_port();
  start();
}

PostgresServer::~PostgresServer() { server_.stop(SIGINT); }

PostgresServer& PostgresServer::shared() {
  static PostgresServer server;
  return server;
}

void PostgresServer::start() {
  if (server_.running()) return;
  std::string user = ::geteuid() == 0 ? "postgres" : "";
  server_.spawn({std::string(kPgBin) + "postgres", "-D", data_, "-p", std::to_string(port_), "-k", dir_.path(), "-c",
                 "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=300", "-c",
                 "shared_buffers=32MB"},
                log_, user);
  std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=postgres";
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (PQping(conninfo.c_str()) != PQPING_OK) {
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("test harness: PostgreSQL did not start:\n" + tail_of_file(log_));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void PostgresServer::stop() { server_.stop(SIGINT); }

std::string PostgresServer::endpoint(const std::string& database) const {
  return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database + "?sslmode=disable";
}

// ---------------------------------------------------------------- MariaDB

MariadbServer::MariadbServer() {
  std::string install = find_program({"/usr/bin/mariadb-install-db", "/usr/bin/mysql_install_db"});
  data_ = dir_.path() + "/data";
  log_ = dir_.path() + "/mariadb.log";
  socket_ = dir_.path() + "/mysqld.sock";
  ChildProcess::run({install, "--no-defaults", "--datadir=" + data_, "--user=root", "--auth-root-authentication-method=normal",
                     "--skip-test-db", "--skip-name-resolve"},
                    dir_.path() + "/install.log");
  port_ = free_tcp_port();
  start();
}

MariadbServer::~MariadbServer() { server_.stop(SIGTERM); }

MariadbServer& MariadbServer::shared() {
  static MariadbServer server;
  return server;
}

void MariadbServer::start() {
  if (server_.running()) return;
  std::string daemon = find_program({"/usr/sbin/mariadbd", "/usr/sbin/mysqld"});
  server_.spawn({daemon, "--no-defaults", "--datadir=" + data_, "--socket=" + socket_, "--port=" + std::to_string(port_),
                 "--bind-address=127.0.0.1", "--user=root", "--skip-grant-tables", "--skip-name-resolve",
                 "--pid-file=" + dir_.path() + "/mariadb.pid", "--innodb-flush-log-at-trx-commit=2",
                 "--innodb-buffer-pool-size=64M", "--max-connections=300", "--skip-log-bin"},
                log_);
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (true) {
    MYSQL* m = mysql_init(nullptr);
    unsigned int timeout = 2;
    mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    bool ok = mysql_real_connect(m, "127.0.0.1", "root", "", nullptr, port_, nullptr, 0) != nullptr;
    mysql_close(m);
    if (ok) return;
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("test harness: MariaDB did not start:\n" + tail_of_file(log_));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void MariadbServer::stop() { server_.stop(SIGTERM); }

std::string MariadbServer::endpoint(const std::string& database) const {
  return "mysql://root@tcp(127.0.0.1:" + std::to_string(port_) + ")/" + database;
}

}  // namespace k3s::testing
