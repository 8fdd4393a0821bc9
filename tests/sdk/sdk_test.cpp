// The edge-function SDKs end to end: example functions written with the C SDK (sdk/c/aegis_edge.h, WASI and
// -nostdlib builds, the C++ layer) and the AssemblyScript SDK (sdk/assemblyscript), built in this build and run
// through the real `aegis run` binary. AssemblyScript tests skip (with the reason) when the npm toolchain could
// not be installed.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "support/origin_process.h"
#include "support/process.h"

namespace {

using aegis::test::RunResult;
using namespace std::chrono_literals;

struct Sdk {
  const char* name;    // test name suffix
  const char* prefix;  // module file prefix in AEGIS_WASM_DIR
  bool assemblyscript;
  const char* edge;  // the x-edge value the header-injection example sets
  const char* log_prefix;
};

// Test names and failure messages show the SDK's name, not the struct's bytes.
void PrintTo(const Sdk& sdk, std::ostream* os) { *os << sdk.name; }

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string module_path(const std::string& name) { return std::string(AEGIS_WASM_DIR) + "/" + name + ".wasm"; }

RunResult aegis_run(const std::string& module, std::vector<std::string> args = {}) {
  args.insert(args.begin(), {AEGIS_BIN, "run", module});
  return aegis::test::run_command(args, 60s);
}

std::string report(const RunResult& r) { return "exit " + std::to_string(r.exit_code) + "\n" + r.out + r.err; }

// Skips an AssemblyScript test when the toolchain is unavailable (never passes silently): the status file written
// by tests/sdk/as_setup.sh says "ok" or why not.
#define SKIP_UNLESS_AVAILABLE(sdk)                                                                        \
  do {                                                                                                    \
    if ((sdk).assemblyscript) {                                                                           \
      std::string status = read_text(SDK_AS_STATUS);                                                      \
      if (status != "ok")                                                                                 \
        GTEST_SKIP() << "AssemblyScript SDK tests skipped: " << (status.empty() ? "no toolchain status" : status); \
    }                                                                                                     \
  } while (0)

class SdkTest : public testing::TestWithParam<Sdk> {
 protected:
  void SetUp() override { SKIP_UNLESS_AVAILABLE(GetParam()); }
  std::string module(const std::string& fn) const { return module_path(std::string(GetParam().prefix) + fn); }
};

TEST_P(SdkTest, HeaderInjection) {
  const Sdk& sdk = GetParam();
  auto r = aegis_run(module("header_inject"), {"-H", "X-In: from the test", "--uri", "/p?q=1"});
  ASSERT_EQ(r.exit_code, 0) << report(r);
  EXPECT_TRUE(contains(r.out, "status: 201\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "  x-out: from the test\n")) << r.out;
  EXPECT_TRUE(contains(r.out, std::string("  x-edge: ") + sdk.edge + "\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "  set-cookie: a=1\n  set-cookie: b=2\n")) << r.out;
  EXPECT_FALSE(contains(r.out, "x-temp")) << r.out;    // added, then removed
  EXPECT_FALSE(contains(r.out, "injected")) << r.out;  // CR/LF value refused by the host
  EXPECT_TRUE(contains(r.out, "host errors:")) << r.out;
  EXPECT_TRUE(contains(r.out, "terminate: no\n")) << r.out;
  EXPECT_TRUE(contains(r.out, std::string("[info] ") + sdk.log_prefix + ": GET /p?q=1")) << r.out;
  EXPECT_TRUE(contains(r.out, "outcome: ok\n")) << r.out;
  if (sdk.assemblyscript) {
    EXPECT_TRUE(contains(r.out, "  x-request-header-count: 2\n  x-first-request-header: host\n")) << r.out;
    EXPECT_TRUE(contains(r.out, "GET /p?q=1 h\xC3\xA9llo")) << r.out;  // AS strings reach the host as UTF-8
  } else {
    EXPECT_TRUE(contains(r.out, "  x-request-header-names: [\"host\",\"X-In\"]\n")) << r.out;
    EXPECT_TRUE(contains(r.out, "(6 bytes of uri)")) << r.out;  // aegis_logf
  }

  auto absent = aegis_run(module("header_inject"));
  ASSERT_EQ(absent.exit_code, 0) << report(absent);
  EXPECT_TRUE(contains(absent.out, "  x-out: (absent)\n")) << absent.out;
}

TEST_P(SdkTest, SecondEntryPointFailsWithFunctionError) {
  auto r = aegis_run(module("header_inject"), {"--entry", "fails"});
  EXPECT_EQ(r.exit_code, 5) << report(r);
  EXPECT_TRUE(contains(r.out, "outcome: function_error\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "return value: 7\n")) << r.out;
}

TEST_P(SdkTest, AuthWithoutKeyTerminatesWith401) {
  auto r = aegis_run(module("auth"));
  ASSERT_EQ(r.exit_code, 0) << report(r);
  EXPECT_TRUE(contains(r.out, "terminate: yes (status 401)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "  www-authenticate: ApiKey\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "body: 16 bytes\nmissing api key\n")) << r.out;
  EXPECT_FALSE(contains(r.out, "request modified")) << r.out;
}

TEST_P(SdkTest, AuthWithWrongKeyTerminatesWith403) {
  auto r = aegis_run(module("auth"), {"-H", "X-Api-Key: guess"});
  ASSERT_EQ(r.exit_code, 0) << report(r);
  EXPECT_TRUE(contains(r.out, "terminate: yes (status 403)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "bad api key\n")) << r.out;
  EXPECT_FALSE(contains(r.out, "www-authenticate")) << r.out;
}

TEST_P(SdkTest, AuthWithKeyContinuesWithIdentityHeader) {
  auto r = aegis_run(module("auth"), {"-H", "x-api-key: s3cret"});
  ASSERT_EQ(r.exit_code, 0) << report(r);
  EXPECT_TRUE(contains(r.out, "terminate: no\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "request modified: headers\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "  x-seen-user: alice\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "outcome: ok\n")) << r.out;
}

TEST_P(SdkTest, RewritesTheUri) {
  auto r = aegis_run(module("rewrite_uri"), {"--uri", "/old/a/b?x=1&y=2"});
  ASSERT_EQ(r.exit_code, 0) << report(r);
  EXPECT_TRUE(contains(r.out, "request modified: uri headers\n  GET /new/a/b?x=1&y=2\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "host errors:")) << r.out;  // the absolute-form URI was refused

  auto head = aegis_run(module("rewrite_uri"), {"--method", "HEAD", "--uri", "/old/"});
  ASSERT_EQ(head.exit_code, 0) << report(head);
  EXPECT_TRUE(contains(head.out, "request modified: method uri headers\n  GET /new/\n")) << head.out;

  auto untouched = aegis_run(module("rewrite_uri"), {"--uri", "/keep/old/"});
  ASSERT_EQ(untouched.exit_code, 0) << report(untouched);
  EXPECT_FALSE(contains(untouched.out, "request modified")) << untouched.out;
}

TEST_P(SdkTest, KvRoundTrip) {
  auto r = aegis_run(module("kv_roundtrip"), {"--method", "POST", "--body", "stored value"});
  ASSERT_EQ(r.exit_code, 0) << report(r);
  EXPECT_TRUE(contains(r.out, "kv: stored value (12 bytes)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "  x-kv-miss-before-set: yes\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "env.cache_set")) << r.out;
  EXPECT_TRUE(contains(r.out, "env.cache_get")) << r.out;

  auto dflt = aegis_run(module("kv_roundtrip"));
  ASSERT_EQ(dflt.exit_code, 0) << report(dflt);
  EXPECT_TRUE(contains(dflt.out, "kv: hello (5 bytes)\n")) << dflt.out;
}

TEST_P(SdkTest, OutboundHttpAgainstARealOrigin) {
  aegis::test::OriginProcess origin;
  const std::string base = "http://127.0.0.1:" + std::to_string(origin.port());
  auto r = aegis_run(module("fetch"), {"-H", "x-origin: " + base});
  ASSERT_EQ(r.exit_code, 0) << report(r);
  EXPECT_TRUE(contains(r.out, "  x-statuses: 200 418 200 200\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"method\":\"POST\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"body\":\"ping-body\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "text/plain")) << r.out;
  ASSERT_TRUE(origin.wait_for_requests(4));
  auto targets = origin.targets();
  EXPECT_EQ(targets, (std::vector<std::string>{"/echo", "/status/418", "/echo", "/echo"}));
}

// A module that imports every one of the 30 `env` host functions loads (each SDK declaration matches the host's
// exact signature; a mismatch would be a load error) and each wrapper behaves.
TEST_P(SdkTest, EveryHostFunction) {
  static const char* const kEnv[] = {
      "log", "get_shared_buffer", "request_get_method", "request_get_uri", "request_get_header",
      "request_get_header_names", "request_get_body", "response_set_status", "response_set_header",
      "response_add_header", "response_remove_header", "response_set_body", "request_terminate", "cache_get",
      "cache_set", "http_get", "http_post", "http_put", "http_delete", "request_set_method", "request_set_uri",
      "request_set_header", "request_add_header", "request_remove_header", "request_set_body",
      "response_get_status", "response_get_header", "response_get_header_names", "response_get_body",
      "http_get_status"};
  auto dump = aegis::test::run_command({WASM_OBJDUMP, "-j", "Import", "-x", module("all_imports")}, 30s);
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  std::size_t env_imports = 0;
  for (std::size_t pos = 0; (pos = dump.out.find("<- env.", pos)) != std::string::npos; ++pos) ++env_imports;
  EXPECT_EQ(env_imports, std::size(kEnv)) << dump.out;
  for (const char* name : kEnv) EXPECT_TRUE(contains(dump.out, std::string("<- env.") + name + "\n")) << name;

  auto r = aegis_run(module("all_imports"));
  ASSERT_EQ(r.exit_code, 0) << report(r);
  EXPECT_TRUE(contains(r.out, "status: 299\nheaders: 1\n  x-s: 2\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "body: 4 bytes\nresp\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "terminate: yes (status 299)\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "request modified: method uri headers body\n  PUT /all?x=1\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "[info] all-imports\n")) << r.out;
  if (GetParam().assemblyscript) {
    EXPECT_TRUE(contains(r.out, "[info] trace: all-imports 42.0 1.5\n")) << r.out;
  }
}

// Every module built with an SDK imports host functions only: no env.abort/env.trace/env.seed (unknown imports are
// load errors), and nothing from WASI for the tiny and AssemblyScript builds.
TEST_P(SdkTest, ImportsOnlyHostAbiFunctions) {
  for (const char* fn : {"header_inject", "auth", "rewrite_uri", "kv_roundtrip", "fetch", "all_imports"}) {
    auto dump = aegis::test::run_command({WASM_OBJDUMP, "-j", "Import", "-x", module(fn)}, 30s);
    ASSERT_EQ(dump.exit_code, 0) << dump.err;
    EXPECT_TRUE(contains(dump.out, "<- env.")) << dump.out;
    EXPECT_FALSE(contains(dump.out, "env.abort")) << dump.out;
    EXPECT_FALSE(contains(dump.out, "env.trace")) << dump.out;
    EXPECT_FALSE(contains(dump.out, "env.seed")) << dump.out;
    if (GetParam().assemblyscript) {
      // The only WASI import an AssemblyScript module may get is random_get, for Math.random's seed.
      std::string rest = dump.out;
      for (std::size_t p; (p = rest.find("wasi_snapshot_preview1.random_get")) != std::string::npos;)
        rest.erase(p, std::strlen("wasi_snapshot_preview1.random_get"));
      EXPECT_FALSE(contains(rest, "wasi_snapshot_preview1")) << dump.out;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sdks, SdkTest,
                         testing::Values(Sdk{"C", "sdk_c_", false, "c-sdk", "c-sdk"},
                                         Sdk{"AssemblyScript", "sdk_as_", true, "as-sdk", "as-sdk"}),
                         [](const testing::TestParamInfo<Sdk>& info) { return std::string(info.param.name); });

// ---- C only ----------------------------------------------------------------------------------------------------------
TEST(CSdkTest, TinyNoLibcModule) {
  const std::string path = module_path("sdk_c_tiny");
  auto dump = aegis::test::run_command({WASM_OBJDUMP, "-x", path}, 30s);
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_FALSE(contains(dump.out, "wasi_snapshot_preview1")) << dump.out;
  EXPECT_FALSE(contains(dump.out, "_initialize")) << dump.out;
  EXPECT_FALSE(contains(dump.out, "_start")) << dump.out;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_LT(st.st_size, 8 * 1024) << "the -nostdlib build should stay tiny";

  auto r = aegis_run(path, {"-H", "x-in: hi"});
  ASSERT_EQ(r.exit_code, 0) << report(r);
  EXPECT_TRUE(contains(r.out, "status: 202\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "  x-out: hi\n  x-edge: tiny\n  x-kv: v1\n")) << r.out;
  // The SDK's own formatter (no libc): %s %.*s %d %u %x %c %%.
  EXPECT_TRUE(contains(r.out, "[info] tiny: kv=v1 n=-42 u=7 x=ff z%\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "outcome: ok\n")) << r.out;
}

TEST(CSdkTest, CxxLayer) {
  auto r = aegis_run(module_path("sdk_cpp_layer"), {"-H", "x-in: hi", "--uri", "/p"});
  ASSERT_EQ(r.exit_code, 0) << report(r);
  EXPECT_TRUE(contains(r.out, "status: 203\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "  x-out: hi\n  x-edge: cpp-sdk\n  x-kv: v-GET\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "body: 21 bytes\nnames=[\"host\",\"x-in\"]\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "request modified: uri\n  GET /p?via=cpp\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "[info] cpp: GET /p\n")) << r.out;
}

// ---- AssemblyScript only --------------------------------------------------------------------------------------------
TEST(AssemblyScriptSdkTest, AbortIsLoggedAndTraps) {
  SKIP_UNLESS_AVAILABLE((Sdk{"AssemblyScript", "sdk_as_", true, "", ""}));
  auto r = aegis_run(module_path("sdk_as_header_inject"), {"--entry", "aborts"});
  EXPECT_EQ(r.exit_code, 3) << report(r);
  EXPECT_TRUE(contains(r.out, "outcome: trap\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "[info] abort: needs more headers at ")) << r.out;
  EXPECT_TRUE(contains(r.out, "header_inject.ts:")) << r.out;
}

TEST(AssemblyScriptSdkTest, ToolchainStatusIsRecorded) {
  // The status file exists after the build either way: "ok", or the reason the AS tests skip.
  ASSERT_TRUE(file_exists(SDK_AS_STATUS));
  std::string status = read_text(SDK_AS_STATUS);
  EXPECT_FALSE(status.empty());
  if (status == "ok") {
    for (const char* fn : {"header_inject", "auth", "rewrite_uri", "kv_roundtrip", "fetch", "all_imports"})
      EXPECT_TRUE(file_exists(module_path(std::string("sdk_as_") + fn))) << fn << " was not built";
  }
}

}  // namespace
