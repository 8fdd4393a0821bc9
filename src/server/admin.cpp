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

// The first extra endpoint matching the path and method; `path_known` tells whether some endpoint had the path.
const AdminEndpoint* find_endpoint(const std::vector<AdminEndpoint>& eps, std::string_view method,
                                   std::string_view path, bool& path_known, std::string& allow) {
  path_known = false;
  const AdminEndpoint* hit = nullptr;
  for (const auto& e : eps) {
    bool match = e.prefix ? path.substr(0, e.path.size()) == e.path : path == e.path;
    if (!match) continue;
    path_known = true;
    allow += (allow.empty() ? "" : ", ") + e.method;
    if (!hit && e.method == method) hit = &e;
  }
  return hit;
}

net::awaitable<void> serve_admin_connection(tcp::socket socket, AdminServer::ReloadFn* reload,
                                            const std::vector<AdminEndpoint>* endpoints) {
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
    std::string_view query;
    if (auto q = target.find('?'); q != std::string_view::npos) {
      query = target.substr(q + 1);
      target = target.substr(0, q);
    }
    bool path_known = false;
    std::string allow;
    const AdminEndpoint* endpoint =
        find_endpoint(*endpoints, std::string_view(req.method_string()), target, path_known, allow);
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
    } else if (endpoint) {
      AdminRequest areq;
      areq.method = std::string(req.method_string());
      areq.path = std::string(target);
      areq.query = std::string(query);
      areq.body = std::move(req.body());
      for (const auto& f : req) areq.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      AdminResponse out;
      try {
        out = endpoint->handler(areq);
      } catch (const std::exception& e) {
        out.status = 500;
        out.body = std::string("error: ") + e.what() + "\n";
      }
      res.result(static_cast<unsigned>(out.status));
      res.set(bh::field::content_type, out.content_type);
      res.body() = std::move(out.body);
    } else if (path_known) {
      res.result(bh::status::method_not_allowed);
      res.set(bh::field::allow, allow);
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

net::awaitable<void> admin_accept_loop(tcp::acceptor& acceptor, AdminServer::ReloadFn* reload,
                                       const std::vector<AdminEndpoint>* endpoints) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kTok);
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
      continue;
    }
    net::co_spawn(acceptor.get_executor(), serve_admin_connection(std::move(socket), reload, endpoints), net::detached);
  }
}
}  // namespace

struct AdminServer::Impl {
  ReloadFn reload;
  std::vector<AdminEndpoint> endpoints;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  uint16_t port = 0;
};

AdminServer::AdminServer(ReloadFn reload, std::vector<AdminEndpoint> endpoints) : impl_(std::make_unique<Impl>()) {
  impl_->reload = std::move(reload);
  impl_->endpoints = std::move(endpoints);
}

std::string AdminRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (beast::iequals(k, name)) return v;
  return {};
}

AdminServer::~AdminServer() { stop(); }

void AdminServer::start(const config::Admin& cfg) {
  tcp::endpoint ep(net::ip::make_address(cfg.address), cfg.port);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  net::co_spawn(impl_->ioc, admin_accept_loop(impl_->acceptor, &impl_->reload, &impl_->endpoints), net::detached);
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
