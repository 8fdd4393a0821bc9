#include "wasm_tools.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

extern char** environ;

namespace aegis::wasm::test {

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<uint8_t> fixture(const std::string& name) { 
  return read_bytes(std::string(AEGIS_WASM_DIR) + "/module_" + name + ".wasm");
}

ToolResult run_tool(const std::vector<std::string>& argv) {
  ToolResult result;
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    result.output = std::string("cannot start ") + argv[0] + ": " + std::strerror(rc);
    return result;
  }
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) result.output.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

ScratchDir::ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/aegis-module-test-XXXXXX";
  if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ScratchDir::write(const std::string& name, std::span<const uint8_t> bytes) const {
  std::string path = file(name);
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
  return path;
}

ToolResult wasm_validate(std::span<const uint8_t> bytes) {
  ScratchDir dir;
  return run_tool({"wasm-validate", "--enable-all", dir.write("module.wasm", bytes)});
}

Value i32(int32_t v) { return {"i32", std::to_string(static_cast<uint32_t>(v))}; }
Value i64(int64_t v) { return {"i64", std::to_string(static_cast<uint64_t>(v))}; }
Value f64(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return {"f64", std::to_string(bits)};
}

Step call(std::string field, std::vector<Value> args) { return {"action", std::move(field), std::move(args), {}, {}}; }
Step expect(std::string field, std::vector<Value> args, std::vector<Value> expected) {
  return {"assert_return", std::move(field), std::move(args), std::move(expected), {}};
}
Step expect_trap(std::string field, std::vector<Value> args, std::string text) {
  return {"assert_trap", std::move(field), std::move(args), {}, std::move(text)};
}

namespace {
std::string values_json(const std::vector<Value>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += "{\"type\": \"" + values[i].type + "\", \"value\": \"" + values[i].value + "\"}";
  }
  return out + "]";
}
}  // namespace

ScriptResult run_script(std::span<const uint8_t> module, const std::vector<Step>& steps) {
  ScratchDir dir;
  dir.write("module.wasm", module);
  std::string json = "{\"source_filename\": \"script.wast\", \"commands\": [\n";
  json += "{\"type\": \"module\", \"line\": 1, \"filename\": \"module.wasm\"}";
  int line = 2;
  for (const auto& s : steps) {
    json += ",\n{\"type\": \"" + s.command + "\", \"line\": " + std::to_string(line++) +
            ", \"action\": {\"type\": \"invoke\", \"field\": \"" + s.field + "\", \"args\": " + values_json(s.args) +
            "}";
    if (s.command == "assert_trap") json += ", \"text\": \"" + s.trap_text + "\"";
    json += ", \"expected\": " + values_json(s.expected) + "}";
  }
  json += "]}\n";
  std::string script = dir.file("script.json");
  {
    std::ofstream out(script);
    out << json;
  }
  auto r = run_tool({"spectest-interp", "--enable-all", script});
  ScriptResult result;
  result.output = r.output;
  // spectest-interp counts every command, the module included.
  const std::string total = std::to_string(steps.size() + 1);
  std::string summary = total + "/" + total + " tests passed.";
  result.passed = r.exit_code == 0 && r.output.find(summary) != std::string::npos;
  return result;
}

std::vector<HostFunction> test_abi() {
  std::vector<HostFunction> abi(2);
  abi[0].module = "env";
  abi[0].name = "log";
  abi[0].type = {{ValType::I32, ValType::I32}, {}};
  abi[1].module = "env";
  abi[1].name = "request_get_method";
  abi[1].type = {{}, {ValType::I32}};
  return abi;
}

}  // namespace aegis::wasm::test
