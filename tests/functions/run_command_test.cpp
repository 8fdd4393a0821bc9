// `aegis run` as a process: output and exit codes (0 ok, 1 load/usage, 3 trap, 4 limit, 5 function error).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

#include "fixtures.h"

namespace aegis::functions {
namespace {

using test::run_process;
using test::wasm_path;

test::ProcessResult aegis_run(std::vector<std::string> args) {
  args.insert(args.begin(), "run");
  args.insert(args.begin(), AEGIS_BIN);
  return run_process(args);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(RunCommandTest, PrintsTheResponseHostCallsFuelAndTime) {
  auto r = aegis_run({wasm_path("fn_header_inject"), "-H", "X-In: from the command line", "--uri", "/a?b=c"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "request: GET /a?b=c\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "status: 201\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "headers: 2\n  x-out: from the command line\n  x-edge: 1\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "body: (not set)\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "terminate: no\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "host calls: 5\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "env.request_get_header")) << r.output;
  EXPECT_TRUE(contains(r.output, "env.response_set_header")) << r.output;
  EXPECT_TRUE(contains(r.output, "outcome: ok\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "fuel used: ")) << r.output;
  EXPECT_TRUE(contains(r.output, " of 5000000\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "wall time: ")) << r.output;
  EXPECT_TRUE(contains(r.output, "cid: bafkrei")) << r.output;
}

TEST(RunCommandTest, ShowsLogsCookiesBodyAndTermination) {
  char tmpl[] = "/tmp/aegis-run-body-XXXXXX";
  int fd = ::mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  const std::string body = "posted body\nline two";
  ASSERT_EQ(::write(fd, body.data(), body.size()), static_cast<ssize_t>(body.size()));
  ::close(fd);
  auto r = aegis_run({wasm_path("fn_everything"), "--method", "POST", "--body", std::string("@") + tmpl});
  std::remove(tmpl);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "request: POST /\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "  set-cookie: a=1\n  set-cookie: b=2\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "body: 20 bytes\nposted body\nline two\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "terminate: yes (status 403)\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "logs: 2\n  [info] hello from wasm\n  [info] method=POST\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "env.request_terminate")) << r.output;

  auto literal = aegis_run({wasm_path("fn_everything"), "--body", "inline"});
  EXPECT_EQ(literal.exit_code, 0) << literal.output;
  EXPECT_TRUE(contains(literal.output, "body: 6 bytes\ninline\n")) << literal.output;
}

TEST(RunCommandTest, LimitsExitWithFour) {
  auto fuel = aegis_run({wasm_path("fn_infinite_loop"), "--fuel", "100000", "--timeout", "20000"});
  EXPECT_EQ(fuel.exit_code, 4) << fuel.output;
  EXPECT_TRUE(contains(fuel.output, "outcome: fuel\n")) << fuel.output;
  EXPECT_TRUE(contains(fuel.output, "fuel used: 100000 of 100000\n")) << fuel.output;

  auto timeout = aegis_run({wasm_path("fn_infinite_loop"), "--fuel", "0", "--timeout", "30"});
  EXPECT_EQ(timeout.exit_code, 4) << timeout.output;
  EXPECT_TRUE(contains(timeout.output, "outcome: timeout\n")) << timeout.output;
  EXPECT_TRUE(contains(timeout.output, "fuel used: n/a (fuel off)\n")) << timeout.output;

  auto memory = aegis_run({wasm_path("fn_memory_bomb"), "--memory", "1"});
  EXPECT_EQ(memory.exit_code, 4) << memory.output;
  EXPECT_TRUE(contains(memory.output, "outcome: memory\n")) << memory.output;
}

TEST(RunCommandTest, TrapExitsWithThree) {
  auto r = aegis_run({wasm_path("fn_entry_trap")});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_TRUE(contains(r.output, "outcome: trap\n")) << r.output;
  auto start = aegis_run({wasm_path("fn_start_trap")});
  EXPECT_EQ(start.exit_code, 3) << start.output;
  EXPECT_TRUE(contains(start.output, "outcome: instantiate_error\n")) << start.output;
}

TEST(RunCommandTest, FunctionErrorExitsWithFive) {
  auto r = aegis_run({wasm_path("fn_multi_entry"), "--entry", "fails"});
  EXPECT_EQ(r.exit_code, 5) << r.output;
  EXPECT_TRUE(contains(r.output, "outcome: function_error\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "return value: 7\n")) << r.output;
  auto ok = aegis_run({wasm_path("fn_multi_entry"), "--entry", "on_request"});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_TRUE(contains(ok.output, "status: 202\n")) << ok.output;
}

TEST(RunCommandTest, LoadAndUsageErrorsExitWithOne) {
  auto missing_entry = aegis_run({wasm_path("fn_multi_entry")});
  EXPECT_EQ(missing_entry.exit_code, 1) << missing_entry.output;
  EXPECT_TRUE(contains(missing_entry.output, "entry point 'handle_request' is not exported")) << missing_entry.output;

  auto no_file = aegis_run({"/nonexistent.wasm"});
  EXPECT_EQ(no_file.exit_code, 1);
  EXPECT_TRUE(contains(no_file.output, "/nonexistent.wasm: cannot open file")) << no_file.output;

  auto bad_import = aegis_run({wasm_path("fn_bad_import")});
  EXPECT_EQ(bad_import.exit_code, 1);
  EXPECT_TRUE(contains(bad_import.output, "launch_missiles")) << bad_import.output;

  EXPECT_EQ(aegis_run({}).exit_code, 1);
  EXPECT_EQ(aegis_run({wasm_path("fn_header_inject"), "--bogus"}).exit_code, 1);
  EXPECT_EQ(aegis_run({wasm_path("fn_header_inject"), "--fuel", "lots"}).exit_code, 1);
  EXPECT_EQ(aegis_run({wasm_path("fn_header_inject"), "-H", "no-colon"}).exit_code, 1);

  auto help = aegis_run({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(contains(help.output, "Usage: aegis run FUNCTION.wasm")) << help.output;
}

}  // namespace
}  // namespace aegis::functions
