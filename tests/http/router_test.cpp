// Unit tests of route selection (proxy/router.h).
#include "proxy/router.h"

#include <gtest/gtest.h>

using aegis::config::Route;
using aegis::proxy::Router;
using aegis::proxy::target_path;

namespace {

Route R(std::string host, std::string prefix, std::string origin) {
  Route r;
  r.host = std::move(host);
  r.path_prefix = std::move(prefix);
  r.origin = std::move(origin);
  return r;
}

std::vector<Route> routes() {
  return {
      R("*", "/", "default"),
      R("*", "/api", "api"),
      R("*", "/api/v2", "api2"),
      R("shop.example.com", "/", "shop"),
      R("shop.example.com", "/api", "shop-api"),
      R("*.example.com", "/", "wild"),
      R("*.cdn.example.com", "/", "cdn"),
  };
}

std::string origin_for(const Router& r, std::string_view host, std::string_view path) {
  const Route* route = r.match(host, path);
  return route ? route->origin : "<none>";
}

TEST(Router, LongestPrefixAmongAnyHost) {
  auto rs = routes();
  Router r(rs);
  EXPECT_EQ(origin_for(r, "other.org", "/"), "default");
  EXPECT_EQ(origin_for(r, "other.org", "/api"), "api");
  EXPECT_EQ(origin_for(r, "other.org", "/api/v2/x"), "api2");
  EXPECT_EQ(origin_for(r, "other.org", "/apix"), "api");  // plain byte prefix
  EXPECT_EQ(origin_for(r, "other.org", "/ap"), "default");
}

TEST(Router, HostSpecificBeforeWildcardBeforeAny) {
  auto rs = routes();
  Router r(rs);
  EXPECT_EQ(origin_for(r, "shop.example.com", "/api/v2"), "shop-api");  // host beats a longer "*" prefix
  EXPECT_EQ(origin_for(r, "SHOP.Example.com:8080", "/x"), "shop");
  EXPECT_EQ(origin_for(r, "shop.example.com.", "/x"), "shop");
  EXPECT_EQ(origin_for(r, "blog.example.com", "/api"), "wild");
  EXPECT_EQ(origin_for(r, "img.cdn.example.com", "/"), "cdn");          // longer suffix first
  EXPECT_EQ(origin_for(r, "example.com", "/"), "default");              // "*.example.com" needs a label
}

TEST(Router, NoMatch) {
  std::vector<Route> rs = {R("a.test", "/only", "a")};
  Router r(rs);
  EXPECT_EQ(origin_for(r, "a.test", "/other"), "<none>");
  EXPECT_EQ(origin_for(r, "b.test", "/only"), "<none>");
  Router empty;
  EXPECT_EQ(empty.match("a", "/"), nullptr);
}

TEST(Router, EarlierRouteWinsTies) {
  std::vector<Route> rs = {R("*", "/", "first"), R("*", "/", "second")};
  Router r(rs);
  EXPECT_EQ(origin_for(r, "x", "/"), "first");
}

TEST(Router, TargetPath) {
  EXPECT_EQ(target_path("/a/b?c=d"), "/a/b");
  EXPECT_EQ(target_path("/a#frag"), "/a");
  EXPECT_EQ(target_path("http://h.example/p/q?x"), "/p/q");
  EXPECT_EQ(target_path("http://h.example"), "/");
  EXPECT_EQ(target_path("*"), "/");  // asterisk-form (OPTIONS *) is routed like the host's root
}

TEST(Router, NormalizeHost) {
  EXPECT_EQ(Router::normalize_host("Example.COM:8080"), "example.com");
  EXPECT_EQ(Router::normalize_host("[::1]:80"), "[::1]");
  EXPECT_EQ(Router::normalize_host("a."), "a");
}

}  // namespace
