#include "demo/demo_origin.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>

#include "demo/demo_site.h"

namespace aegis::demo {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(60);

asio::awaitable<void> serve_connection(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  std::string remote;
  {
    boost::system::error_code ec;
    auto ep = stream.socket().remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string() + ":" + std::to_string(ep.port());
  }
  try {
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(1024 * 1024);
      stream.expires_after(kIdleTimeout);
      co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
      auto& req = parser.get();

      DemoRequest dreq;
      dreq.method = std::string(req.method_string());
      dreq.target = std::string(req.target());
      dreq.version = req.version() == 10 ? "HTTP/1.0" : "HTTP/1.1";
      for (const auto& f : req) dreq.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      dreq.body = req.body();
      dreq.remote = remote;
      DemoResponse dres = handle_demo_request(dreq);

      http::response<http::string_body> res{static_cast<http::status>(dres.status), req.version()};
      res.set(http::field::server, "aegis-demo-origin");
      res.set(http::field::content_type, dres.content_type);
      for (const auto& [k, v] : dres.headers) res.insert(k, v);
      res.keep_alive(req.keep_alive());
      const bool head = req.method() == http::verb::head;
      res.body() = std::move(dres.body);
      res.prepare_payload();
      if (head) res.body().clear();  // Content-Length stays that of the GET body
      stream.expires_after(kIdleTimeout);
      co_await http::async_write(stream, res, asio::use_awaitable);
      if (!res.keep_alive()) break;
    }
  } catch (const boost::system::system_error& e) {
    // end of stream, timeout, malformed request: answer 400 where it makes sense, then close.
    if (e.code() != http::error::end_of_stream && e.code() != beast::error::timeout &&
        e.code() != asio::error::operation_aborted && e.code() != asio::error::eof &&
        e.code() != asio::error::connection_reset) {
      http::response<http::string_body> res{http::status::bad_request, 11};
      res.set(http::field::connection, "close");
      res.body() = "bad request\n";
      res.prepare_payload();
      boost::system::error_code ec;
      http::write(stream, res, ec);
    }
  }
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;  // e.g. EMFILE: keep serving
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(acceptor.get_executor(), serve_connection(std::move(socket)), asio::detached);
  }
}

}  // namespace

struct DemoOrigin::Impl {
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  uint16_t port = 0;
};

DemoOrigin::DemoOrigin() = default;
DemoOrigin::~DemoOrigin() { stop(); }

bool DemoOrigin::start(const config::DemoOrigin& cfg, std::string* error) {
  if (impl_) {
    if (error) *error = "demo origin already started";
    return false;
  }
  auto impl = std::make_unique<Impl>();
  boost::system::error_code ec;
  tcp::resolver resolver(impl->ioc);
  auto results = resolver.resolve(cfg.address, std::to_string(cfg.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    if (error) *error = "demo origin: cannot resolve " + cfg.address + ": " + ec.message();
    return false;
  }
  tcp::endpoint ep = results.begin()->endpoint();
  auto fail = [&](const char* what) {
    if (error)
      *error = std::string("demo origin: ") + what + " " + cfg.address + ":" + std::to_string(cfg.port) + ": " +
               ec.message();
    return false;
  };
  impl->acceptor.open(ep.protocol(), ec);
  if (ec) return fail("open");
  impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  impl->acceptor.bind(ep, ec);
  if (ec) return fail("bind");
  impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  impl->port = impl->acceptor.local_endpoint(ec).port();

  asio::co_spawn(impl->ioc, accept_loop(impl->acceptor), asio::detached);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->ioc.run(); });
  impl_ = std::move(impl);
  return true;
}

void DemoOrigin::stop() {
  if (!impl_) return;
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  // Destroying the io_context destroys every pending connection coroutine and its socket.
  impl_.reset();
}

uint16_t DemoOrigin::port() const { return impl_ ? impl_->port : 0; }

}  // namespace aegis::demo
