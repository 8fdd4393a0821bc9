// The JSON access log: escaping of arbitrary bytes, line format, file output, rotation, concurrency, overflow.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "log/access_log.h"
#include "test_util.h"

namespace aegis::log {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::string escaped(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

AccessRecord sample() {
  AccessRecord r;
  r.timestamp = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764084569123));  // 2025-11-25
  r.request_id = "req-1";
  r.client = "127.0.0.1:51234";
  r.method = "GET";
  r.path = "/index.html?a=1";
  r.status = 200;
  r.bytes_sent = 1234;
  r.duration = std::chrono::microseconds(1234);
  r.upstream_time = std::chrono::microseconds(987);
  return r;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(JsonEscape, PlainAndSpecialCharacters) {
  EXPECT_EQ(escaped("abc"), "\"abc\"");
  EXPECT_EQ(escaped(""), "\"\"");
  EXPECT_EQ(escaped("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(escaped("\n\r\t"), R"("\n\r\t")");
  EXPECT_EQ(escaped(std::string("\0\x01\x1f\x7f", 4)), R"("\u0000\u0001\u001f\u007f")");
}

TEST(JsonEscape, ValidUtf8PassesThrough) {
  EXPECT_EQ(escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

TEST(JsonEscape, InvalidUtf8BecomesBackslashX) {
  EXPECT_EQ(escaped("\xff"), R"("\\xff")");
  EXPECT_EQ(escaped("a\xc3"), R"("a\\xc3")");                 // truncated sequence
  EXPECT_EQ(escaped("\xc0\xaf"), R"("\\xc0\\xaf")");          // overlong '/'
  EXPECT_EQ(escaped("\xed\xa0\x80"), R"("\\xed\\xa0\\x80")");  // UTF-16 surrogate
  EXPECT_EQ(escaped("\xf4\x90\x80\x80"), R"("\\xf4\\x90\\x80\\x80")");  // > U+10FFFF
  EXPECT_EQ(escaped("\x80ok"), R"("\\x80ok")");               // lone continuation byte
}

TEST(JsonEscape, EveryByteSequenceParsesAsJson) {
  // All 256 single bytes and a pseudo-random soup of bytes: the output always parses, and valid text round-trips.
  for (int c = 0; c < 256; ++c) {
    std::string s(1, static_cast<char>(c));
    json j = json::parse(escaped(s));
    if (c < 0x80) {
      EXPECT_EQ(j.get<std::string>(), s) << c;
    }
  }
  uint32_t x = 12345;
  for (int round = 0; round < 200; ++round) {
    std::string s;
    for (int i = 0; i < 64; ++i) {
      x = x * 1103515245 + 12345;
      s.push_back(static_cast<char>(x >> 16));
    }
    EXPECT_TRUE(json::accept(escaped(s))) << round;
  }
}

TEST(AccessRecordJson, FieldsInOrder) {
  AccessRecord r = sample();
  r.add("fn", std::string("auth"));
  r.add("fn_us", int64_t{42});
  r.add("waf_score", 0.5);
  r.add("bot", true);
  EXPECT_EQ(to_json(r),
            R"({"ts":"2025-11-25T15:29:29.123Z","request_id":"req-1","client":"127.0.0.1:51234","method":"GET",)"
            R"("path":"/index.html?a=1","status":200,"bytes_sent":1234,"duration_ms":1.234,"upstream_ms":0.987,)"
            R"("cache":"-","fn":"auth","fn_us":42,"waf_score":0.5,"bot":true})");
}

TEST(AccessRecordJson, NoUpstreamIsNull) {
  AccessRecord r = sample();
  r.upstream_time.reset();
  r.cache_status = "HIT";
  json j = json::parse(to_json(r));
  EXPECT_TRUE(j["upstream_ms"].is_null());
  EXPECT_EQ(j["cache"], "HIT");
}

TEST(AccessRecordJson, NastyPathsParse) {
  const std::string nasty[] = {
      "/\"quoted\"", "/back\\slash", std::string("/nul\0byte", 9), "/ctl\x01\x1b[31mred", "/\xff\xfe\xfd",
      "/utf8/\xe6\x97\xa5\xe6\x9c\xac", "/\xe2\x80\xa8line-sep", "/}{\",\"status\":999"};
  for (const auto& p : nasty) {
    AccessRecord r = sample();
    r.path = p;
    r.method = "G\"ET";
    r.request_id = "\xc3";
    std::string line = to_json(r);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    json j;
    ASSERT_NO_THROW(j = json::parse(line)) << line;
    EXPECT_EQ(j["status"], 200);
    EXPECT_EQ(j["method"], "G\"ET");
    EXPECT_EQ(j["request_id"], "\\xc3");
    if (p != "/\xff\xfe\xfd") EXPECT_EQ(j["path"], p);
    else EXPECT_EQ(j["path"], "/\\xff\\xfe\\xfd");
  }
}

TEST(AccessRecordJson, NonFiniteDoublesAreNull) {
  AccessRecord r = sample();
  r.add("x", std::numeric_limits<double>::infinity());
  EXPECT_TRUE(json::parse(to_json(r))["x"].is_null());
}

TEST(AccessLog, DisabledWritesNothing) {
  test::TempDir dir;
  std::string path = dir.file("access.log");
  AccessLog log(config::AccessLog{false, path});
  EXPECT_FALSE(log.enabled());
  log.write(sample());
  log.flush();
  log.reopen();
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(AccessLog, FileAppendAndFlush) {
  test::TempDir dir;
  std::string path = dir.write("access.log", "existing line\n");
  {
    AccessLog log(config::AccessLog{true, path});
    EXPECT_TRUE(log.enabled());
    log.write(sample());
    log.flush();
    auto lines = lines_of(test::read_file(path));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0], "existing line");
    EXPECT_EQ(json::parse(lines[1])["path"], "/index.html?a=1");
    log.write(sample());
  }  // the destructor flushes
  EXPECT_EQ(lines_of(test::read_file(path)).size(), 3u);
}

TEST(AccessLog, BackgroundWriterFlushesWithoutAsking) {
  test::TempDir dir;
  std::string path = dir.file("access.log");
  AccessLog log(config::AccessLog{true, path});
  log.write(sample());
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (test::read_file(path).empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(lines_of(test::read_file(path)).size(), 1u);
}

TEST(AccessLog, UnopenableFileThrows) {
  test::TempDir dir;
  EXPECT_THROW(AccessLog(config::AccessLog{true, dir.file("no/such/dir/access.log")}), std::system_error);
}

TEST(AccessLog, ReopenAfterRotation) {
  test::TempDir dir;
  std::string path = dir.file("access.log");
  AccessLog log(config::AccessLog{true, path});
  AccessRecord r = sample();
  r.path = "/before";
  log.write(r);
  std::filesystem::rename(path, path + ".1");  // what logrotate does
  log.reopen();                                // pending lines go to the old file first
  r.path = "/after";
  log.write(r);
  log.flush();
  auto old_lines = lines_of(test::read_file(path + ".1"));
  auto new_lines = lines_of(test::read_file(path));
  ASSERT_EQ(old_lines.size(), 1u);
  ASSERT_EQ(new_lines.size(), 1u);
  EXPECT_EQ(json::parse(old_lines[0])["path"], "/before");
  EXPECT_EQ(json::parse(new_lines[0])["path"], "/after");
}

TEST(AccessLog, ReopenFailureKeepsTheOldFile) {
  test::TempDir dir;
  std::string sub = dir.path() + "/logs";
  std::filesystem::create_directory(sub);
  std::string path = sub + "/access.log";
  AccessLog log(config::AccessLog{true, path});
  std::filesystem::rename(sub, dir.path() + "/moved");
  EXPECT_THROW(log.reopen(), std::system_error);
  log.write(sample());
  log.flush();
  EXPECT_EQ(lines_of(test::read_file(dir.path() + "/moved/access.log")).size(), 1u);
}

TEST(AccessLog, ConcurrentWritersProduceWholeLines) {
  test::TempDir dir;
  std::string path = dir.file("access.log");
  constexpr int kThreads = 4, kPerThread = 5000;
  {
    AccessLog log(config::AccessLog{true, path});
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&log, t] {
        std::string id = "t" + std::to_string(t);
        for (int i = 0; i < kPerThread; ++i) {
          AccessRecord r = sample();
          r.request_id = id;
          r.status = i;
          log.write(r);
        }
      });
    for (auto& th : threads) th.join();
    EXPECT_EQ(log.dropped(), 0u);
  }
  auto lines = lines_of(test::read_file(path));
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kPerThread));
  std::vector<int> next(kThreads, 0);
  for (const auto& line : lines) {
    json j = json::parse(line);
    int t = std::stoi(j["request_id"].get<std::string>().substr(1));
    EXPECT_EQ(j["status"].get<int>(), next[t]) << "lines of one thread out of order";
    ++next[t];
  }
}

TEST(AccessLog, DropsAndCountsWhenOutputIsStuck) {
  // The log writes into a pipe nobody reads until 16 MiB are pending: further lines are dropped, not queued.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::string path = "/proc/self/fd/" + std::to_string(fds[1]);
  auto log = std::make_unique<AccessLog>(config::AccessLog{true, path});
  AccessRecord r = sample();
  std::string long_path(4000, 'p');
  r.path = long_path;
  for (int i = 0; i < 6000 && log->dropped() == 0; ++i) log->write(r);  // 6000 × ~4.2 KB ≈ 25 MB
  EXPECT_GT(log->dropped(), 0u);
  // Drain the pipe so the writer can finish; every line that came out is whole.
  std::string drained;
  std::thread reader([&] {
    char buf[65536];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) drained.append(buf, static_cast<std::size_t>(n));
  });
  log.reset();
  close(fds[1]);
  reader.join();
  close(fds[0]);
  auto lines = lines_of(drained);
  EXPECT_GT(lines.size(), 1000u);
  for (const auto& l : lines) ASSERT_EQ(json::parse(l)["path"], long_path);
}

}  // namespace
}  // namespace aegis::log
