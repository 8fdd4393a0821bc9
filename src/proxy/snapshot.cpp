#include "proxy/snapshot.h"

#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

namespace aegis::proxy {
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::shared_ptr<const ProxySnapshot> build_snapshot(std::shared_ptr<const config::Config> config,
                                                    const std::function<void(ProxySnapshot&)>& extend) {
  auto snap = std::make_shared<ProxySnapshot>();
  snap->config = config;
  snap->router = Router(config->routes);
  snap->via = "1.1 " + config->node_name;
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  for (const auto& origin : config->origins) {
    ResolvedOrigin ro;
    ro.origin = &origin;
    for (const auto& server : origin.servers) {
      boost::system::error_code ec;
      auto addr = net::ip::make_address(server.host, ec);
      tcp::endpoint ep;
      if (!ec) {
        ep = tcp::endpoint(addr, server.port);
      } else {
        auto results = resolver.resolve(server.host, std::to_string(server.port), ec);
        if (ec || results.empty())
          throw std::runtime_error("origin '" + origin.name + "': cannot resolve server " + server.host + ": " +
                                   (ec ? ec.message() : std::string("no addresses")));
        ep = results.begin()->endpoint();
      }
      ro.endpoints.push_back(ep);
      bool v6 = server.host.find(':') != std::string::npos;
      ro.authorities.push_back((v6 ? "[" + server.host + "]" : server.host) + ":" + std::to_string(server.port));
    }
    if (ro.endpoints.empty()) throw std::runtime_error("origin '" + origin.name + "' has no servers");
    snap->origins.emplace(origin.name, std::move(ro));
  }
  for (const auto& route : config->routes)
    if (!snap->find(route.origin))
      throw std::runtime_error("route " + route.host + route.path_prefix + " names unknown origin '" +
                               route.origin + "'");
  if (extend) extend(*snap);
  return snap;
}

}  // namespace aegis::proxy
