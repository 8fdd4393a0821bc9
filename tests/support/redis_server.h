// RedisServer: a real `redis-server` (Debian package) for tests — its own process on a free 127.0.0.1 port, no
// persistence (no RDB, no AOF; its working directory is a private temp dir), killed with the test. Tests can kill
// it, restart it on the same port, or freeze it (SIGSTOP) to make commands time out.
//
//   test::RedisServer redis;                 // started and answering PING, or the constructor throws
//   redis.port();
//   redis.kill();    ...   redis.restart();   // same port, empty data set
//   redis.cli({"GET", "aegis:k"});           // runs redis-cli against it (an independent view of the data)
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/fs.h"
#include "support/process.h"

namespace aegis::test {

class RedisServer {
 public:
  // Starts redis-server on a free port; throws std::runtime_error (with its output) if it cannot.
  // `extra_args` are appended to its command line (e.g. {"--requirepass", "secret"}).
  explicit RedisServer(std::vector<std::string> extra_args = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  uint16_t port() const { return port_; }
  bool running();

  // SIGKILL (an abrupt outage: clients see their connection drop). No-op if not running.
  void kill();
  // Starts it again on the same port (after kill()); waits until it answers PING. Throws on failure.
  void restart();
  // SIGSTOP / SIGCONT: the server keeps its connections but stops answering (commands time out).
  void freeze();
  void thaw();

  // redis-cli -p port --raw args...: its stdout without the trailing newline ("" if it failed). Authenticates
  // when the server was started with --requirepass.
  std::string cli(const std::vector<std::string>& args) const;
  // Whether it answers PING right now.
  bool ping() const;

 private:
  bool launch(std::string* error);
  TempDir dir_;
  std::vector<std::string> extra_args_;
  std::string password_;  // from --requirepass in extra_args
  uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
  bool frozen_ = false;
};

}  // namespace aegis::test
