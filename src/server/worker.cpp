#include "server/worker.h"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "log/logging.h"
#include "proxy/session.h"

namespace aegis::server {
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
constexpr auto kTok = net::as_tuple(net::use_awaitable);

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, proxy::WorkerContext& ctx) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTok);
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
      // EMFILE/ENFILE and friends: back off briefly instead of spinning.
      log::logger().warn("accept failed: {}", ec.message());
      net::steady_timer t(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await t.async_wait(kTok);
      continue;
    }
    proxy::start_session(ctx, std::move(socket));
  }
}
}  // namespace

Worker::Worker(unsigned index, const proxy::SnapshotStore& store, std::vector<std::shared_ptr<proxy::Phase>> phases,
               log::AccessLog* access_log)
    // One thread runs this io_context and is the only one that touches its sockets and timers (other threads only
    // post to it): socket operations need no per-descriptor lock. Posting and registration stay locked.
    : ioc_(std::make_unique<net::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO)),
      ctx_(*ioc_, index, store, std::move(phases), access_log) {}

Worker::~Worker() {
  stop();
  join();
  // Sessions abandoned after the drain timeout live in coroutine frames owned by the io_context; they unregister
  // from ctx_ when destroyed, so the loop must go before ctx_. Pooled sockets must go before the loop.
  ctx_.pool().clear();
  acceptors_.clear();
  ioc_.reset();
}

uint16_t Worker::listen(const tcp::endpoint& ep) {
  auto acc = std::make_unique<tcp::acceptor>(*ioc_);
  acc->open(ep.protocol());
  acc->set_option(tcp::acceptor::reuse_address(true));
  int one = 1;
  if (::setsockopt(acc->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    throw boost::system::system_error(errno, boost::system::system_category(), "SO_REUSEPORT");
  acc->bind(ep);
  acc->listen(net::socket_base::max_listen_connections);
  uint16_t port = acc->local_endpoint().port();
  acceptors_.push_back(std::move(acc));
  return port;
}

void Worker::start() {
  for (auto& acc : acceptors_) net::co_spawn(*ioc_, accept_loop(*acc, ctx_), net::detached);
  proxy::start_deadline_sweep(ctx_);
  thread_ = std::thread([this] {
    try {
      ioc_->run();
    } catch (const std::exception& e) {
      log::logger().error("worker {} stopped: {}", ctx_.index(), e.what());
    }
    finished_ = true;
  });
}

void Worker::drain() {
  net::post(*ioc_, [this] {
    for (auto& acc : acceptors_) {
      boost::system::error_code ec;
      acc->close(ec);
    }
    ctx_.begin_drain();
  });
}

void Worker::stop() {
  if (ioc_) ioc_->stop();
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace aegis::server
