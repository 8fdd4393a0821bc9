// prepare_module(): import matching, memory and table caps, reserved names, reporting, resettable detection, and
// that every rewritten module is still valid for wabt's validator.
#include <gtest/gtest.h>

#include "wasm/instrumentation.h"
#include "wasm/module/binary.h"
#include "wasm/module/cid.h"
#include "wasm/module/module_ir.h"
#include "wasm/module/prepare.h"
#include "wasm_tools.h"

namespace aegis::wasm {
namespace {

using test::fixture;

struct Outcome {
  std::optional<PreparedModule> module;
  std::string error;
};

Outcome prepare(const std::string& name, const PrepareLimits& limits = {}) {
  auto bytes = fixture(name);
  auto abi = test::test_abi();
  PrepareError err;
  Outcome o;
  o.module = prepare_module(bytes, abi, limits, &err);
  o.error = err.message;
  return o;
}

void expect_valid(const PreparedModule& m) {
  auto r = test::wasm_validate(m.bytes);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(PrepareImports, MatchingImportsAreAcceptedAndReported) {
  auto o = prepare("imports_ok");
  ASSERT_TRUE(o.module) << o.error;
  const auto& m = *o.module;
  ASSERT_EQ(m.imports.size(), 2u);
  EXPECT_EQ(m.imports[0].module, "env");
  EXPECT_EQ(m.imports[0].name, "log");
  EXPECT_EQ(m.imports[0].type, (FuncType{{ValType::I32, ValType::I32}, {}}));
  EXPECT_EQ(m.imports[1].name, "request_get_method");
  EXPECT_EQ(m.imports[1].type, (FuncType{{}, {ValType::I32}}));
  EXPECT_TRUE(m.imports_function("env", "log"));
  EXPECT_FALSE(m.imports_function("env", "cache_get"));
  expect_valid(m);
}

TEST(PrepareImports, UnknownImportIsNamedWithItsSignature) {
  auto o = prepare("import_unknown");
  ASSERT_FALSE(o.module);
  EXPECT_EQ(o.error, "import env.foo (i32, i32) -> i32 is not part of the host ABI");
}

TEST(PrepareImports, WrongSignatureSaysExpectedAndGot) {
  auto o = prepare("import_wrong_sig");
  ASSERT_FALSE(o.module);
  EXPECT_EQ(o.error, "import env.log has the wrong signature: expected (i32, i32) -> (), got (i32) -> i32");
}

TEST(PrepareImports, ImportedMemoryTableAndGlobalAreRefusedByName) {
  auto mem = prepare("import_memory");
  ASSERT_FALSE(mem.module);
  EXPECT_NE(mem.error.find("import env.memory is a memory"), std::string::npos) << mem.error;
  auto table = prepare("import_table");
  ASSERT_FALSE(table.module);
  EXPECT_NE(table.error.find("import env.table is a table"), std::string::npos) << table.error;
  auto global = prepare("import_global");
  ASSERT_FALSE(global.module);
  EXPECT_NE(global.error.find("import env.g is a global"), std::string::npos) << global.error;
}

TEST(PrepareImports, EmptyAbiRefusesEveryFunctionImport) {
  auto bytes = fixture("imports_ok");
  PrepareError err;
  EXPECT_FALSE(prepare_module(bytes, {}, {}, &err));
  EXPECT_EQ(err.message, "import env.log (i32, i32) -> () is not part of the host ABI");
}

TEST(PrepareExports, GuestExportsAreReportedWithTypesAndInjectedOnesAreNot) {
  auto o = prepare("imports_ok");
  ASSERT_TRUE(o.module) << o.error;
  const auto& m = *o.module;
  ASSERT_EQ(m.exports.size(), 3u);
  const auto* mem = m.find_export("memory");
  ASSERT_NE(mem, nullptr);
  EXPECT_EQ(mem->kind, ModuleExport::Kind::Memory);
  const auto* run = m.find_export("run");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->kind, ModuleExport::Kind::Function);
  EXPECT_EQ(run->type, (FuncType{{}, {ValType::I32}}));
  const auto* mix = m.find_export("mix");
  ASSERT_NE(mix, nullptr);
  EXPECT_EQ(mix->type, (FuncType{{ValType::I64, ValType::F32, ValType::F64}, {ValType::F64}}));
  EXPECT_EQ(m.find_export(std::string(inject::kFuelSet)), nullptr);
  EXPECT_EQ(m.cid, content_id(fixture("imports_ok")));
}

TEST(PrepareExports, InjectedExportsExistInTheOutput) {
  auto o = prepare("imports_ok");
  ASSERT_TRUE(o.module) << o.error;
  auto parsed = ir::parse_module(o.module->bytes);
  std::vector<std::string> names;
  for (const auto& e : parsed.exports) names.emplace_back(e.name);
  for (auto n : {inject::kFuelSet, inject::kFuelGet, inject::kGrowFailed, inject::kGlobalsSave,
                 inject::kGlobalsRestore}) {
    EXPECT_NE(std::find(names.begin(), names.end(), std::string(n)), names.end()) << n;
  }
  // Preparing an already prepared module is refused: it exports reserved names.
  auto abi = test::test_abi();
  PrepareError err;
  EXPECT_FALSE(prepare_module(o.module->bytes, abi, {}, &err));
}

TEST(PrepareExports, ReservedExportNameIsRefused) {
  auto o = prepare("reserved_export");
  ASSERT_FALSE(o.module);
  EXPECT_EQ(o.error, "export \"__aegis_fuel_get\" uses the reserved prefix __aegis_");
}

TEST(PrepareMemory, NoMaximumIsCappedAndReported) {
  auto o = prepare("memory_nomax");
  ASSERT_TRUE(o.module) << o.error;
  EXPECT_TRUE(o.module->has_memory);
  EXPECT_EQ(o.module->initial_pages, 2u);
  EXPECT_EQ(o.module->max_pages, 800u);
  auto parsed = ir::parse_module(o.module->bytes);
  ASSERT_EQ(parsed.memories.size(), 1u);
  EXPECT_EQ(parsed.memories[0].initial, 2u);
  ASSERT_TRUE(parsed.memories[0].max);
  EXPECT_EQ(*parsed.memories[0].max, 800u);
  expect_valid(*o.module);
}

TEST(PrepareMemory, MaximumAboveCapIsLoweredAndBelowCapKept) {
  PrepareLimits limits;
  limits.max_memory_pages = 160;  // 10 MiB, the WAF limit
  auto big = prepare("memory_max_big", limits);
  ASSERT_TRUE(big.module) << big.error;
  EXPECT_EQ(big.module->max_pages, 160u);
  EXPECT_EQ(*ir::parse_module(big.module->bytes).memories[0].max, 160u);
  expect_valid(*big.module);
  auto small = prepare("memory_max_small", limits);
  ASSERT_TRUE(small.module) << small.error;
  EXPECT_EQ(small.module->max_pages, 4u);
}

TEST(PrepareMemory, InitialAboveCapIsRefusedWithFigures) {
  auto o = prepare("memory_over");
  ASSERT_FALSE(o.module);
  EXPECT_EQ(o.error, "initial memory 1024 pages (64 MiB) exceeds the cap of 800 pages (50 MiB)");
}

TEST(PrepareMemory, SharedMemory64AndSecondMemoryAreRefused) {
  auto shared = prepare("memory_shared");
  ASSERT_FALSE(shared.module);
  EXPECT_EQ(shared.error, "shared memory is not supported");
  auto m64 = prepare("memory64");
  ASSERT_FALSE(m64.module);
  EXPECT_EQ(m64.error, "memory64 is not supported");
  auto two = prepare("two_memories");
  ASSERT_FALSE(two.module);
  EXPECT_EQ(two.error, "the module defines 2 memories; at most one is allowed");
}

TEST(PrepareMemory, ModuleWithoutMemoryReportsNone) {
  auto o = prepare("tables");
  ASSERT_TRUE(o.module) << o.error;
  EXPECT_FALSE(o.module->has_memory);
  EXPECT_EQ(o.module->max_pages, 0u);
  expect_valid(*o.module);
}

TEST(PrepareTables, InitialAboveCapIsRefused) {
  auto o = prepare("table_over");
  ASSERT_FALSE(o.module);
  EXPECT_EQ(o.error, "table 0 initial size 20000 entries exceeds the cap of 10000 entries");
}

TEST(PrepareTables, MissingOrLargeMaximumIsCapped) {
  PrepareLimits limits;
  limits.max_table_entries = 50;
  auto o = prepare("tables", limits);
  ASSERT_TRUE(o.module) << o.error;
  auto parsed = ir::parse_module(o.module->bytes);
  ASSERT_EQ(parsed.tables.size(), 2u);
  EXPECT_EQ(parsed.tables[0].limits.initial, 10u);
  EXPECT_EQ(parsed.tables[0].limits.max, 50u);
  EXPECT_EQ(parsed.tables[1].ref_type, ir::kExternRef);
  EXPECT_EQ(parsed.tables[1].limits.max, 50u);
  expect_valid(*o.module);
  // table.grow past the cap fails in a real engine.
  auto r = test::run_script(o.module->bytes, {test::expect("grow_b", {test::i32(49)}, {test::i32(1)}),
                                              test::expect("grow_b", {test::i32(1)}, {test::i32(-1)})});
  EXPECT_TRUE(r.passed) << r.output;
}

TEST(PrepareValidity, EveryFixtureStillValidatesAfterRewrite) {
  for (const char* name : {"imports_ok", "memory_nomax", "memory_max_big", "compute", "features", "tables", "guest",
                           "mut_table_set", "mut_data_drop", "mut_elem_drop", "mut_table_init"}) {
    for (bool fuel : {true, false}) {
      SCOPED_TRACE(std::string(name) + (fuel ? " with fuel" : " without fuel"));
      PrepareLimits limits;
      limits.instrument_fuel = fuel;
      auto o = prepare(name, limits);
      ASSERT_TRUE(o.module) << o.error;
      EXPECT_EQ(o.module->fuel_instrumented, fuel);
      expect_valid(*o.module);
    }
  }
}

TEST(PrepareValidity, NameSectionOfAClangModuleIsKept) {
  auto o = prepare("guest");
  ASSERT_TRUE(o.module) << o.error;
  auto parsed = ir::parse_module(o.module->bytes);
  bool has_names = false;
  for (const auto& s : parsed.sections) has_names |= s.custom_name == "name";
  EXPECT_TRUE(has_names);
  test::ScratchDir dir;
  auto r = test::run_tool({"wasm-objdump", "-x", dir.write("g.wasm", o.module->bytes)});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("<crc32>"), std::string::npos) << r.output;
  EXPECT_EQ(o.module->max_pages, 800u);  // clang declares no maximum
}

TEST(PrepareValidity, DwarfSectionsAreDroppedBecauseCodeOffsetsMoved) {
  const auto original_bytes = fixture("guest");
  auto original = ir::parse_module(original_bytes);
  auto count_debug = [](const ir::Module& m) {
    return std::count_if(m.sections.begin(), m.sections.end(),
                         [](const ir::Section& s) { return s.custom_name.starts_with(".debug_"); });
  };
  ASSERT_GT(count_debug(original), 0);  // wasi-libc objects carry DWARF
  auto o = prepare("guest");
  ASSERT_TRUE(o.module) << o.error;
  EXPECT_EQ(count_debug(ir::parse_module(o.module->bytes)), 0);
}

TEST(PrepareResettable, PlainModulesAreResettable) {
  for (const char* name : {"compute", "features", "guest", "imports_ok"}) {
    auto o = prepare(name);
    ASSERT_TRUE(o.module) << name << ": " << o.error;
    EXPECT_TRUE(o.module->resettable) << name;
  }
}

TEST(PrepareResettable, TableAndSegmentMutationsMakeAModuleNotResettable) {
  for (const char* name : {"mut_table_set", "mut_table_grow", "mut_table_fill", "mut_table_copy", "mut_table_init",
                           "mut_elem_drop", "mut_data_drop"}) {
    auto o = prepare(name);
    ASSERT_TRUE(o.module) << name << ": " << o.error;
    EXPECT_FALSE(o.module->resettable) << name;
  }
}

}  // namespace
}  // namespace aegis::wasm

namespace aegis::wasm {
namespace {

// A module with one function of type (param i64) -> () whose body is `code` (no locals), plus optional extra
// sections (id, payload) placed after the code section's predecessors as given.
std::vector<uint8_t> one_function_module(std::vector<uint8_t> code, std::vector<uint8_t> start = {},
                                         std::vector<uint8_t> elements = {}) {
  binary::Writer w;
  const uint8_t header[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  w.bytes(header);
  const uint8_t types[] = {0x01, 0x60, 0x01, ir::kI64, 0x00};
  w.section(1, types);
  const uint8_t funcs[] = {0x01, 0x00};
  w.section(3, funcs);
  const uint8_t table[] = {0x01, 0x70, 0x00, 0x01};
  w.section(4, table);
  if (!start.empty()) w.section(8, start);
  if (!elements.empty()) w.section(9, elements);
  binary::Writer body;
  body.u8(0);  // no locals
  body.bytes(code);
  binary::Writer c;
  c.u32(1);
  c.u32(static_cast<uint32_t>(body.size()));
  c.bytes(body.out());
  w.section(10, c.out());
  return std::move(w.out());
}

std::string refusal(const std::vector<uint8_t>& bytes) {
  PrepareError err;
  auto m = prepare_module(bytes, {}, {}, &err);
  return m ? std::string("accepted") : err.message;
}

// Every index the rewriter appends (fuel global, fuel local, injected functions, new types) was out of range in the
// input; such an input must be refused, or it would gain access to the fuel counter.
TEST(PrepareSecurity, IndicesBeyondTheModuleCannotReachInjectedItems) {
  // The baseline is accepted.
  EXPECT_EQ(refusal(one_function_module({0x0b})), "accepted");
  // global.set 0 with no globals: would be the fuel global.
  EXPECT_NE(refusal(one_function_module({0x42, 0x00, 0x24, 0x00, 0x0b})).find("global index 0 out of range"),
            std::string::npos);
  // local.set 1 with one parameter: would be the fuel local.
  EXPECT_NE(refusal(one_function_module({0x42, 0x00, 0x21, 0x01, 0x0b})).find("local index 1 out of range"),
            std::string::npos);
  // call 1 with one function: would be __aegis_fuel_set (i64) -> ().
  EXPECT_NE(refusal(one_function_module({0x20, 0x00, 0x10, 0x01, 0x0b})).find("function index 1 out of range"),
            std::string::npos);
  // ref.func 1, and call_indirect / block with a type index that only the rewrite creates.
  EXPECT_NE(refusal(one_function_module({0xd2, 0x01, 0x1a, 0x0b})).find("function index 1 out of range"),
            std::string::npos);
  EXPECT_NE(refusal(one_function_module({0x41, 0x00, 0x11, 0x01, 0x00, 0x0b})).find("type index 1 out of range"),
            std::string::npos);
  EXPECT_NE(refusal(one_function_module({0x02, 0x01, 0x0b, 0x0b})).find("type index 1 out of range"),
            std::string::npos);
  // A start function or an element segment naming an injected function.
  EXPECT_NE(refusal(one_function_module({0x0b}, {0x04})).find("function index 4 out of range"), std::string::npos);
  EXPECT_NE(refusal(one_function_module({0x0b}, {}, {0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x03}))
                .find("function index 3 out of range"),
            std::string::npos);
  EXPECT_NE(refusal(one_function_module({0x0b}, {}, {0x01, 0x04, 0x41, 0x00, 0x0b, 0x01, 0xd2, 0x02, 0x0b}))
                .find("function index 2 out of range"),
            std::string::npos);
}

}  // namespace
}  // namespace aegis::wasm
