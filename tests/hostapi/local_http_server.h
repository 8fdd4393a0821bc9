// A tiny HTTP/1.1 server on 127.0.0.1 (ephemeral port) for the outbound-HTTP tests. One thread accepts, one
// thread per connection answers one request and closes. Routes:
//   /hello           200 "hello"
//   /bytes/N         200 with N bytes of 'x'
//   /status/N        status N, body "status N"
//   /echo            200 "<METHOD> <content-type> <body>"
//   /redirect        302 to /hello
//   /slow            waits (until stop()) before answering; for timeout tests
// Prefixing any route with /ka (e.g. /ka/hello) answers with keep-alive and serves further requests on the
// same connection.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace aegis::hostapi::test {

class LocalHttpServer {
 public:
  LocalHttpServer();
  ~LocalHttpServer();
  uint16_t port() const { return port_; }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int requests() const { return requests_.load(); }
  int connections() const { return connections_.load(); }
  void stop();

 private:
  void accept_loop();
  void serve(int fd);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
  std::thread acceptor_;
};

}  // namespace aegis::hostapi::test
