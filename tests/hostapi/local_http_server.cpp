#include "local_http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace aegis::hostapi::test {
namespace {

void send_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

std::string header_value(const std::string& head, const std::string& name) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  auto p = lower.find("\r\n" + name + ":");
  if (p == std::string::npos) return "";
  p += 3 + name.size();
  auto e = head.find("\r\n", p);
  std::string v = head.substr(p, e - p);
  while (!v.empty() && v.front() == ' ') v.erase(v.begin());
  return v;
}

std::string response(int status, const std::string& body, const std::string& extra = "") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n" + extra + "\r\n" + body;
}

}  // namespace

LocalHttpServer::LocalHttpServer() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0)
    throw std::runtime_error("bind/listen");
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

LocalHttpServer::~LocalHttpServer() { stop(); }

void LocalHttpServer::stop() {
  if (stopping_.exchange(true)) return;
  ::shutdown(listen_fd_, SHUT_RDWR);
  {
    std::lock_guard lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  cv_.notify_all();
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
  }
  for (auto& t : workers) t.join();
}

void LocalHttpServer::accept_loop() {
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_) return;
      continue;
    }
    std::lock_guard lock(mu_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    open_fds_.push_back(fd);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void LocalHttpServer::serve(int fd) {
  ++connections_;
  std::string data;
  char buf[16384];
  for (;;) {  // one request per iteration; only /ka/... requests keep the connection open
    std::size_t head_end;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      data.append(buf, static_cast<std::size_t>(n));
    }
    if (head_end == std::string::npos) break;
    ++requests_;
    const std::string head = data.substr(0, head_end + 2);
    const std::size_t content_length = std::strtoul(header_value(head, "content-length").c_str(), nullptr, 10);
    data.erase(0, head_end + 4);
    while (data.size() < content_length) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      data.append(buf, static_cast<std::size_t>(n));
    }
    const std::string body = data.substr(0, content_length);
    data.erase(0, std::min(content_length, data.size()));
    const std::string method = head.substr(0, head.find(' '));
    const auto p1 = head.find(' ') + 1;
    std::string path = head.substr(p1, head.find(' ', p1) - p1);
    const bool keep_alive = path.rfind("/ka/", 0) == 0;
    if (keep_alive) path.erase(0, 3);
    auto respond = [&](int status, const std::string& b, const std::string& extra = "") {
      std::string r = response(status, b, extra);
      if (keep_alive) r.replace(r.find("Connection: close"), 17, "Connection: keep-alive");
      send_all(fd, r);
    };
    if (path == "/hello") {
      respond(200, "hello");
    } else if (path.rfind("/bytes/", 0) == 0) {
      respond(200, std::string(std::stoul(path.substr(7)), 'x'));
    } else if (path.rfind("/status/", 0) == 0) {
      const int st = std::stoi(path.substr(8));
      respond(st, "status " + std::to_string(st));
    } else if (path == "/echo") {
      respond(200, method + " " + header_value(head, "content-type") + " " + body);
    } else if (path == "/redirect") {
      respond(302, "moved", "Location: /hello\r\n");
    } else if (path == "/slow") {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(30), [this] { return stopping_.load(); });
      lock.unlock();
      respond(200, "late");
    } else {
      respond(404, "no route");
    }
    if (!keep_alive) break;
  }
  std::lock_guard lock(mu_);
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
  ::close(fd);
}

}  // namespace aegis::hostapi::test
