// http::FlatFields as a container (storage, order, case-insensitive names) and proxy::FlatHeaderMap over it. The
// header rules it applies are compared with the reference implementation in framing_differential_test.cpp.
#include "http/flat_fields.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "proxy/flat_header_map.h"

namespace aegis::http {
namespace {

using Lines = std::vector<std::pair<std::string, std::string>>;

Lines lines_of(const FlatFields& f) {
  Lines out;
  for (const auto& field : f.fields()) out.emplace_back(std::string(field.name), std::string(field.value));
  return out;
}

TEST(FlatFields, AddGetSetRemoveAreCaseInsensitiveAndKeepOrder) {
  FlatFields f;
  f.add("Content-Type", "text/plain");
  f.add("Set-Cookie", "a=1");
  f.add("set-cookie", "b=2");
  f.add("X-Pad", "  spaced\t ");
  EXPECT_EQ(f.get("content-type"), "text/plain");
  EXPECT_EQ(f.get("SET-COOKIE"), "a=1");
  EXPECT_EQ(f.get("x-pad"), "spaced");  // trimmed, as Beast stores values
  EXPECT_FALSE(f.get("missing"));
  f.set("Set-Cookie", "c=3");  // every line of the name goes, one line is appended
  EXPECT_EQ(lines_of(f), (Lines{{"Content-Type", "text/plain"}, {"X-Pad", "spaced"}, {"Set-Cookie", "c=3"}}));
  EXPECT_EQ(f.remove("x-PAD"), 1u);
  EXPECT_EQ(f.remove("x-pad"), 0u);
  EXPECT_EQ(lines_of(f), (Lines{{"Content-Type", "text/plain"}, {"Set-Cookie", "c=3"}}));
}

TEST(FlatFields, ViewsStayValidWhileFieldsAreAddedUntilClear) {
  FlatFields f;
  f.add("First", "value-1");
  std::string_view first = *f.get("first");
  // Grow past one storage block with small and large values: earlier views must not move.
  for (int i = 0; i < 200; ++i) f.add("X-Field-" + std::to_string(i), std::string(i % 7 == 0 ? 3000 : 40, 'v'));
  EXPECT_EQ(first, "value-1");
  EXPECT_EQ(f.size(), 201u);
  EXPECT_EQ(f.get("x-field-7")->size(), 3000u);
  f.clear();
  EXPECT_EQ(f.size(), 0u);
  f.add("After", "clear");
  EXPECT_EQ(f.get("after"), "clear");
}

TEST(FlatFields, HeaderMapWalkToleratesAddsDuringTheWalk) {
  FlatFields f;
  f.add("A", "1");
  f.add("B", "2");
  proxy::FlatHeaderMap map(f);
  std::vector<std::string> seen;
  map.for_each([&](std::string_view n, std::string_view v) {
    seen.push_back(std::string(n) + "=" + std::string(v));
    if (n == "A") map.add("C", "3");
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"A=1", "B=2", "C=3"}));
}

TEST(FlatFields, RemoveHopByHopDropsTheFixedSetProxyStarAndConnectionNamedFields) {
  FlatFields f;
  for (auto [n, v] : Lines{{"Date", "today"},          {"Connection", "keep-alive, X-Secret"},
                           {"Keep-Alive", "timeout=5"}, {"X-Secret", "s"},
                           {"Proxy-Authenticate", "x"}, {"TE", "trailers"},
                           {"Trailer", "X"},            {"Transfer-Encoding", "chunked"},
                           {"Upgrade", "h2c"},          {"connection", "close"},
                           {"Content-Length", "5"}})
    f.add(n, v);
  f.remove_hop_by_hop();
  EXPECT_EQ(lines_of(f), (Lines{{"Date", "today"}, {"Content-Length", "5"}}));
}

}  // namespace
}  // namespace aegis::http
