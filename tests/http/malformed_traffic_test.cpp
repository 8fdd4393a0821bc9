// Malformed traffic soak: seeded random mutations of requests (against the real test origin) and of origin
// responses (from a ScriptedOrigin), sent over real sockets by several clients at once. Whatever arrives, the node
// must only ever write well-formed HTTP/1.1 to its clients, answer with a status it can justify, and keep serving.
// The seeds are fixed, so a failure reproduces; the corpora in framing_test and the smuggling test cover the known
// attacks one by one, this covers their combinations and the states between them (partial heads, bodies cut
// short, bytes in odd pieces, half-closed sockets).
#include <sys/socket.h>

#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "escape_bytes.h"
#include "framing_reference.h"
#include "proxy_test_util.h"
#include "scripted_origin.h"
#include "support/origin_process.h"

namespace aegis::test {
namespace {

const std::vector<std::string> kRequests = {
    "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "GET /size/10 HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, X-Foo\r\nX-Foo: 1\r\nTE: trailers\r\n\r\n",
    "GET http://x/echo?q=1 HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n",
    "PUT /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
    "GET /echo HTTP/1.0\r\n\r\n",
    "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
};

const std::vector<std::string> kResponses = {
    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
    "HTTP/1.1 200 OK\r\nConnection: close, X-A\r\nX-A: 1\r\n\r\nbody-to-eof",
    "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n",
    "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "HTTP/1.0 200 OK\r\nKeep-Alive: timeout=5\r\n\r\nold",
    "HTTP/1.1 302 Found\r\nLocation: /x\r\nSet-Cookie: a=b\r\nSet-Cookie: c=d\r\nContent-Length: 0\r\n\r\n",
};

// Byte strings that matter to HTTP framing, spliced in by the mutator.
const std::vector<std::string> kTokens = {
    "\r\n", "\n", "\r", std::string(1, '\0'), " ", "\t", ":", ",", "chunked", "Content-Length: 7\r\n",
    "Transfer-Encoding: chunked\r\n", "ffffffffffffffff", "-1", "0\r\n\r\n", "\xff", "Host: y\r\n",
    "Connection: close\r\n", std::string(5000, 'A'), "HTTP/1.1 ", "GET /echo HTTP/1.1\r\nHost: s\r\n\r\n",
    std::string(30, '9'),
};

class Mutator {
 public:
  explicit Mutator(uint32_t seed) : rng_(seed) {}
  std::size_t below(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  // 1-4 edits: delete a run, splice a token, flip a byte, duplicate a slice, or truncate.
  std::string mutate(std::string s) {
    for (std::size_t edits = 1 + below(4); edits > 0; --edits) {
      std::size_t at = below(s.size() + 1);
      switch (below(5)) {
        case 0:
          if (at < s.size()) s.erase(at, 1 + below(8));
          break;
        case 1: s.insert(at, kTokens[below(kTokens.size())]); break;
        case 2:
          if (!s.empty()) s[std::min(at, s.size() - 1)] = static_cast<char>(below(256));
          break;
        case 3:
          if (!s.empty()) s.insert(at, s.substr(below(s.size()), 1 + below(40)));
          break;
        default: s.resize(at); break;
      }
    }
    return s;
  }

 private:
  std::mt19937 rng_;
};

// Sends `bytes` whole or in 7-byte pieces.
bool send_maybe_in_pieces(RawClient& c, const std::string& bytes, bool pieces) {
  if (!pieces) return c.send(bytes);
  for (std::size_t off = 0; off < bytes.size(); off += 7)
    if (!c.send(std::string_view(bytes).substr(off, 7))) return false;
  return true;
}

config::Config soak_config(uint16_t origin_port) {
  auto cfg = proxy_config(origin_port, 2);
  cfg.limits.max_header_bytes = 8 * 1024;
  cfg.limits.max_body_bytes = 64 * 1024;
  cfg.limits.client_header_timeout = 300ms;
  cfg.limits.client_idle_timeout = 300ms;
  cfg.origins[0].read_timeout = 300ms;
  return cfg;
}

// What the clients saw, collected across threads and checked on the test thread.
struct Outcomes {
  std::mutex mu;
  std::vector<std::string> violations;
  std::set<int> statuses;
  int connections = 0;
  void violation(std::string what) {
    std::lock_guard<std::mutex> lock(mu);
    if (violations.size() < 20) violations.push_back(std::move(what));
  }
  void saw(const ReadResult& r) {
    std::lock_guard<std::mutex> lock(mu);
    ++connections;
    for (const auto& res : r.responses) statuses.insert(res.status);
  }
};

std::string printable(std::string_view s) { return escape_bytes(s, 300); }

// Every response head in the bytes a client received, found by following each response's own framing (1xx, 204 and
// 304 have no body; Content-Length; chunked, including trailers; otherwise the body runs to the end). A head that
// does not end, or a body shorter than its framing says, ends the list (the connection was cut there).
std::vector<std::string_view> response_heads(std::string_view raw) {
  std::vector<std::string_view> heads;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t end = raw.find("\r\n\r\n", pos);
    if (end == std::string_view::npos) break;
    std::string_view head = raw.substr(pos, end + 4 - pos);
    heads.push_back(head);
    pos = end + 4;
    std::string h = ScriptedOrigin::lower(std::string(head));
    int status = head.size() > 12 ? std::atoi(std::string(head.substr(9, 3)).c_str()) : 0;
    if (status < 200 || status == 204 || status == 304) continue;
    if (h.find("\r\ntransfer-encoding: chunked\r\n") != std::string::npos) {
      for (;;) {
        std::size_t line = raw.find("\r\n", pos);
        if (line == std::string_view::npos) return heads;
        std::size_t size = std::strtoul(std::string(raw.substr(pos, line - pos)).c_str(), nullptr, 16);
        pos = line + 2;
        if (size == 0) {
          std::size_t trailer_end = raw.find("\r\n\r\n", pos - 2);
          if (trailer_end == std::string_view::npos) return heads;
          pos = trailer_end + 4;
          break;
        }
        pos += size + 2;
        if (pos > raw.size()) return heads;
      }
    } else if (auto cl = h.find("\r\ncontent-length:"); cl != std::string::npos) {
      pos += std::strtoul(h.c_str() + cl + 17, nullptr, 10);
    } else {
      break;
    }
  }
  return heads;
}

// Every head the node wrote must pass the strict reference response-head check (the test-only oracle of
// framing_reference.cpp, independent of the production checks): status line, field syntax, no bare CR/LF/NUL, no
// obs-fold, unambiguous framing.
void check_heads(std::string_view raw, const std::string& context, Outcomes& o) {
  for (std::string_view head : response_heads(raw)) {
    auto verdict = http::reference::check_response_head(head);
    if (!verdict.ok())
      o.violation(std::string("node wrote a malformed head (") + verdict.reason + "): " + printable(head) + context);
  }
}

void run_clients(int threads, int per_thread, const std::function<void(Mutator&, Outcomes&)>& one, Outcomes& out) {
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      Mutator m(0xae915u + static_cast<uint32_t>(t));
      for (int i = 0; i < per_thread; ++i) one(m, out);
    });
  }
  for (auto& th : pool) th.join();
}

TEST(MalformedTraffic, MutatedRequestsGetWellFormedAnswersAndTheNodeKeepsServing) {
  OriginProcess origin;
  Proxy proxy(soak_config(origin.port()));
  Outcomes out;
  run_clients(4, 100, [&](Mutator& m, Outcomes& o) {
    std::string bytes;
    for (std::size_t n = 1 + m.below(3); n > 0; --n) {
      const std::string& base = kRequests[m.below(kRequests.size())];
      bytes += m.chance(0.7) ? m.mutate(base) : base;
    }
    RawClient c(proxy.port());
    if (!c.connected()) return o.violation("connect failed");
    bool sent = send_maybe_in_pieces(c, bytes, m.chance(0.3));
    if (sent && m.chance(0.2)) c.shutdown_write();
    auto r = c.read_until_close(3s);
    o.saw(r);
    if (r.parse_error) o.violation("malformed answer to [" + printable(bytes) + "]: " + printable(r.raw));
    check_heads(r.raw, " for [" + printable(bytes) + "]", o);
    if (r.timed_out) o.violation("connection neither answered nor closed for [" + printable(bytes) + "]");
    for (const auto& res : r.responses)
      if (res.status < 100 || res.status > 599)
        o.violation("status " + std::to_string(res.status) + " for [" + printable(bytes) + "]");
  }, out);
  for (const auto& v : out.violations) ADD_FAILURE() << v;
  EXPECT_EQ(out.connections, 400);
  // The mix exercised both rejection and proxying.
  EXPECT_TRUE(out.statuses.count(400)) << "no 400 among the answers";
  EXPECT_TRUE(out.statuses.count(200)) << "no 200 among the answers";
  // Still serving, on fresh and on kept-alive connections.
  auto res = http_get(proxy.port(), "/echo", {{"Host", "a"}});
  EXPECT_EQ(res.status, 200);
  RawClient c(proxy.port());
  c.send(get_request("/size/3") + get_request("/size/4"));
  auto r = c.read_responses(2);
  ASSERT_EQ(r.responses.size(), 2u) << r.raw;
  EXPECT_EQ(r.responses[1].body.size(), 4u);
}

TEST(MalformedTraffic, MutatedOriginResponsesNeverReachClientsMalformed) {
  std::atomic<bool> clean{false};
  // Each origin connection answers its requests with a (mostly mutated) response, sometimes in 3-byte pieces,
  // sometimes after a pause, and sometimes closes afterwards; the mutator is per connection (seeded by its number).
  ScriptedOrigin origin([&](int fd, int conn) {
    Mutator m(0x0e161u + static_cast<uint32_t>(conn));
    std::string buf;
    while (!ScriptedOrigin::read_request(fd, buf).empty()) {
      std::string response = kResponses[m.below(kResponses.size())];
      if (clean.load()) {
        response = kResponses[0];
      } else if (m.chance(0.6)) {
        response = m.mutate(response);
      }
      if (!clean.load() && m.chance(0.1)) std::this_thread::sleep_for(std::chrono::milliseconds(m.below(400)));
      bool ok = true;
      if (!clean.load() && m.chance(0.3)) {
        for (std::size_t off = 0; ok && off < response.size(); off += 3)
          ok = ScriptedOrigin::write_all(fd, std::string_view(response).substr(off, 3));
      } else {
        ok = ScriptedOrigin::write_all(fd, response);
      }
      if (!ok || (!clean.load() && m.chance(0.2))) return;
    }
  });
  Proxy proxy(soak_config(origin.port()));
  Outcomes out;
  run_clients(4, 75, [&](Mutator& m, Outcomes& o) {
    RawClient c(proxy.port());
    if (!c.connected()) return o.violation("connect failed");
    // One or two clean GETs per connection; a second one checks the connection is still in a sane state.
    std::size_t asks = 1 + m.below(2);
    for (std::size_t i = 0; i < asks; ++i) {
      if (!c.send(get_request("/r" + std::to_string(i)))) break;
      auto r = c.read_responses(1, 3s);
      o.saw(r);
      if (r.parse_error) return o.violation("malformed answer: " + printable(r.raw));
      check_heads(r.raw, "", o);
      if (r.timed_out) return o.violation("request neither answered nor closed: " + printable(r.raw));
      if (r.responses.empty()) return;  // the origin broke off mid-body: the client connection is cut
      int s = r.responses[0].status;
      // A final status: an origin's passed through, or the node's own 502/504. Interim (1xx) answers from the
      // origin are not forwarded to a GET, and 101 without an Upgrade request cannot be justified.
      if (s < 200 || s > 599) return o.violation("status " + std::to_string(s) + ": " + printable(r.raw));
      if (r.closed) return;
    }
  }, out);
  for (const auto& v : out.violations) ADD_FAILURE() << v;
  EXPECT_GE(out.connections, 300);
  EXPECT_TRUE(out.statuses.count(502)) << "no 502 among the answers";
  EXPECT_TRUE(out.statuses.count(200)) << "no 200 among the answers";
  // A well-behaved origin again: the node serves it normally (pooled connections from the bad phase were dropped).
  clean = true;
  for (int i = 0; i < 5; ++i) {
    auto res = http_get(proxy.port(), "/", {{"Host", "a"}});
    EXPECT_EQ(res.status, 200) << i;
    EXPECT_EQ(res.body, "hello") << i;
  }
}

}  // namespace
}  // namespace aegis::test
