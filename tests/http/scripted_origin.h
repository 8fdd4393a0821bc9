// ScriptedOrigin: a tiny in-process origin for behaviours a well-behaved origin never shows (answers with broken
// framing, closes a keep-alive connection instead of answering, trickles, resets). Each accepted connection runs
// the handler on its own thread with the raw socket; helpers read request heads and write bytes.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace aegis::test {

class ScriptedOrigin {
 public:
  // handler(fd, connection_number starting at 0). The fd is closed when the handler returns.
  using Handler = std::function<void(int fd, int conn)>;

  explicit ScriptedOrigin(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 64) != 0)
      throw std::runtime_error("ScriptedOrigin: bind/listen failed");
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] {
      for (int n = 0;; ++n) {
        int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) return;
        connections_.fetch_add(1);
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) {
          ::close(fd);
          return;
        }
        fds_.push_back(fd);
        threads_.emplace_back([this, fd, n] {
          handler_(fd, n);
          ::shutdown(fd, SHUT_RDWR);
        });
      }
    });
  }

  ~ScriptedOrigin() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    acceptor_.join();
    for (auto& t : threads_) t.join();
    for (int fd : fds_) ::close(fd);
  }

  uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }

  // Reads one request head (and a Content-Length body, if any) from fd; returns the head, "" on EOF/error.
  static std::string read_request(int fd, std::string& buffer) {
    for (;;) {
      auto end = buffer.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string head = buffer.substr(0, end + 4);
        buffer.erase(0, end + 4);
        std::size_t body = 0;
        auto cl = lower(head).find("\r\ncontent-length:");
        if (cl != std::string::npos) body = std::stoul(head.substr(cl + 17));
        while (buffer.size() < body) {
          if (!read_more(fd, buffer)) return {};
        }
        buffer.erase(0, body);
        return head;
      }
      if (!read_more(fd, buffer)) return {};
    }
  }

  static bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  static std::string lower(std::string s) {
    for (char& c : s)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return s;
  }

 private:
  static bool read_more(int fd, std::string& buffer) {
    char tmp[4096];
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buffer.append(tmp, static_cast<std::size_t>(n));
    return true;
  }

  Handler handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::mutex mu_;
  bool stopping_ = false;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
  std::atomic<int> connections_{0};
};

}  // namespace aegis::test
