// FlatFields: the origin response's header block. Its operations must give exactly the field lines Beast's fields
// give with http::remove_hop_by_hop / append_list_value / set / erase (the proxy switched containers, not rules).
#include "proxy/flat_fields.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <boost/beast/http/fields.hpp>

#include "http/headers.h"

namespace aegis::proxy {
namespace {

using Lines = std::vector<std::pair<std::string, std::string>>;

Lines lines_of(const FlatFields& f) {
  Lines out;
  for (const auto& field : f.fields()) out.emplace_back(std::string(field.name), std::string(field.value));
  return out;
}

Lines lines_of(const http::Fields& f) {
  Lines out;
  for (const auto& field : f) out.emplace_back(std::string(field.name_string()), std::string(field.value()));
  return out;
}

// Beast keeps the lines of one name next to each other; FlatFields keeps the order they came in. Only the order of
// lines with the same name is significant in HTTP: compare grouped by (lowercased) name, stable within a name.
Lines grouped(Lines l) {
  auto key = [](const std::string& n) {
    std::string k = n;
    for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return k;
  };
  std::stable_sort(l.begin(), l.end(), [&](const auto& a, const auto& b) { return key(a.first) < key(b.first); });
  return l;
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
  FlatHeaderMap map(f);
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

// Random header blocks, the same operations on both containers, the same lines afterwards.
TEST(FlatFields, SameResultAsBeastFieldsWithTheHttpHeaderRules) {
  const std::vector<std::string> names = {"Date", "Server", "Connection", "Keep-Alive", "Via", "X-A", "x-a",
                                          "X-B", "Proxy-Foo", "TE", "Trailer", "Upgrade", "Transfer-Encoding",
                                          "Content-Length", "Set-Cookie", "close", "X-Forwarded-For"};
  const std::vector<std::string> connection_values = {"close", "keep-alive", "X-A", "x-b, Date", "", " , ,X-A ,",
                                                      "Upgrade, TE", "a,b,c,d,e,f,g,h,i,j,X-B,Set-Cookie"};
  std::mt19937 rng(20261126);
  for (int round = 0; round < 20000; ++round) {
    FlatFields flat;
    http::Fields beast;
    int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      const std::string& name = names[rng() % names.size()];
      std::string value = name == "Connection" ? connection_values[rng() % connection_values.size()]
                                               : "v" + std::to_string(rng() % 5);
      if (rng() % 10 == 0) value.clear();
      flat.add(name, value);
      beast.insert(name, value);
    }
    ASSERT_EQ(grouped(lines_of(flat)), grouped(lines_of(beast))) << "round " << round;
    flat.remove_hop_by_hop();
    http::remove_hop_by_hop(beast);
    ASSERT_EQ(grouped(lines_of(flat)), grouped(lines_of(beast))) << "round " << round << " after remove_hop_by_hop";
    const std::string& list_name = names[rng() % names.size()];
    flat.append_list_value(list_name, "1.1 edge");
    http::append_list_value(beast, list_name, "1.1 edge");
    // The joined value may differ only in how empty elements are spelt; both must carry every non-empty element
    // in order, and the same other lines.
    auto normalise = [](Lines l) {
      for (auto& [n, v] : l) {
        std::string out;
        std::size_t pos = 0;
        std::string_view sv = v;
        while (pos <= sv.size()) {
          std::size_t comma = sv.find(',', pos);
          std::string_view el = sv.substr(pos, comma == std::string_view::npos ? sv.npos : comma - pos);
          while (!el.empty() && el.front() == ' ') el.remove_prefix(1);
          while (!el.empty() && el.back() == ' ') el.remove_suffix(1);
          if (!el.empty()) out += std::string(out.empty() ? "" : ",") + std::string(el);
          if (comma == std::string_view::npos) break;
          pos = comma + 1;
        }
        v = out;
      }
      return l;
    };
    ASSERT_EQ(grouped(normalise(lines_of(flat))), grouped(normalise(lines_of(beast))))
        << "round " << round << " after append";
    flat.set("X-A", "set");
    beast.set("X-A", "set");
    ASSERT_EQ(grouped(normalise(lines_of(flat))), grouped(normalise(lines_of(beast))))
        << "round " << round << " after set";
  }
}

TEST(FlatFields, ALongConnectionListIsHandledAndStillExact) {
  FlatFields flat;
  http::Fields beast;
  std::string list;
  for (int i = 0; i < 5000; ++i) list += "X-T" + std::to_string(i) + ", ";
  flat.add("Connection", list);
  beast.insert("Connection", list);
  for (int i = 0; i < 3000; i += 3) {
    flat.add("x-t" + std::to_string(i), "1");
    beast.insert("x-t" + std::to_string(i), "1");
    flat.add("Y-" + std::to_string(i), "2");
    beast.insert("Y-" + std::to_string(i), "2");
  }
  flat.remove_hop_by_hop();
  http::remove_hop_by_hop(beast);
  EXPECT_EQ(grouped(lines_of(flat)), grouped(lines_of(beast)));
  EXPECT_EQ(flat.size(), 1000u);
}

}  // namespace
}  // namespace aegis::proxy
