// aegis.yaml loading: every kind of mistake is reported as FILE:LINE:COL: KEY: MESSAGE; valid configs round-trip.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "test_util.h"

namespace aegis::config {
namespace {

struct BadCase {
  const char* name;
  const char* yaml;
  const char* what;  // the complete expected ConfigError::what()
};

std::ostream& operator<<(std::ostream& os, const BadCase& c) { return os << c.name; }

const BadCase kBad[] = {
    {"unknown_top_level_key_with_suggestion",
     "listners:\n"
     "  - port: 8080\n",
     R"(t.yaml:1:1: listners: unknown key "listners" (did you mean "listeners"?))"},
    {"unknown_nested_key_with_suggestion",
     "listeners:\n"
     "  - port: 8080\n"
     "origins:\n"
     "  - name: web\n"
     "    servers: [\"127.0.0.1:9000\"]\n"
     "    conect_timeout: 2s\n",
     R"(t.yaml:6:5: origins[0].conect_timeout: unknown key "conect_timeout" (did you mean "connect_timeout"?))"},
    {"unknown_key_without_close_match",
     "listeners:\n"
     "  - port: 8080\n"
     "limits:\n"
     "  banana: 1\n",
     R"(t.yaml:4:3: limits.banana: unknown key "banana")"},
    {"duplicate_key",
     "workers: 2\n"
     "listeners:\n"
     "  - port: 8080\n"
     "workers: 3\n",
     "t.yaml:4:1: workers: duplicate key"},
    {"map_expected",
     "listeners:\n"
     "  - port: 8080\n"
     "admin: 5\n",
     R"(t.yaml:3:8: admin: expected a mapping, got "5")"},
    {"list_expected",
     "listeners:\n"
     "  port: 8080\n",
     "t.yaml:2:3: listeners: expected a list, got a mapping"},
    {"list_element_must_be_mapping",
     "listeners:\n"
     "  - 8080\n",
     R"(t.yaml:2:5: listeners[0]: expected a mapping, got "8080")"},
    {"scalar_expected",
     "workers: [1]\n"
     "listeners:\n"
     "  - port: 8080\n",
     "t.yaml:1:10: workers: expected auto or an integer 1-1024, got a list"},
    {"workers_zero",
     "workers: 0\n"
     "listeners:\n"
     "  - port: 8080\n",
     R"(t.yaml:1:10: workers: expected auto or an integer 1-1024, got "0")"},
    {"listener_port_out_of_range",
     "listeners:\n"
     "  - port: 70000\n",
     R"(t.yaml:2:11: listeners[0].port: expected a port 0-65535, got "70000")"},
    {"listener_port_not_a_number",
     "listeners:\n"
     "  - address: 127.0.0.1\n"
     "    port: http\n",
     R"(t.yaml:3:11: listeners[0].port: expected a port 0-65535, got "http")"},
    {"origin_server_bad_port",
     "listeners:\n"
     "  - port: 8080\n"
     "origins:\n"
     "  - name: web\n"
     "    servers:\n"
     "      - 127.0.0.1:9000\n"
     "      - x:99999\n",
     R"(t.yaml:7:9: origins[0].servers[1]: expected host:port, got "x:99999")"},
    {"origin_server_port_zero",
     "listeners:\n"
     "  - port: 8080\n"
     "origins:\n"
     "  - name: web\n"
     "    servers: [\"h:0\"]\n",
     R"(t.yaml:5:15: origins[0].servers[0]: expected host:port, got "h:0")"},
    {"origin_servers_empty",
     "listeners:\n"
     "  - port: 8080\n"
     "origins:\n"
     "  - name: web\n"
     "    servers: []\n",
     "t.yaml:5:14: origins[0].servers: expected at least one host:port"},
    {"duration_without_unit",
     "listeners:\n"
     "  - port: 8080\n"
     "origins:\n"
     "  - name: web\n"
     "    servers: [\"127.0.0.1:9000\"]\n"
     "    read_timeout: 30\n",
     R"(t.yaml:6:19: origins[0].read_timeout: expected a duration such as 250ms, 2s, 1m or 1h, got "30")"},
    {"duration_zero",
     "listeners:\n"
     "  - port: 8080\n"
     "limits:\n"
     "  send_timeout: 0s\n",
     R"(t.yaml:4:17: limits.send_timeout: must be at least 1ms, got "0s")"},
    {"duration_bad_unit",
     "listeners:\n"
     "  - port: 8080\n"
     "limits:\n"
     "  client_idle_timeout: 5sec\n",
     R"(t.yaml:4:24: limits.client_idle_timeout: expected a duration such as 250ms, 2s, 1m or 1h, got "5sec")"},
    {"size_bad_unit",
     "listeners:\n"
     "  - port: 8080\n"
     "limits:\n"
     "  max_body_bytes: 10 MB\n",
     R"(t.yaml:4:19: limits.max_body_bytes: expected a size such as 512B, 16KiB, 10MiB or 1MB, got "10 MB")"},
    {"size_zero_header_limit",
     "listeners:\n"
     "  - port: 8080\n"
     "limits:\n"
     "  max_header_bytes: 0\n",
     R"(t.yaml:4:21: limits.max_header_bytes: must be at least 1B, got "0")"},
    {"bool_invalid",
     "listeners:\n"
     "  - port: 8080\n"
     "admin:\n"
     "  enabled: maybe\n",
     R"(t.yaml:4:12: admin.enabled: expected true or false, got "maybe")"},
    {"enum_invalid_with_suggestion",
     "listeners:\n"
     "  - port: 8080\n"
     "log_level: warning\n",
     R"(t.yaml:3:12: log_level: expected one of trace, debug, info, warn, error, critical, off, got "warning" (did you mean "warn"?))"},
    {"address_invalid",
     "listeners:\n"
     "  - address: 300.1.1.1\n"
     "    port: 80\n",
     R"(t.yaml:2:14: listeners[0].address: expected an IP address or host name, got "300.1.1.1")"},
    {"integer_out_of_range",
     "listeners:\n"
     "  - port: 8080\n"
     "origins:\n"
     "  - name: web\n"
     "    servers: [\"127.0.0.1:9000\"]\n"
     "    pool_size: -1\n",
     R"(t.yaml:6:16: origins[0].pool_size: expected an integer 0-100000, got "-1")"},
    {"path_prefix_must_start_with_slash",
     "listeners:\n"
     "  - port: 8080\n"
     "origins:\n"
     "  - name: web\n"
     "    servers: [\"127.0.0.1:9000\"]\n"
     "routes:\n"
     "  - path_prefix: api\n"
     "    origin: web\n",
     R"(t.yaml:7:18: routes[0].path_prefix: expected a path starting with "/", got "api")"},
    {"route_host_pattern_invalid",
     "listeners:\n"
     "  - port: 8080\n"
     "origins:\n"
     "  - name: web\n"
     "    servers: [\"127.0.0.1:9000\"]\n"
     "routes:\n"
     "  - host: \"a b\"\n"
     "    origin: web\n",
     R"(t.yaml:7:11: routes[0].host: expected a host name, "*" or "*.domain", got "a b")"},
    {"missing_required_key",
     "listeners:\n"
     "  - port: 8080\n"
     "origins:\n"
     "  - name: web\n",
     "t.yaml:4:5: origins[0].servers: missing required key"},
    {"missing_listeners",
     "workers: auto\n",
     "t.yaml:1:1: listeners: missing required key"},
    {"empty_document",
     "",
     "t.yaml:1:1: listeners: missing required key"},
    {"empty_listener_list",
     "listeners: []\n",
     "t.yaml:1:12: listeners: at least one listener is required"},
    {"duplicate_listener",
     "listeners:\n"
     "  - {address: 127.0.0.1, port: 8080}\n"
     "  - {address: 127.0.0.1, port: 8080}\n",
     "t.yaml:3:32: listeners[1].port: duplicate listener 127.0.0.1:8080 (same as listeners[0])"},
    {"default_admin_port_collides_with_listener",
     "listeners:\n"
     "  - port: 9901\n",
     "t.yaml:2:11: listeners[0].port: port 9901 is also the admin port (admin.port defaults to 9901; set admin.port "
     "or admin.enabled: false)"},
    {"admin_port_collides_with_listener",
     "listeners:\n"
     "  - port: 8080\n"
     "admin:\n"
     "  port: 8080\n",
     "t.yaml:4:9: admin.port: port 8080 is already used by listeners[0]"},
    {"unknown_origin_in_route_with_suggestion",
     "listeners:\n"
     "  - port: 8080\n"
     "origins:\n"
     "  - name: backend\n"
     "    servers: [\"127.0.0.1:9000\"]\n"
     "routes:\n"
     "  - path_prefix: /\n"
     "    origin: backnd\n",
     R"(t.yaml:8:13: routes[0].origin: unknown origin "backnd" (did you mean "backend"?))"},
    {"unknown_origin_in_route_lists_defined",
     "listeners:\n"
     "  - port: 8080\n"
     "origins:\n"
     "  - name: a\n"
     "    servers: [\"127.0.0.1:9000\"]\n"
     "  - name: b\n"
     "    servers: [\"127.0.0.1:9001\"]\n"
     "routes:\n"
     "  - origin: somewhere-else\n",
     R"(t.yaml:9:13: routes[0].origin: unknown origin "somewhere-else" (defined: a, b))"},
    {"duplicate_origin_name",
     "listeners:\n"
     "  - port: 8080\n"
     "origins:\n"
     "  - name: web\n"
     "    servers: [\"127.0.0.1:9000\"]\n"
     "  - name: web\n"
     "    servers: [\"127.0.0.1:9001\"]\n",
     R"(t.yaml:6:11: origins[1].name: duplicate origin name "web" (already used by origins[0]))"},
    {"duplicate_route",
     "listeners:\n"
     "  - port: 8080\n"
     "origins:\n"
     "  - name: web\n"
     "    servers: [\"127.0.0.1:9000\"]\n"
     "routes:\n"
     "  - {path_prefix: /api, origin: web}\n"
     "  - {path_prefix: /api, origin: web}\n",
     R"(t.yaml:8:19: routes[1].path_prefix: duplicate route for host "*" and path_prefix "/api" (same as routes[0]))"},
    {"request_id_header_not_a_token",
     "listeners:\n"
     "  - port: 8080\n"
     "request_id_header: \"x request id\"\n",
     R"(t.yaml:3:20: request_id_header: expected a header name, got "x request id")"},
    {"two_documents",
     "listeners:\n"
     "  - port: 8080\n"
     "---\n"
     "listeners:\n"
     "  - port: 8081\n",
     "t.yaml:4:1: the file holds more than one YAML document; expected one"},
    {"syntax_error_unclosed_flow_sequence",
     "listeners: [\n"
     "  {port: 8080}\n",
     "t.yaml:3:1: YAML syntax error: end of sequence flow not found"},
    {"syntax_error_bad_indentation",
     "listeners:\n"
     "  - port: 8080\n"
     " bad: 1\n",
     "t.yaml:3:2: YAML syntax error: end of map not found"},
};

class BadConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfig, ReportsFileLineColumnKey) {
  const BadCase& c = GetParam();
  try {
    load_string(c.yaml, "t.yaml");
    FAIL() << "accepted invalid config:\n" << c.yaml;
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), c.what);
    EXPECT_EQ(e.file(), "t.yaml");
  }
}

INSTANTIATE_TEST_SUITE_P(Table, BadConfig, ::testing::ValuesIn(kBad),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ConfigError, FieldsAndWhat) {
  try {
    load_string("listeners:\n  - port: 8080\norigins:\n  - name: web\n    servers: [\"x:99999\"]\n", "aegis.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), "aegis.yaml");
    EXPECT_EQ(e.line(), 5);
    EXPECT_EQ(e.column(), 15);
    EXPECT_EQ(e.key(), "origins[0].servers[0]");
    EXPECT_EQ(e.message(), R"(expected host:port, got "x:99999")");
    EXPECT_STREQ(e.what(), R"(aegis.yaml:5:15: origins[0].servers[0]: expected host:port, got "x:99999")");
  }
}

TEST(LoadFile, MissingFileNamesThePath) {
  test::TempDir dir;
  std::string path = dir.file("nope.yaml");
  try {
    load_file(path);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": cannot open: No such file or directory");
    EXPECT_EQ(e.line(), 0);
  }
}

TEST(LoadFile, DirectoryIsAnError) {
  test::TempDir dir;
  try {
    load_file(dir.path());
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), dir.path() + ": cannot read: is a directory");
  }
}

TEST(LoadFile, ErrorsNameTheFilePath) {
  test::TempDir dir;
  std::string path = dir.write("aegis.yaml", "listeners:\n  - port: 8080\nworkers: many\n");
  try {
    load_file(path);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), path + R"(:3:10: workers: expected auto or an integer 1-1024, got "many")");
  }
}

TEST(LoadFile, SetsSourcePath) {
  test::TempDir dir;
  std::string path = dir.write("aegis.yaml", "listeners:\n  - port: 8080\n");
  EXPECT_EQ(load_file(path).source_path, path);
}

TEST(Load, MinimalConfigTakesDefaults) {
  Config c = load_string("listeners:\n  - port: 8080\n", "min.yaml");
  Config expected;
  expected.source_path = "min.yaml";
  expected.listeners.push_back(Listener{"0.0.0.0", 8080});
  // Derived by the waf section's check, not written: where the built-in WAF module is.
  EXPECT_NE(c.waf.module_path.find("aegis_waf"), std::string::npos) << c.waf.module_path;
  expected.waf.module_path = c.waf.module_path;
  EXPECT_EQ(c, expected);
  EXPECT_EQ(c.workers, 0u);
  EXPECT_EQ(c.admin.port, 9901);
  EXPECT_EQ(c.limits.max_body_bytes, 10u * 1024 * 1024);
}

TEST(Load, EmptyMapsAndListsKeepDefaults) {
  Config c = load_string("listeners:\n  - port: 8080\nlimits:\nadmin:\norigins:\nroutes:\n", "t.yaml");
  EXPECT_EQ(c.limits, Limits{});
  EXPECT_EQ(c.admin, Admin{});
  EXPECT_TRUE(c.origins.empty());
}

TEST(Load, FullConfigRoundTrip) {
  const char* yaml = R"(# every key, none at its default
workers: 3
node_name: edge-1
request_id_header: X-Req-Id
listeners:
  - address: 127.0.0.1
    port: 0
  - address: "::1"
    port: 8443
origins:
  - name: api
    servers: ["10.0.0.1:8000", "[::1]:8001", "backend.internal:80"]
    connect_timeout: 250ms
    read_timeout: 5s
    pool_size: 8
    pool_idle_timeout: 2m
    host_header: api.example.com
  - name: static
    servers:
      - 127.0.0.1:9000
routes:
  - host: WWW.Example.com
    path_prefix: /api/
    origin: api
  - host: "*.example.com"
    path_prefix: /
    origin: static
  - origin: static
limits:
  max_header_bytes: 8KiB
  max_body_bytes: 1MB
  client_header_timeout: 3s
  client_idle_timeout: 1h
  send_timeout: 1500ms
admin:
  enabled: false
  address: 0.0.0.0
  port: 0
access_log:
  enabled: false
  path: /var/log/aegis/access.log
log_level: debug
demo_origin:
  enabled: true
  address: 127.0.0.2
  port: 0
)";
  Config c = load_string(yaml, "full.yaml");
  EXPECT_EQ(c.source_path, "full.yaml");
  EXPECT_EQ(c.workers, 3u);
  EXPECT_EQ(c.node_name, "edge-1");
  EXPECT_EQ(c.request_id_header, "x-req-id");
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0], (Listener{"127.0.0.1", 0}));
  EXPECT_EQ(c.listeners[1], (Listener{"::1", 8443}));
  ASSERT_EQ(c.origins.size(), 2u);
  const Origin& api = c.origins[0];
  EXPECT_EQ(api.name, "api");
  ASSERT_EQ(api.servers.size(), 3u);
  EXPECT_EQ(api.servers[0], (Endpoint{"10.0.0.1", 8000}));
  EXPECT_EQ(api.servers[1], (Endpoint{"::1", 8001}));
  EXPECT_EQ(api.servers[2], (Endpoint{"backend.internal", 80}));
  EXPECT_EQ(api.connect_timeout, Millis(250));
  EXPECT_EQ(api.read_timeout, Millis(5000));
  EXPECT_EQ(api.pool_size, 8u);
  EXPECT_EQ(api.pool_idle_timeout, Millis(120000));
  EXPECT_EQ(api.host_header, "api.example.com");
  EXPECT_EQ(c.origins[1].servers, (std::vector<Endpoint>{{"127.0.0.1", 9000}}));
  EXPECT_EQ(c.origins[1].connect_timeout, Millis(2000));  // default
  ASSERT_EQ(c.routes.size(), 3u);
  EXPECT_EQ(c.routes[0].host, "www.example.com");
  EXPECT_EQ(c.routes[0].path_prefix, "/api/");
  EXPECT_EQ(c.routes[0].origin, "api");
  EXPECT_EQ(c.routes[1].host, "*.example.com");
  EXPECT_EQ(c.routes[1].path_prefix, "/");
  EXPECT_EQ(c.routes[1].origin, "static");
  EXPECT_EQ(c.routes[2].host, "*");
  EXPECT_EQ(c.routes[2].path_prefix, "/");
  EXPECT_EQ(c.routes[2].origin, "static");
  EXPECT_EQ(c.find_origin("static"), &c.origins[1]);
  EXPECT_EQ(c.limits.max_header_bytes, 8192u);
  EXPECT_EQ(c.limits.max_body_bytes, 1000000u);
  EXPECT_EQ(c.limits.client_header_timeout, Millis(3000));
  EXPECT_EQ(c.limits.client_idle_timeout, Millis(3600000));
  EXPECT_EQ(c.limits.send_timeout, Millis(1500));
  EXPECT_EQ(c.admin, (Admin{false, "0.0.0.0", 0}));
  EXPECT_EQ(c.access_log, (AccessLog{false, "/var/log/aegis/access.log"}));
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.demo_origin, (DemoOrigin{true, "127.0.0.2", 0}));
}

TEST(Load, WorkersAutoIsZero) {
  EXPECT_EQ(load_string("workers: auto\nlisteners: [{port: 1}]\n", "t").workers, 0u);
  EXPECT_EQ(load_string("workers: 1024\nlisteners: [{port: 1}]\n", "t").workers, 1024u);
  EXPECT_THROW(load_string("workers: 1025\nlisteners: [{port: 1}]\n", "t"), ConfigError);
}

TEST(Load, AdminPortMayEqualListenerPortWhenAdminDisabled) {
  Config c = load_string("listeners: [{port: 9901}]\nadmin: {enabled: false}\n", "t");
  EXPECT_EQ(c.listeners[0].port, 9901);
}

TEST(Load, ListenersOnPortZeroAreNotDuplicates) {
  Config c = load_string("listeners: [{address: 127.0.0.1, port: 0}, {address: 127.0.0.1, port: 0}]\n", "t");
  EXPECT_EQ(c.listeners.size(), 2u);
}

}  // namespace
}  // namespace aegis::config
