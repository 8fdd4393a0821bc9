// Worker: one thread, one io_context, its own SO_REUSEPORT acceptor per listener (the kernel spreads new
// connections across workers), its own upstream pool and phases. Shared-nothing on the request path: the only
// shared things are the immutable config snapshot, the metrics atomics and the access log's append buffer.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "proxy/worker_context.h"

namespace aegis::server {

class Worker {
 public:
  Worker(unsigned index, const proxy::SnapshotStore& store, std::vector<std::shared_ptr<proxy::Phase>> phases,
         log::AccessLog* access_log);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Opens an acceptor on `ep` with SO_REUSEPORT (call before start()). Returns the bound port.
  // Throws boost::system::system_error if it cannot bind.
  uint16_t listen(const boost::asio::ip::tcp::endpoint& ep);

  void start();
  // Thread-safe. Stops accepting, closes idle keep-alive connections; busy ones close after their response.
  // The thread ends by itself once no connection is left.
  void drain();
  // Thread-safe. Abandons whatever is still running.
  void stop();
  void join();
  bool finished() const { return finished_.load(); }

 private:
  // Destroyed explicitly in ~Worker (pool first, then the loop with any abandoned sessions, then ctx_).
  std::unique_ptr<boost::asio::io_context> ioc_;
  proxy::WorkerContext ctx_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::thread thread_;
  std::atomic<bool> finished_{false};
};

}  // namespace aegis::server
