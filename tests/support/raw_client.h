// RawClient: a byte-exact HTTP/1.1 client for tests. It sends exactly the bytes you give it (malformed requests,
// pipelines) and parses what comes back: status, headers, bodies framed by Content-Length, chunked encoding or
// connection close.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace aegis::test {

using namespace std::chrono_literals;

struct HttpResponse {
  int status = 0;
  std::string version;  // "HTTP/1.1"
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as received
  std::string body;                                           // de-chunked

  // First header with this name (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
  std::vector<std::string> header_values(std::string_view name) const;
  bool has_header(std::string_view name) const { return header(name).has_value(); }
};

struct ReadResult {
  std::vector<HttpResponse> responses;
  bool closed = false;     // peer closed (FIN or RST) — seen while reading
  bool timed_out = false;  // the deadline passed before `count` responses / close
  bool parse_error = false;
  std::string raw;         // every byte received
};

// Incremental response parser, usable on its own. `head_requests` lists, in order, whether each expected response
// answers a HEAD request (no body).
class ResponseParser {
 public:
  // Feeds bytes; complete responses are appended to out. Returns false on a malformed response.
  bool feed(std::string_view data, std::vector<HttpResponse>& out);
  // Called on EOF: completes a close-delimited body. Returns true if a response was completed.
  bool finish(std::vector<HttpResponse>& out);
  // The next response not yet parsed answers a HEAD request.
  void expect_head_response() { head_at_.insert(parsed_); }
  // Response number `index` (0-based, counting every final response parsed on this connection) answers HEAD.
  void expect_head_response_at(std::size_t index) { head_at_.insert(index); }
  bool mid_message() const { return state_ != State::kHead || !buf_.empty(); }

 private:
  enum class State { kHead, kLength, kChunkSize, kChunkData, kChunkDataCrlf, kTrailers, kUntilClose };
  bool step(std::vector<HttpResponse>& out, bool& progressed);
  State state_ = State::kHead;
  std::string buf_;
  HttpResponse cur_;
  std::size_t remaining_ = 0;
  std::size_t parsed_ = 0;  // final responses completed so far
  std::set<std::size_t> head_at_;
};

class RawClient {
 public:
  explicit RawClient(uint16_t port, std::chrono::milliseconds connect_timeout = 5s);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends all bytes (returns false if the peer already closed/reset).
  bool send(std::string_view bytes);
  // Half-closes the write side (FIN).
  void shutdown_write();
  // Reads until `count` complete responses were parsed, the peer closes, or the timeout passes.
  ReadResult read_responses(std::size_t count, std::chrono::milliseconds timeout = 10s);
  // Reads until the peer closes (or timeout); all complete responses are returned.
  ReadResult read_until_close(std::chrono::milliseconds timeout = 10s);
  // True if the peer closes the connection within the timeout (any bytes received are discarded into raw).
  bool wait_closed(std::chrono::milliseconds timeout = 5s);
  // The next response not yet parsed answers HEAD (no body). When several responses may arrive in one read, use
  // expect_head_response_at(index) before reading.
  void expect_head_response() { parser_.expect_head_response(); }
  void expect_head_response_at(std::size_t index) { parser_.expect_head_response_at(index); }
  void close();

 private:
  ReadResult read_impl(std::size_t count, std::chrono::milliseconds timeout);
  int fd_ = -1;
  bool eof_ = false;
  ResponseParser parser_;
};

// One request on a fresh connection; returns the single response (status 0 if none).
HttpResponse http_request(uint16_t port, const std::string& method, const std::string& target,
                          const std::vector<std::pair<std::string, std::string>>& headers = {},
                          const std::string& body = {}, std::chrono::milliseconds timeout = 10s);
inline HttpResponse http_get(uint16_t port, const std::string& target,
                             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  return http_request(port, "GET", target, headers);
}

}  // namespace aegis::test
