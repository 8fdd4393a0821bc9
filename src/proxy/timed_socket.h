// Coarse I/O deadlines for the sockets of one worker.
//
// beast::tcp_stream arms, cancels and completes a timer around every read and write: a timer-queue insert, a
// cancellation and one more handler run per I/O operation. On the proxy's hot path (four operations per proxied
// request) that is a measurable share of the CPU. Instead, a TimedSocket only records when its current operation
// must end; the worker's DeadlineList is swept every kSweepInterval and cancels the pending operation of every socket
// whose deadline has passed. The operation then completes with operation_aborted, which check() turns into
// beast::error::timeout — the same error tcp_stream reports — so callers keep their timeout handling.
//
// Precision: a deadline fires between 0 and kSweepInterval after it passes (deadlines and sweeps both use the
// coarse monotonic clock). Everything runs on the worker thread.
#pragma once

#include <chrono>

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

namespace aegis::proxy {

class DeadlineList;

class TimedSocket {
 public:
  using Clock = std::chrono::steady_clock;

  TimedSocket(DeadlineList& list, boost::asio::ip::tcp::socket socket);
  TimedSocket(DeadlineList& list, const boost::asio::any_io_executor& ex);
  ~TimedSocket();
  TimedSocket(const TimedSocket&) = delete;
  TimedSocket& operator=(const TimedSocket&) = delete;

  boost::asio::ip::tcp::socket& socket() { return socket_; }

  // The next operation(s) must complete by this time (re-arm before every operation). Measured from the coarse
  // monotonic clock (a few ms of resolution, much cheaper to read than steady_clock::now()).
  void expires_after(Clock::duration d) { expires_at(coarse_now() + d); }
  void expires_at(Clock::time_point t) {
    at_ = t;
    expired_ = false;
  }
  void expires_never() { expires_at(Clock::time_point::max()); }

  // The error an operation on this socket completed with, with a cancellation caused by the deadline reported as
  // beast::error::timeout.
  boost::system::error_code check(const boost::system::error_code& ec) const;

  // CLOCK_MONOTONIC_COARSE on the steady_clock time line (both count from the same origin on Linux).
  static Clock::time_point coarse_now();

 private:
  friend class DeadlineList;
  DeadlineList& list_;
  boost::asio::ip::tcp::socket socket_;
  Clock::time_point at_ = Clock::time_point::max();
  bool expired_ = false;
  TimedSocket* prev_ = nullptr;
  TimedSocket* next_ = nullptr;
};

// Every TimedSocket of a worker (intrusive list: O(1) register/unregister, no allocation).
class DeadlineList {
 public:
  static constexpr std::chrono::milliseconds kSweepInterval{50};

  DeadlineList() = default;
  DeadlineList(const DeadlineList&) = delete;
  DeadlineList& operator=(const DeadlineList&) = delete;

  // Cancels the pending operation of every socket whose deadline is at or before `now`.
  void sweep(TimedSocket::Clock::time_point now);
  std::size_t size() const { return size_; }

 private:
  friend class TimedSocket;
  void link(TimedSocket* s);
  void unlink(TimedSocket* s);
  TimedSocket* head_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace aegis::proxy
