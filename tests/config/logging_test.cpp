// Diagnostic logging setup: level names, level changes, output to stderr.
#include <gtest/gtest.h>

#include "log/logging.h"

namespace aegis::log {
namespace {

TEST(Logging, ParsesConfigLevelNames) {
  EXPECT_EQ(parse_level("trace"), spdlog::level::trace);
  EXPECT_EQ(parse_level("debug"), spdlog::level::debug);
  EXPECT_EQ(parse_level("info"), spdlog::level::info);
  EXPECT_EQ(parse_level("warn"), spdlog::level::warn);
  EXPECT_EQ(parse_level("error"), spdlog::level::err);
  EXPECT_EQ(parse_level("critical"), spdlog::level::critical);
  EXPECT_EQ(parse_level("off"), spdlog::level::off);
  EXPECT_EQ(parse_level("verbose"), std::nullopt);
  EXPECT_THROW(setup("verbose"), std::invalid_argument);
}

TEST(Logging, LevelFiltersStderrOutput) {
  setup("warn");
  ::testing::internal::CaptureStderr();
  logger().info("hidden {}", 1);
  logger().warn("shown {}", 2);
  logger().flush();
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.find("hidden 1"), std::string::npos) << err;
  EXPECT_NE(err.find("[warning] [aegis] shown 2"), std::string::npos) << err;

  set_level("debug");
  ::testing::internal::CaptureStderr();
  logger().debug("now visible");
  logger().flush();
  err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("[debug] [aegis] now visible"), std::string::npos) << err;
  setup("info");
}

}  // namespace
}  // namespace aegis::log
