// Test helpers: fixtures from the build, and wabt's real tools run on prepared bytes: wasm-validate (is the output
// a valid module?) and spectest-interp (execute it under a script of invocations and assertions).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "wasm/engine.h"

namespace aegis::wasm::test {

std::vector<uint8_t> read_bytes(const std::string& path);
// ${AEGIS_WASM_DIR}/module_NAME.wasm (built from wat/NAME.wat or c/NAME.c)
std::vector<uint8_t> fixture(const std::string& name);

struct ToolResult {
  int exit_code = -1;
  std::string output;  // stdout + stderr
};
// Runs argv[0] (searched in PATH) and captures its output.
ToolResult run_tool(const std::vector<std::string>& argv);

// A fresh directory, removed with its files on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string write(const std::string& name, std::span<const uint8_t> bytes) const;

 private:
  std::string path_;
};

// `wasm-validate --enable-all` on the bytes.
ToolResult wasm_validate(std::span<const uint8_t> bytes);

// A spectest-interp script step against the module.
struct Value {
  std::string type;   // i32 i64 f32 f64
  std::string value;  // unsigned decimal of the bit pattern, as wast2json writes it
};
Value i32(int32_t v);
Value i64(int64_t v);
Value f64(double v);

struct Step {
  std::string command;  // "action", "assert_return", "assert_trap"
  std::string field;
  std::vector<Value> args;
  std::vector<Value> expected;  // assert_return
  std::string trap_text;        // assert_trap, e.g. "unreachable"
};
Step call(std::string field, std::vector<Value> args = {});
Step expect(std::string field, std::vector<Value> args, std::vector<Value> expected);
Step expect_trap(std::string field, std::vector<Value> args, std::string text = "unreachable");

struct ScriptResult {
  bool passed = false;
  std::string output;
};
// Instantiates the module in wabt's interpreter and runs the steps in order; passed only if every step passed.
ScriptResult run_script(std::span<const uint8_t> module, const std::vector<Step>& steps);

// The host ABI subset the tests allow: env.log (i32, i32) -> (), env.request_get_method () -> i32.
std::vector<HostFunction> test_abi();

}  // namespace aegis::wasm::test
