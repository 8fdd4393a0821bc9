// The `aegis` command line, run as a real process.
#include <gtest/gtest.h>

#include "support/aegis_process.h"
#include "support/fs.h"
#include "support/origin_process.h"
#include "support/process.h"

using namespace aegis::test;

namespace {

TEST(Cli, HelpAndVersion) {
  auto help = run_command({aegis_binary(), "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("aegis serve -c FILE"), std::string::npos) << help.out;
  auto version = run_command({aegis_binary(), "--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("aegis ", 0), 0u) << version.out;
#ifdef AEGIS_EXPECT_JEMALLOC
  EXPECT_NE(version.out.find("allocator: jemalloc 5."), std::string::npos) << version.out;
#else
  EXPECT_NE(version.out.find("allocator: system malloc"), std::string::npos) << version.out;
#endif
  auto none = run_command({aegis_binary()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("Usage"), std::string::npos);
  auto unknown = run_command({aegis_binary(), "frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown command"), std::string::npos);
}

TEST(Cli, CheckAcceptsGoodConfigs) {
  TempDir dir;
  const std::string path = dir.file("good.yaml");
  write_file(path, substitute(basic_config(),
                              {{"LISTEN_PORT", "18080"}, {"ADMIN_PORT", "19901"}, {"ORIGIN_PORT", "18081"},
                               {"DIR", dir.path()}}));
  auto r = run_command({aegis_binary(), "check", "-c", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok: "), std::string::npos) << r.out;

  auto demo = run_command({aegis_binary(), "check", "-c", source_dir() + "/examples/demo/aegis.yaml"});
  EXPECT_EQ(demo.exit_code, 0) << demo.err;
}

TEST(Cli, CheckRejectsBadConfigWithFileAndLine) {
  TempDir dir;
  const std::string path = dir.file("bad.yaml");
  // Line 4 has an out-of-range port.
  write_file(path,
             "workers: 1\n"
             "listeners:\n"
             "  - address: 127.0.0.1\n"
             "    port: 99999\n"
             "origins:\n"
             "  - name: o\n"
             "    servers: [\"127.0.0.1:1\"]\n");
  auto r = run_command({aegis_binary(), "check", "-c", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(path + ":4:"), std::string::npos) << r.err;

  write_file(path, "listeners:\n  - port: 8080\nroutes:\n  - origin: missing\n");
  r = run_command({aegis_binary(), "check", "-c", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(path + ":4:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;

  r = run_command({aegis_binary(), "check", "-c", dir.file("does-not-exist.yaml")});
  EXPECT_EQ(r.exit_code, 1);
}

TEST(Cli, ServeRefusesBadConfigAndExitsNonZero) {
  TempDir dir;
  const std::string path = dir.file("bad.yaml");
  write_file(path, "listeners:\n  - port: 8080\n    bogus_key: 1\n");
  auto r = run_command({aegis_binary(), "serve", "-c", path}, 30s);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(path + ":3:"), std::string::npos) << r.err;
}

}  // namespace
