#include "server/admin.h"

#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "log/logging.h"
#include "metrics/metrics.h"

namespace aegis::server {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bh = beast::http;
using tcp = net::ip::tcp;

namespace {
constexpr auto kTok = net::as_tuple(net::use_awaitable);

net::awaitable<void> serve_admin_connection(tcp::socket socket, AdminServer::ReloadFn* reload) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    bh::request_parser<bh::string_body> parser;
    parser.body_limit(64 * 1024);
    stream.expires_after(std::chrono::seconds(30));
    auto [ec, n] = co_await bh::async_read(stream, buffer, parser, kTok);
    if (ec) co_return;
    auto& req = parser.get();
    bh::response<bh::string_body> res;
    res.version(req.version());
    res.set(bh::field::content_type, "text/plain; charset=utf-8");
    std::string_view target = req.target();
    if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    bool get = req.method() == bh::verb::get || req.method() == bh::verb::head;
    if (target == "/healthz") {
      if (get) {
        res.result(bh::status::ok);
        res.body() = "ok\n";
      } else {
        res.result(bh::status::method_not_allowed);
        res.set(bh::field::allow, "GET, HEAD");
      }
    } else if (target == "/metrics") {
      if (get) {
        res.result(bh::status::ok);
        res.set(bh::field::content_type, metrics::kTextContentType);
        res.body() = metrics::render_text();
      } else {
        res.result(bh::status::method_not_allowed);
        res.set(bh::field::allow, "GET, HEAD");
      }
    } else if (target == "/reload") {
      if (req.method() == bh::verb::post) {
        AdminServer::ReloadOutcome out = (*reload)();
        res.result(out.ok ? bh::status::ok : bh::status::internal_server_error);
        res.body() = out.ok ? "reloaded\n" : "reload failed: " + out.message + "\n";
      } else {
        res.result(bh::status::method_not_allowed);
        res.set(bh::field::allow, "POST");
      }
    } else {
      res.result(bh::status::not_found);
      res.body() = "not found\n";
    }
    if (req.method() == bh::verb::head) {
      res.content_length(res.body().size());
      res.body().clear();
    } else {
      res.prepare_payload();
    }
    res.keep_alive(req.keep_alive());
    auto [wec, wn] = co_await bh::async_write(stream, res, kTok);
    if (wec || !req.keep_alive()) break;
  }
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> admin_accept_loop(tcp::acceptor& acceptor, AdminServer::ReloadFn* reload) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTok);
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;
    }
    net::co_spawn(acceptor.get_executor(), serve_admin_connection(std::move(socket), reload), net::detached);
  }
}
}  // namespace

struct AdminServer::Impl {
  ReloadFn reload;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  uint16_t port = 0;
};

AdminServer::AdminServer(ReloadFn reload) : impl_(std::make_unique<Impl>()) { impl_->reload = std::move(reload); }

AdminServer::~AdminServer() { stop(); }

void AdminServer::start(const config::Admin& cfg) {
  tcp::endpoint ep(net::ip::make_address(cfg.address), cfg.port);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  net::co_spawn(impl_->ioc, admin_accept_loop(impl_->acceptor, &impl_->reload), net::detached);
  impl_->thread = std::thread([this] {
    try {
      impl_->ioc.run();
    } catch (const std::exception& e) {
      log::logger().error("admin listener stopped: {}", e.what());
    }
  });
}

uint16_t AdminServer::port() const { return impl_->port; }

void AdminServer::stop() {
  if (!impl_) return;
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace aegis::server
