// Real database servers for tests: PostgreSQL 15 and MariaDB from Debian's packages,
// started on loopback in a temporary directory on a free port, stopped (and the
// directory removed) when the object goes away. Start failures throw with the server's
// log attached, so a test using them fails rather than skips.
//
// Usage: auto& pg = k3s::testing::PostgresServer::shared();  pg.endpoint("mydb")
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace k3s::testing {

// A fresh directory under $TMPDIR (or /tmp), removed recursively on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "k3s-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

int free_tcp_port();

// A child process with its output in a log file, killed (SIGKILL) if the test process dies.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  // run_as: user name to switch to before exec ("" = stay).
  void spawn(const std::vector<std::string>& argv, const std::string& log_file, const std::string& run_as = "");
  // Runs to completion; throws with the log's tail when the exit status is not 0.
  static void run(const std::vector<std::string>& argv, const std::string& log_file, const std::string& run_as = "");
  void stop(int signal);  // signal, then wait
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

std::string tail_of_file(const std::string& path, std::size_t max_bytes = 4000);

class DatabaseServer {
 public:
  virtual ~DatabaseServer() = default;
  // The --datastore-endpoint for a database of this name (created by the store when missing).
  virtual std::string endpoint(const std::string& database) const = 0;
  virtual void stop() = 0;   // the server goes away; data is kept
  virtual void start() = 0;  // (re)start on the same port and data
  int port() const { return port_; }

 protected:
  int port_ = 0;
};

class PostgresServer : public DatabaseServer {
 public:
  PostgresServer();
  ~PostgresServer() override;
  static PostgresServer& shared();  // one per test process, started on first use
  std::string endpoint(const std::string& database) const override;
  void stop() override;
  void start() override;

 private:
  TempDir dir_{"k3s-pg"};
  std::string data_, log_;
  ChildProcess server_;
};

class MariadbServer : public DatabaseServer {
 public:
  MariadbServer();
  ~MariadbServer() override;
  static MariadbServer& shared();
  std::string endpoint(const std::string& database) const override;
  void stop() override;
  void start() override;

 private:
  TempDir dir_{"k3s-mariadb"};
  std::string data_, log_, socket_;
  ChildProcess server_;
};

}  // namespace k3s::testing
