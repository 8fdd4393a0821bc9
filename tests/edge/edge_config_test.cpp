// The `functions:` config: validation with FILE:LINE:COL errors, module loading (also by `aegis check`).
#include <gtest/gtest.h>

#include <string>

#include "config/function_modules.h"
#include "config/loader.h"
#include "support/fs.h"
#include "support/origin_process.h"
#include "support/process.h"

using namespace aegis;
using namespace aegis::test;

namespace {

std::string wasm(const std::string& name) { return std::string(AEGIS_WASM_DIR) + "/" + name + ".wasm"; }

std::string yaml(const std::string& functions, const std::string& route_functions = "[]") {
  return "listeners:\n  - port: 8080\norigins:\n  - name: o\n    servers: [\"127.0.0.1:1\"]\n"
         "routes:\n  - origin: o\n    functions: " + route_functions + "\nfunctions:\n" + functions;
}

config::ConfigError load_error(const std::string& text) {
  try {
    config::Config c = config::load_string(text, "t.yaml");
    config::load_function_modules(c);
  } catch (const config::ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return config::ConfigError("", 0, 0, "", "");
}

TEST(EdgeConfig, ParsesFunctionsAndRouteChains) {
  config::Config c = config::load_string(
      yaml("  - name: a\n    module: " + wasm("edge_append_a") +
               "\n    phase: both\n    on_error: closed\n    timeout: 20ms\n    memory: 2MiB\n    fuel: 1000\n"
               "  - name: b\n    module: " + wasm("edge_append_b") + "\n",
           "[b, a]"),
      "t.yaml");
  ASSERT_EQ(c.functions.size(), 2u);
  EXPECT_EQ(c.functions[0].phase, "both");
  EXPECT_EQ(c.functions[0].on_error, "closed");
  EXPECT_EQ(c.functions[0].timeout.count(), 20);
  EXPECT_EQ(c.functions[0].memory, 2u * 1024 * 1024);
  EXPECT_EQ(c.functions[0].fuel, 1000u);
  EXPECT_EQ(c.functions[1].entry, "handle_request");
  EXPECT_EQ(c.functions[1].phase, "request");
  EXPECT_EQ(c.functions[1].on_error, "open");
  ASSERT_EQ(c.routes[0].functions.size(), 2u);
  EXPECT_EQ(c.routes[0].functions[0].name, "b");
  EXPECT_EQ(c.routes[0].functions[1].name, "a");
  auto loaded = config::load_function_modules(c);
  ASSERT_EQ(loaded.functions.size(), 2u);  // the uses have no overrides: they run the functions themselves
  EXPECT_EQ(loaded.functions[0].limits.fuel, 1000u);
  EXPECT_EQ(loaded.functions[0].limits.deadline.count(), 20);
  EXPECT_TRUE(loaded.functions[1].module);
  EXPECT_EQ(loaded.uses[0], (std::vector<std::size_t>{1, 0}));
}

TEST(EdgeConfig, RouteChainEntriesTakePerUseOverridesAndCanarySplits) {
  config::Config c = config::load_string(
      yaml("  - name: a\n    module: " + wasm("edge_append_a") + "\n    fuel: 1000\n",
           "\n      - a\n"
           "      - {name: a, on_error: closed, timeout: 20ms, fuel: 0, memory: 1MiB, canary: 10,"
           " canary_key: \"header:X-User\"}\n"
           "      - {name: inline-b, module: " + wasm("edge_append_b") + ", phase: both, canary: 30,"
           " canary_variant: stable, canary_key: \"cookie:uid\"}\n"),
      "t.yaml");
  const auto& uses = c.routes[0].functions;
  ASSERT_EQ(uses.size(), 3u);
  EXPECT_EQ(uses[0].name, "a");
  EXPECT_EQ(uses[0].canary, 100u);
  EXPECT_EQ(uses[0].canary_key, "ip");
  EXPECT_EQ(uses[1].on_error, "closed");
  EXPECT_EQ(uses[1].timeout->count(), 20);
  EXPECT_EQ(uses[1].fuel, 0u);
  EXPECT_EQ(uses[1].memory, 1024u * 1024);
  EXPECT_EQ(uses[1].canary, 10u);
  EXPECT_EQ(uses[1].canary_key, "header:x-user");  // header names are lower-cased
  EXPECT_EQ(uses[2].module_path, wasm("edge_append_b"));
  EXPECT_EQ(uses[2].canary_variant, "stable");

  auto loaded = config::load_function_modules(c);
  ASSERT_EQ(loaded.functions.size(), 3u);  // a, a with overrides, inline-b
  EXPECT_EQ(loaded.uses[0], (std::vector<std::size_t>{0, 1, 2}));
  const auto& a2 = loaded.functions[1];
  EXPECT_EQ(a2.spec.name, "a");
  EXPECT_EQ(a2.spec.on_error, "closed");
  EXPECT_EQ(a2.limits.fuel, 0u);
  EXPECT_EQ(a2.limits.deadline.count(), 20);
  EXPECT_EQ(a2.spec.module_path, wasm("edge_append_a"));  // inherited from the function
  EXPECT_FALSE(a2.module->fuel_instrumented);
  EXPECT_TRUE(loaded.functions[0].module->fuel_instrumented);
  EXPECT_EQ(loaded.functions[2].spec.phase, "both");
  EXPECT_EQ(loaded.functions[2].spec.name, "inline-b");
}

TEST(EdgeConfig, RouteChainEntryErrorsHavePositions) {
  std::string a = "  - name: a\n    module: " + wasm("edge_append_a") + "\n";
  auto e = load_error(yaml(a, "[{name: a, canary: 101}]"));
  EXPECT_EQ(e.key(), "routes[0].functions[0].canary");
  EXPECT_EQ(e.line(), 8);

  e = load_error(yaml(a, "[{name: a, canery: 5}]"));
  EXPECT_EQ(e.key(), "routes[0].functions[0].canery");
  EXPECT_NE(e.message().find("did you mean \"canary\""), std::string::npos) << e.what();

  e = load_error(yaml(a, "[{name: a, canary_key: \"cookie:\"}]"));
  EXPECT_EQ(e.key(), "routes[0].functions[0].canary_key");

  e = load_error(yaml(a, "[{name: a, phase: reqest}]"));
  EXPECT_EQ(e.key(), "routes[0].functions[0].phase");
  EXPECT_NE(e.message().find("did you mean \"request\""), std::string::npos) << e.what();

  e = load_error(yaml(a, "[{name: nope, entry: x}]"));
  EXPECT_EQ(e.key(), "routes[0].functions[0].name");
  EXPECT_NE(e.message().find("unknown function \"nope\""), std::string::npos) << e.what();

  e = load_error(yaml(a, "[{entry: x}]"));
  EXPECT_EQ(e.key(), "routes[0].functions[0].name");
  EXPECT_NE(e.message().find("missing required key"), std::string::npos) << e.what();

  e = load_error(yaml(a, "[{name: x, module: missing.wasm}]"));
  EXPECT_EQ(e.key(), "routes[0].functions[0].module");
  EXPECT_NE(e.message().find("not found"), std::string::npos) << e.what();

  e = load_error(yaml(a, "[a, a]"));
  EXPECT_EQ(e.key(), "routes[0].functions[1]");
  EXPECT_NE(e.message().find("listed twice"), std::string::npos) << e.what();

  // A use's entry override is checked when the module loads, at the use's position.
  e = load_error(yaml(a, "[{name: a, module: " + wasm("edge_append_b") + ", entry: nope}]"));
  EXPECT_EQ(e.key(), "routes[0].functions[0].module");
  EXPECT_EQ(e.line(), 8);
  EXPECT_NE(e.message().find("nope"), std::string::npos) << e.what();
}

TEST(EdgeConfig, ReportsBadValuesWithPositions) {
  auto e = load_error(yaml("  - name: a\n    module: " + wasm("edge_append_a") + "\n", "[a, nope]"));
  EXPECT_EQ(e.key(), "routes[0].functions[1]");
  EXPECT_NE(e.message().find("unknown function \"nope\""), std::string::npos) << e.what();
  EXPECT_EQ(e.line(), 8);

  e = load_error(yaml("  - name: a\n    module: " + wasm("edge_append_a") + "\n    phase: reqest\n"));
  EXPECT_EQ(e.key(), "functions[0].phase");
  EXPECT_NE(e.message().find("did you mean \"request\""), std::string::npos) << e.what();

  e = load_error(yaml("  - name: a\n    module: " + wasm("edge_append_a") + "\n    on_error: maybe\n"));
  EXPECT_EQ(e.key(), "functions[0].on_error");

  e = load_error(yaml("  - name: a\n    module: missing.wasm\n"));
  EXPECT_EQ(e.key(), "functions[0].module");
  EXPECT_EQ(e.line(), 11);
  EXPECT_EQ(e.column(), 13);
  EXPECT_NE(e.message().find("not found"), std::string::npos) << e.what();

  e = load_error(yaml("  - name: a\n    module: " + wasm("edge_append_a") + "\n  - name: a\n    module: " +
                      wasm("edge_append_b") + "\n"));
  EXPECT_EQ(e.key(), "functions[1].name");
}

TEST(EdgeConfig, ModuleThatDoesNotLoadIsAConfigErrorWithTheLoadersReason) {
  TempDir dir;
  write_file(dir.file("bad.wasm"), "not a wasm module");
  std::string text = yaml("  - name: bad\n    module: bad.wasm\n");
  write_file(dir.file("aegis.yaml"), text);
  config::Config c = config::load_file(dir.file("aegis.yaml"));
  EXPECT_EQ(c.functions[0].module_path, dir.file("bad.wasm"));  // relative to the config file
  try {
    config::load_function_modules(c);
    FAIL() << "loaded a broken module";
  } catch (const config::ConfigError& e) {
    EXPECT_EQ(e.key(), "functions[0].module");
    EXPECT_EQ(e.line(), 11);
    EXPECT_NE(std::string(e.what()).find(dir.file("bad.wasm")), std::string::npos) << e.what();
  }
  // A missing entry point is reported by name.
  auto e = load_error(yaml("  - name: a\n    module: " + wasm("edge_append_a") + "\n    entry: nope\n"));
  EXPECT_EQ(e.key(), "functions[0].module");
  EXPECT_NE(e.message().find("nope"), std::string::npos) << e.what();
}

TEST(EdgeConfig, AegisCheckLoadsModules) {
  TempDir dir;
  write_file(dir.file("bad.wasm"), "not a wasm module");
  write_file(dir.file("good.yaml"), yaml("  - name: a\n    module: " + wasm("edge_append_a") + "\n", "[a]"));
  write_file(dir.file("bad.yaml"), yaml("  - name: bad\n    module: bad.wasm\n"));
  auto ok = run_command({aegis_binary(), "check", "-c", dir.file("good.yaml")});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("1 functions"), std::string::npos) << ok.out;
  auto bad = run_command({aegis_binary(), "check", "-c", dir.file("bad.yaml")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find(dir.file("bad.yaml") + ":11:13: functions[0].module: cannot load edge function"),
            std::string::npos)
      << bad.err;
}

}  // namespace
