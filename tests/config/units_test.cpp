// Value syntaxes: durations, sizes, host:port.
#include <gtest/gtest.h>

#include "config/units.h"

namespace aegis::config {
namespace {

TEST(Duration, AcceptsUnits) {
  EXPECT_EQ(parse_duration("250ms"), Millis(250));
  EXPECT_EQ(parse_duration("2s"), Millis(2000));
  EXPECT_EQ(parse_duration("1m"), Millis(60000));
  EXPECT_EQ(parse_duration("1h"), Millis(3600000));
  EXPECT_EQ(parse_duration("0ms"), Millis(0));
}

TEST(Duration, RejectsPlainNumbersAndJunk) {
  for (const char* bad : {"", "5", "ms", "-1s", "+1s", "1.5s", "1 s", "1S", "1sec", "2d", "1m30s", "s1",
                          "99999999999999999999ms", "9999999999999999h"})
    EXPECT_EQ(parse_duration(bad), std::nullopt) << bad;
}

TEST(Size, AcceptsUnits) {
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("512B"), 512u);
  EXPECT_EQ(parse_size("16KiB"), 16384u);
  EXPECT_EQ(parse_size("16KB"), 16000u);
  EXPECT_EQ(parse_size("10MiB"), 10485760u);
  EXPECT_EQ(parse_size("1MB"), 1000000u);
  EXPECT_EQ(parse_size("2GiB"), 2147483648u);
  EXPECT_EQ(parse_size("1GB"), 1000000000u);
}

TEST(Size, RejectsJunkAndOverflow) {
  for (const char* bad : {"", "KiB", "10 MB", "10mb", "10kib", "-1", "1.5MiB", "1TiB", "99999999999999999999GiB",
                          "18446744073709551616"})
    EXPECT_EQ(parse_size(bad), std::nullopt) << bad;
}

TEST(HostPort, Parses) {
  EXPECT_EQ(parse_host_port("127.0.0.1:80"), (Endpoint{"127.0.0.1", 80}));
  EXPECT_EQ(parse_host_port("origin.internal:65535"), (Endpoint{"origin.internal", 65535}));
  EXPECT_EQ(parse_host_port("[::1]:8080"), (Endpoint{"::1", 8080}));
  EXPECT_EQ(parse_host_port("h:0", 0), (Endpoint{"h", 0}));
}

TEST(HostPort, Rejects) {
  for (const char* bad : {"", "host", ":80", "host:", "host:0", "host:65536", "x:99999", "host:80x", "ho st:80",
                          "::1:80", "[::1]", "[::1]80", "[]:80", "[zz]:80", "host:-1", "host:+80"})
    EXPECT_EQ(parse_host_port(bad), std::nullopt) << bad;
}

TEST(Format, LargestExactUnit) {
  EXPECT_EQ(format_duration(Millis(250)), "250ms");
  EXPECT_EQ(format_duration(Millis(2000)), "2s");
  EXPECT_EQ(format_duration(Millis(90000)), "90s");
  EXPECT_EQ(format_duration(Millis(120000)), "2m");
  EXPECT_EQ(format_duration(Millis(7200000)), "2h");
  EXPECT_EQ(format_duration(Millis(0)), "0ms");
  EXPECT_EQ(format_size(16384), "16KiB");
  EXPECT_EQ(format_size(10 * 1024 * 1024), "10MiB");
  EXPECT_EQ(format_size(1000), "1000B");
  EXPECT_EQ(format_size(1u << 30), "1GiB");
}

}  // namespace
}  // namespace aegis::config
