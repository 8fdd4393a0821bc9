#include "proxy/timed_socket.h"

#include <time.h>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

namespace aegis::proxy {

TimedSocket::TimedSocket(DeadlineList& list, boost::asio::ip::tcp::socket socket)
    : list_(list), socket_(std::move(socket)) {
  list_.link(this);
}

TimedSocket::TimedSocket(DeadlineList& list, const boost::asio::any_io_executor& ex) : list_(list), socket_(ex) {
  list_.link(this);
}

TimedSocket::~TimedSocket() { list_.unlink(this); }

boost::system::error_code TimedSocket::check(const boost::system::error_code& ec) const {
  if (expired_ && ec == boost::asio::error::operation_aborted) return boost::beast::error::timeout;
  return ec;
}

TimedSocket::Clock::time_point TimedSocket::coarse_now() {
  timespec ts{};
  if (::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0) return Clock::now();
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(ts.tv_sec) +
                                                                       std::chrono::nanoseconds(ts.tv_nsec)));
}

void DeadlineList::link(TimedSocket* s) {
  s->prev_ = nullptr;
  s->next_ = head_;
  if (head_) head_->prev_ = s;
  head_ = s;
  ++size_;
}

void DeadlineList::unlink(TimedSocket* s) {
  if (s->prev_) s->prev_->next_ = s->next_;
  else head_ = s->next_;
  if (s->next_) s->next_->prev_ = s->prev_;
  s->prev_ = s->next_ = nullptr;
  --size_;
}

void DeadlineList::sweep(TimedSocket::Clock::time_point now) {
  for (TimedSocket* s = head_; s; s = s->next_) {
    if (s->at_ > now) continue;
    // Also when already expired: an operation started after the deadline without re-arming is cancelled too.
    s->expired_ = true;
    boost::system::error_code ignored;
    if (s->socket_.is_open()) s->socket_.cancel(ignored);
  }
}

}  // namespace aegis::proxy
