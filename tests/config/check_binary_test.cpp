// `aegis check` through the real `aegis` binary: a child process, its exit code and its output.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "test_util.h"

namespace {

struct Result {
  int code;
  std::string output;  // stdout and stderr together
};

Result run(const std::string& args) {
  std::string cmd = std::string("'") + AEGIS_BIN + "' " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, ""};
  std::string out;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(AegisCheckBinary, ValidConfigExits0) {
  aegis::test::TempDir dir;
  std::string path = dir.write("ok.yaml", "listeners:\n  - port: 0\nadmin:\n  port: 0\n");
  Result r = run("check -c '" + path + "'");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output, "ok: " + path + ": 1 listeners, 0 origins, 0 routes\n");
}

TEST(AegisCheckBinary, InvalidConfigExits1WithFileLineKey) {
  aegis::test::TempDir dir;
  std::string path = dir.write("bad.yaml", "listeners:\n  - port: 8080\nroutes:\n  - origin: nowhere\n");
  Result r = run("check -c '" + path + "'");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.output, path + ":4:13: routes[0].origin: unknown origin \"nowhere\" (no origins are defined)\n");
}

TEST(AegisCheckBinary, DemoConfigIsValid) {
  std::string path = std::string(AEGIS_SOURCE_DIR) + "/examples/demo/aegis.yaml";
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) GTEST_SKIP() << path << " does not exist yet";
  std::fclose(f);
  Result r = run("check -c '" + path + "'");
  EXPECT_EQ(r.code, 0) << r.output;
}

}  // namespace
