// Route matching (proxy::Router) on routes loaded from YAML: host, exact/prefix/glob paths, methods, headers,
// priority and the documented tie-break; and the config validation of those keys.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/loader.h"
#include "proxy/router.h"

using namespace aegis;

namespace {

class MapHeaders final : public proxy::HeaderMap {
 public:
  explicit MapHeaders(std::map<std::string, std::string> h) : h_(std::move(h)) {}
  std::optional<std::string_view> get(std::string_view name) const override {
    auto it = h_.find(std::string(name));
    if (it == h_.end()) return std::nullopt;
    return std::string_view(it->second);
  }
  void set(std::string_view, std::string_view) override {}
  void add(std::string_view, std::string_view) override {}
  void remove(std::string_view) override {}
  void for_each(const std::function<void(std::string_view, std::string_view)>& fn) const override {
    for (const auto& [k, v] : h_) fn(k, v);
  }

 private:
  std::map<std::string, std::string> h_;
};

// Routes are written as YAML list items; each gets an origin named after its index ("r0", "r1", ...).
struct Table {
  explicit Table(const std::string& routes) {
    std::string yaml = "listeners:\n  - port: 8080\norigins:\n";
    std::size_t n = 0;
    for (std::size_t p = routes.find("- "); p != std::string::npos; p = routes.find("\n  - ", p + 1)) ++n;
    for (std::size_t i = 0; i < n; ++i)
      yaml += "  - name: r" + std::to_string(i) + "\n    servers: [\"127.0.0.1:1\"]\n";
    cfg = config::load_string(yaml + "routes:\n" + routes, "t.yaml");
    router = proxy::Router(cfg.routes);
  }
  std::string match(std::string_view path, std::string_view method = "GET",
                    std::map<std::string, std::string> headers = {}, std::string_view host = "example.com") {
    MapHeaders h(std::move(headers));
    const config::Route* r = router.match(host, path, method, &h);
    return r ? r->origin : "none";
  }
  config::Config cfg;
  proxy::Router router;
};

TEST(Router, GlobSegments) {
  using proxy::Router;
  EXPECT_TRUE(Router::glob_match("/users/*/posts", "/users/42/posts"));
  EXPECT_FALSE(Router::glob_match("/users/*/posts", "/users/posts"));
  EXPECT_FALSE(Router::glob_match("/users/*/posts", "/users/1/2/posts"));
  EXPECT_FALSE(Router::glob_match("/users/*", "/users/"));  // a lone * needs a non-empty segment
  EXPECT_TRUE(Router::glob_match("/img/*.png", "/img/logo.png"));
  EXPECT_FALSE(Router::glob_match("/img/*.png", "/img/a/logo.png"));
  EXPECT_FALSE(Router::glob_match("/img/*.png", "/img/logo.jpg"));
  EXPECT_TRUE(Router::glob_match("/static/**", "/static"));
  EXPECT_TRUE(Router::glob_match("/static/**", "/static/"));
  EXPECT_TRUE(Router::glob_match("/static/**", "/static/a/b/c.css"));
  EXPECT_FALSE(Router::glob_match("/static/**", "/staticx/a"));
  EXPECT_TRUE(Router::glob_match("/a/**/z", "/a/z"));
  EXPECT_TRUE(Router::glob_match("/a/**/z", "/a/b/c/z"));
  EXPECT_FALSE(Router::glob_match("/a/**/z", "/a/b/c/y"));
  EXPECT_TRUE(Router::glob_match("/**/*.js", "/x/y/app.js"));
  EXPECT_TRUE(Router::glob_match("/**", "/"));
}

TEST(Router, ExactPrefixAndGlobPaths) {
  Table t(
      "  - {path_prefix: /, origin: r0}\n"
      "  - {path_prefix: /api/, origin: r1}\n"
      "  - {path: /api/login, origin: r2}\n"
      "  - {path: \"/api/*/items\", origin: r3}\n"
      "  - {path: \"/api/**\", origin: r4}\n");
  EXPECT_EQ(t.match("/api/login"), "r2");        // exact beats glob and prefix
  EXPECT_EQ(t.match("/api/login/x"), "r4");      // glob beats prefix
  EXPECT_EQ(t.match("/api/7/items"), "r3");      // more literal characters first among globs
  EXPECT_EQ(t.match("/api"), "r4");
  EXPECT_EQ(t.match("/other"), "r0");
}

TEST(Router, MethodsAndHeaders) {
  Table t(
      "  - {path_prefix: /, origin: r0}\n"
      "  - {path_prefix: /, methods: [post, PUT], origin: r1}\n"
      "  - {path_prefix: /, headers: {X-Beta: \"1\"}, origin: r2}\n"
      "  - {path_prefix: /, headers: {authorization: \"*\"}, methods: [POST], origin: r3}\n");
  EXPECT_EQ(t.cfg.routes[1].methods, (std::vector<std::string>{"POST", "PUT"}));
  EXPECT_EQ(t.match("/", "GET"), "r0");
  EXPECT_EQ(t.match("/", "PUT"), "r1");
  EXPECT_EQ(t.match("/", "POST"), "r1");
  EXPECT_EQ(t.match("/", "GET", {{"x-beta", "1"}}), "r2");
  EXPECT_EQ(t.match("/", "GET", {{"x-beta", "2"}}), "r0");           // exact value
  EXPECT_EQ(t.match("/", "POST", {{"authorization", "Bearer x"}}), "r3");  // two conditions beat one
  EXPECT_EQ(t.match("/", "PUT", {{"authorization", "Bearer x"}}), "r1");
}

TEST(Router, PriorityFirstThenHostThenPathThenConditionsThenOrder) {
  Table t(
      "  - {path: /x, origin: r0}\n"
      "  - {path_prefix: /, priority: 10, methods: [DELETE], origin: r1}\n"
      "  - {host: api.example.com, path_prefix: /, origin: r2}\n"
      "  - {host: \"*.example.com\", path: /x, origin: r3}\n"
      "  - {path: \"/y/*\", origin: r4}\n"
      "  - {path: \"/y/*\", headers: {x-a: \"*\"}, origin: r5}\n"
      "  - {path: \"/z/*\", origin: r6}\n"
      "  - {path: \"/z/*\", methods: [GET], priority: 0, origin: r7}\n");
  EXPECT_EQ(t.match("/x", "DELETE"), "r1");                         // priority beats everything
  EXPECT_EQ(t.match("/x", "GET", {}, "api.example.com"), "r2");     // exact host beats a more specific path
  EXPECT_EQ(t.match("/x", "GET", {}, "www.example.com"), "r3");     // suffix host beats any host
  EXPECT_EQ(t.match("/x", "GET", {}, "other.org"), "r0");
  EXPECT_EQ(t.match("/y/1", "GET", {{"x-a", "v"}}), "r5");          // more conditions
  EXPECT_EQ(t.match("/y/1"), "r4");
  EXPECT_EQ(t.match("/z/1"), "r7");
  EXPECT_EQ(t.match("/z/1", "HEAD"), "r6");
}

TEST(Router, OldConfigsKeepTheirMeaning) {
  Table t(
      "  - {path_prefix: /, origin: r0}\n"
      "  - {path_prefix: /api, origin: r1}\n"
      "  - {host: www.example.com, path_prefix: /, origin: r2}\n"
      "  - {path_prefix: /api/v2, origin: r3}\n");
  EXPECT_EQ(t.match("/apix"), "r1");
  EXPECT_EQ(t.match("/api/v2/x"), "r3");
  EXPECT_EQ(t.match("/api/v2/x", "GET", {}, "WWW.example.com:8080"), "r2");
  // Without a method or headers (older callers) routes with such conditions do not match.
  EXPECT_EQ(t.router.match("example.com", "/api"), &t.cfg.routes[1]);
}

config::ConfigError route_error(const std::string& routes) {
  try {
    Table t(routes);
  } catch (const config::ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << routes;
  return config::ConfigError("", 0, 0, "", "");
}

TEST(Router, ConfigErrorsHavePositions) {
  auto e = route_error("  - {path: /a, path_prefix: /b, origin: r0}\n");
  EXPECT_EQ(e.key(), "routes[0].path");
  EXPECT_NE(e.message().find("not both"), std::string::npos) << e.what();
  EXPECT_GT(e.line(), 0);
  e = route_error("  - {path: \"/a/**x\", origin: r0}\n");
  EXPECT_EQ(e.key(), "routes[0].path");
  EXPECT_NE(e.message().find("whole path segment"), std::string::npos) << e.what();
  e = route_error("  - {path: a, origin: r0}\n");
  EXPECT_EQ(e.key(), "routes[0].path");
  e = route_error("  - {methods: [\"GE T\"], origin: r0}\n");
  EXPECT_EQ(e.key(), "routes[0].methods[0]");
  e = route_error("  - {headers: [x], origin: r0}\n");
  EXPECT_EQ(e.key(), "routes[0].headers");
  e = route_error("  - {headers: {x: [1]}, origin: r0}\n");
  EXPECT_EQ(e.key(), "routes[0].headers.x");
  e = route_error("  - {priority: -1, origin: r0}\n");
  EXPECT_EQ(e.key(), "routes[0].priority");
  e = route_error("  - {path: /a, methods: [GET], origin: r0}\n  - {path: /a, methods: [get], origin: r1}\n");
  EXPECT_EQ(e.key(), "routes[1].path");
  EXPECT_NE(e.message().find("duplicate route"), std::string::npos) << e.what();
  EXPECT_EQ(e.line(), 10);
}

}  // namespace
