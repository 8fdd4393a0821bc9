#include "fixtures.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include <gtest/gtest.h>

namespace aegis::functions::test {

std::string wasm_path(const std::string& name) { return std::string(AEGIS_WASM_DIR) + "/" + name + ".wasm"; }

std::shared_ptr<const EdgeModule> load_fixture(const std::string& name, const LoadOptions& options) {
  LoadResult r = load_edge_module_file(wasm_path(name), options);
  EXPECT_TRUE(r.module) << "loading " << name << ": " << r.error;
  return r.module;
}

hostapi::InvocationContext make_context(std::vector<hostapi::Header> headers) {
  hostapi::InvocationContext ctx;
  ctx.request.method = "GET";
  ctx.request.uri = "/";
  ctx.request.headers = {{"host", "example.com"}};
  for (auto& h : headers) ctx.request.headers.push_back(std::move(h));
  return ctx;
}

void expect_serves_normally(FunctionRunner& runner, const EdgeModule& header_inject, const std::string& after) {
  auto ctx = make_context({{"X-In", "still-alive"}});
  Outcome out = runner.invoke(header_inject, "handle_request", ctx, FunctionLimits::edge_function());
  EXPECT_EQ(out.status, OutcomeStatus::Ok) << "after " << after << ": " << label(out.status) << " " << out.message;
  EXPECT_EQ(ctx.response.status, 201) << "after " << after;
  const std::string* v = hostapi::find_header(ctx.response.headers, "x-out");
  ASSERT_NE(v, nullptr) << "after " << after;
  EXPECT_EQ(*v, "still-alive") << "after " << after;
  const std::string* e = hostapi::find_header(ctx.response.headers, "x-edge");
  ASSERT_NE(e, nullptr) << "after " << after;
  EXPECT_EQ(*e, "1") << "after " << after;
}

// ---------------------------------------------------------------------------------------------------------------

SlowHttpServer::SlowHttpServer(std::string body) : body_(std::move(body)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0)
    throw std::runtime_error("bind/listen");
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] {
    for (;;) {
      pollfd p{listen_fd_, POLLIN, 0};
      int rc = ::poll(&p, 1, 50);
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      if (rc <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(mu_);
      handlers_.emplace_back([this, fd] { serve(fd); });
    }
  });
}

SlowHttpServer::~SlowHttpServer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    released_ = true;
  }
  cv_.notify_all();
  acceptor_.join();
  for (auto& t : handlers_) t.join();
  ::close(listen_fd_);
}

std::string SlowHttpServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void SlowHttpServer::release() {
  {
    std::lock_guard lock(mu_);
    released_ = true;
  }
  cv_.notify_all();
}

bool SlowHttpServer::wait_for_requests(int n, int timeout_ms) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return requests_ >= n; });
}

int SlowHttpServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

void SlowHttpServer::serve(int fd) {
  std::string in;
  char buf[4096];
  while (in.find("\r\n\r\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  {
    std::unique_lock lock(mu_);
    ++requests_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_; });
  }
  std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                     std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
  std::size_t off = 0;
  while (off < resp.size()) {
    ssize_t n = ::write(fd, resp.data() + off, resp.size() - off);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
}

// ---------------------------------------------------------------------------------------------------------------

ProcessResult run_process(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) {
    std::string q = "'";
    for (char c : a) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
    q += "'";
    cmd += (cmd.empty() ? "" : " ") + q;
  }
  cmd += " 2>&1";
  ProcessResult r;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) r.output.append(buf, n);
  int status = ::pclose(f);
  if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

}  // namespace aegis::functions::test
