// Loading edge functions: what an EdgeModule records, and load errors that say exactly what is wrong.
#include <gtest/gtest.h>

#include <fstream>

#include "fixtures.h"
#include "functions/edge_module.h"

namespace aegis::functions {
namespace {

using test::wasm_path;

TEST(EdgeModuleTest, RecordsIdentityExportsAndFlags) {
  LoadOptions opts;
  opts.entries = {"handle_request"};
  LoadResult r = load_edge_module_file(wasm_path("fn_header_inject"), opts);
  ASSERT_TRUE(r) << r.error;
  const EdgeModule& m = *r.module;
  EXPECT_EQ(m.cid.rfind("bafkrei", 0), 0u) << m.cid;
  EXPECT_EQ(m.path, wasm_path("fn_header_inject"));
  EXPECT_TRUE(m.has_memory);
  EXPECT_TRUE(m.fuel_instrumented);
  EXPECT_FALSE(m.needs_blocking);
  EXPECT_FALSE(m.uses_kv);
  EXPECT_FALSE(m.persistent);
  EXPECT_FALSE(m.has_initialize);
  EXPECT_EQ(m.max_pages, 800u);  // 50 MiB default cap
  EXPECT_GT(m.original_size, 0u);
  ASSERT_NE(m.compiled, nullptr);
  EXPECT_EQ(m.entry_points(), std::vector<std::string>{"handle_request"});
  EXPECT_EQ(m.imports.size(), 4u);
  // The loader's injected exports are not part of the guest's exports.
  for (const auto& e : m.exports) EXPECT_NE(e.name.rfind("__aegis_", 0), 0u) << e.name;
}

TEST(EdgeModuleTest, ModulesThatCallOutAreMarkedBlocking) {
  LoadResult r = load_edge_module_file(wasm_path("fn_http_fetch"));
  ASSERT_TRUE(r) << r.error;
  EXPECT_TRUE(r.module->needs_blocking);
}

TEST(EdgeModuleTest, SameBytesSameCid) {
  LoadResult a = load_edge_module_file(wasm_path("fn_counter"));
  LoadResult b = load_edge_module_file(wasm_path("fn_counter"));
  LoadResult c = load_edge_module_file(wasm_path("fn_header_inject"));
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a.module->cid, b.module->cid);
  EXPECT_NE(a.module->cid, c.module->cid);
}

TEST(EdgeModuleTest, MissingEntryPointIsAnErrorNamingIt) {
  LoadOptions opts;
  opts.entries = {"handle_request"};
  LoadResult r = load_edge_module_file(wasm_path("fn_multi_entry"), opts);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error.find("entry point 'handle_request' is not exported"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("on_request"), std::string::npos) << r.error;  // says what is there instead
  EXPECT_NE(r.error.find(wasm_path("fn_multi_entry")), std::string::npos) << r.error;
}

TEST(EdgeModuleTest, EntryWithTheWrongSignatureIsAnError) {
  LoadOptions opts;
  opts.entries = {"on_request", "wrong_sig"};
  LoadResult r = load_edge_module_file(wasm_path("fn_multi_entry"), opts);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error.find("'wrong_sig' has type (i32) -> i32, expected () -> i32"), std::string::npos) << r.error;
}

TEST(EdgeModuleTest, ExportThatIsNotAFunctionIsNotAnEntry) {
  LoadOptions opts;
  opts.entries = {"memory"};
  LoadResult r = load_edge_module_file(wasm_path("fn_counter"), opts);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error.find("'memory' is a memory, not a function"), std::string::npos) << r.error;
}

TEST(EdgeModuleTest, ImportOutsideTheHostAbiIsRefused) {
  LoadResult r = load_edge_module_file(wasm_path("fn_bad_import"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error.find("launch_missiles"), std::string::npos) << r.error;
}

TEST(EdgeModuleTest, InitialMemoryOverTheCapIsRefused) {
  LoadOptions opts;
  opts.limits.memory_bytes = 1 * kMiB;
  LoadResult r = load_edge_module_file(wasm_path("fn_big_memory"), opts);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error.find("17"), std::string::npos) << r.error;
  opts.limits.memory_bytes = 2 * kMiB;
  EXPECT_TRUE(load_edge_module_file(wasm_path("fn_big_memory"), opts)) << "17 pages fit under 2 MiB";
}

TEST(EdgeModuleTest, FuelOffLeavesTheModuleUninstrumented) {
  LoadOptions opts;
  opts.limits.fuel = 0;
  LoadResult r = load_edge_module_file(wasm_path("fn_fixed_cost"), opts);
  ASSERT_TRUE(r) << r.error;
  EXPECT_FALSE(r.module->fuel_instrumented);
}

TEST(EdgeModuleTest, MissingFileAndGarbageAreClearErrors) {
  LoadResult missing = load_edge_module_file("/nonexistent/dir/f.wasm");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error, "/nonexistent/dir/f.wasm: cannot open file");

  const std::string junk = "this is not a wasm module";
  LoadResult garbage = load_edge_module(std::span(reinterpret_cast<const uint8_t*>(junk.data()), junk.size()));
  ASSERT_FALSE(garbage);
  EXPECT_FALSE(garbage.error.empty());

  LoadResult empty = load_edge_module({});
  ASSERT_FALSE(empty);
  EXPECT_FALSE(empty.error.empty());
}

TEST(EdgeModuleTest, PersistentIsRecorded) {
  LoadOptions opts;
  opts.persistent = true;
  LoadResult r = load_edge_module_file(wasm_path("fn_counter"), opts);
  ASSERT_TRUE(r) << r.error;
  EXPECT_TRUE(r.module->persistent);
}

}  // namespace
}  // namespace aegis::functions
