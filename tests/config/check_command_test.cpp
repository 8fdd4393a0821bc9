// `aegis check` through check_main: exit codes and output.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/commands.h"
#include "test_util.h"

namespace aegis::cli {
namespace {

struct Result {
  int code;
  std::string out, err;
};

Result run_check(std::vector<std::string> args) {
  args.insert(args.begin(), "check");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int code = check_main(static_cast<int>(args.size()), argv.data());
  std::fflush(stdout);
  std::fflush(stderr);
  Result r{code, ::testing::internal::GetCapturedStdout(), ::testing::internal::GetCapturedStderr()};
  return r;
}

constexpr const char* kValid =
    "listeners:\n  - port: 8080\n  - port: 8081\norigins:\n  - name: web\n    servers: [\"127.0.0.1:9000\"]\n"
    "routes:\n  - origin: web\n  - path_prefix: /api\n    origin: web\n  - path_prefix: /static\n    origin: web\n";

TEST(CheckCommand, ValidConfigPrintsSummary) {
  test::TempDir dir;
  std::string path = dir.write("aegis.yaml", kValid);
  Result r = run_check({"-c", path});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "ok: " + path + ": 2 listeners, 1 origins, 3 routes\n");
  EXPECT_EQ(r.err, "");
}

TEST(CheckCommand, AcceptsLongOptionAndPositional) {
  test::TempDir dir;
  std::string path = dir.write("aegis.yaml", kValid);
  EXPECT_EQ(run_check({"--config", path}).code, 0);
  EXPECT_EQ(run_check({"--config=" + path}).code, 0);
  EXPECT_EQ(run_check({path}).code, 0);
}

TEST(CheckCommand, InvalidConfigPrintsErrorAndExits1) {
  test::TempDir dir;
  std::string path = dir.write("bad.yaml", "listeners:\n  - port: 8080\norigins:\n  - name: web\n"
                                           "    servers: [\"127.0.0.1:9000\"]\n    conect_timeout: 1s\n");
  Result r = run_check({"-c", path});
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, path + ":6:5: origins[0].conect_timeout: unknown key \"conect_timeout\" (did you mean "
                          "\"connect_timeout\"?)\n");
}

TEST(CheckCommand, MissingFileExits1) {
  test::TempDir dir;
  Result r = run_check({"-c", dir.file("absent.yaml")});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("absent.yaml: cannot open"), std::string::npos) << r.err;
}

TEST(CheckCommand, Help) {
  Result r = run_check({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("Usage: aegis check -c FILE"), std::string::npos);
}

TEST(CheckCommand, UsageErrorsExit2) {
  EXPECT_EQ(run_check({}).code, 2);
  EXPECT_EQ(run_check({"-c"}).code, 2);
  Result r = run_check({"--frobnicate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unexpected argument '--frobnicate'"), std::string::npos);
}

}  // namespace
}  // namespace aegis::cli
