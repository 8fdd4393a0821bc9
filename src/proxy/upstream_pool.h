// Per-worker keep-alive pool of idle connections to origin servers (one pool per worker thread, no locking).
//
// A connection is put back only after a complete, correctly framed response that allowed keep-alive, with nothing
// left over in its buffer. On take(): connections idle longer than the origin's pool_idle_timeout are dropped, and a
// non-blocking MSG_PEEK discards those the origin closed or sent anything on while they were idle. The peek is
// what keeps an unsolicited response (a buggy origin answering twice, or sending a body after a HEAD response)
// from being read as the answer to a later request, maybe another client's (response queue poisoning), so it is
// made for every reuse. What an origin sends after the peek cannot be told from the next response (HTTP/1.1 does not
// match responses to requests). A connection can also still die between the peek and our write; the session
// retries idempotent requests once on a fresh connection in that case.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "proxy/timed_socket.h"

namespace aegis::proxy {

struct UpstreamConnection {
  UpstreamConnection(DeadlineList& deadlines, const boost::asio::any_io_executor& ex) : stream(deadlines, ex) {}
  TimedSocket stream;
  boost::beast::flat_buffer buffer;  // bytes read from the origin and not yet parsed
  boost::asio::ip::tcp::endpoint peer;
  std::chrono::steady_clock::time_point idle_since{};
  uint64_t requests = 0;             // requests sent on this connection so far
};

class UpstreamPool {
 public:
  // An idle connection to `peer` that is still open and has nothing waiting to be read, or nullptr.
  std::unique_ptr<UpstreamConnection> take(const boost::asio::ip::tcp::endpoint& peer,
                                           std::chrono::milliseconds idle_timeout);
  // Keeps `conn` for reuse unless `max_idle` connections to that peer are already idle (then it is closed).
  void put(std::unique_ptr<UpstreamConnection> conn, std::size_t max_idle);
  // Closes every idle connection (shutdown).
  void clear();
  std::size_t idle_count() const;

 private:
  std::map<boost::asio::ip::tcp::endpoint, std::vector<std::unique_ptr<UpstreamConnection>>> idle_;
};

}  // namespace aegis::proxy
