#include "support/redis_server.h"

#include <signal.h>

#include <stdexcept>
#include <thread>

#include "support/net.h"

namespace aegis::test {
namespace {

constexpr const char* kRedisServer = "/usr/bin/redis-server";
constexpr const char* kRedisCli = "/usr/bin/redis-cli";

}  // namespace

RedisServer::RedisServer(std::vector<std::string> extra_args) : extra_args_(std::move(extra_args)) {
  for (std::size_t i = 0; i + 1 < extra_args_.size(); ++i)
    if (extra_args_[i] == "--requirepass") password_ = extra_args_[i + 1];
  std::string error;
  // The port is free when picked but another process may take it before redis-server binds: retry a few times.
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    if (launch(&error)) return;
  }
  throw std::runtime_error("cannot start redis-server: " + error);
}

RedisServer::~RedisServer() { kill(); }

bool RedisServer::launch(std::string* error) {
  process_ = std::make_unique<ChildProcess>();
  ChildProcess::Options opts;
  opts.cwd = dir_.path();
  opts.stdout_path = dir_.file("redis.out");
  opts.stderr_path = dir_.file("redis.err");
  const std::vector<std::string> argv = {kRedisServer,   "--port",       std::to_string(port_),
                                         "--bind",       "127.0.0.1",    "--save",
                                         "",             "--appendonly", "no",
                                         "--dir",        dir_.path(),    "--daemonize",
                                         "no",           "--logfile",    "",
                                         "--databases",  "16",           "--loglevel",
                                         "warning"};
  std::vector<std::string> full = argv;
  full.insert(full.end(), extra_args_.begin(), extra_args_.end());
  if (!process_->start(full, opts, error)) return false;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) {
      if (error) *error = "redis-server exited: " + process_->stdout_text() + process_->stderr_text();
      return false;
    }
    if (ping()) return true;
    std::this_thread::sleep_for(20ms);
  }
  if (error) *error = "redis-server did not answer PING on port " + std::to_string(port_);
  process_->kill();
  return false;
}

bool RedisServer::running() { return process_ && process_->running(); }

void RedisServer::kill() {
  if (!process_) return;
  process_->kill();  // SIGKILL also ends a stopped process (without letting it answer anything first)
  frozen_ = false;
}

void RedisServer::restart() {
  kill();
  std::string error;
  // The old process is reaped, so its listening socket is closed; the port may still be taken by someone else in
  // theory, so retry a little before giving up.
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (launch(&error)) return;
    std::this_thread::sleep_for(200ms);
  }
  throw std::runtime_error("cannot restart redis-server on port " + std::to_string(port_) + ": " + error);
}

void RedisServer::freeze() {
  if (process_ && process_->signal(SIGSTOP)) frozen_ = true;
}

void RedisServer::thaw() {
  if (process_ && frozen_) process_->signal(SIGCONT);
  frozen_ = false;
}

std::string RedisServer::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {kRedisCli, "-h", "127.0.0.1", "-p", std::to_string(port_), "--raw"};
  if (!password_.empty()) argv.insert(argv.end(), {"--no-auth-warning", "-a", password_});
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = run_command(argv, 10s);
  if (r.exit_code != 0) return "";
  std::string out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

bool RedisServer::ping() const { return cli({"PING"}) == "PONG"; }

}  // namespace aegis::test
