// Unit tests of the raw-head framing checks (http/framing.h).
#include "http/framing.h"

#include <gtest/gtest.h>

#include <string>

using aegis::http::check_request_head;
using aegis::http::check_response_head;
using aegis::http::HeadScan;
using aegis::http::scan_head;

namespace {

std::string req(const std::string& fields, const std::string& start = "POST / HTTP/1.1") {
  return start + "\r\n" + fields + "\r\n";
}
int status_of(const std::string& fields, const std::string& start = "POST / HTTP/1.1") {
  return check_request_head(req(fields, start)).status;
}
int response_status_of(const std::string& fields, const std::string& start = "HTTP/1.1 200 OK") {
  return check_response_head(start + "\r\n" + fields + "\r\n").status;
}

TEST(ScanHead, FindsEndOfHead) {
  std::string head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  auto s = scan_head(head + "NEXT", 1000);
  EXPECT_EQ(s.state, HeadScan::State::kComplete);
  EXPECT_EQ(s.length, head.size());
  EXPECT_EQ(s.skip, 0u);
}

TEST(ScanHead, IncompleteUntilBlankLine) {
  EXPECT_EQ(scan_head("GET / HTTP/1.1\r\nHost: a\r\n", 1000).state, HeadScan::State::kIncomplete);
}

TEST(ScanHead, SkipsLeadingEmptyLines) {
  auto s = scan_head("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 1000);
  EXPECT_EQ(s.state, HeadScan::State::kComplete);
  EXPECT_EQ(s.skip, 4u);
}

TEST(ScanHead, BareLfIsInvalidAtOnce) {
  EXPECT_EQ(scan_head("GET / HTTP/1.1\nHost: a\r\n", 1000).state, HeadScan::State::kInvalid);
}

TEST(ScanHead, TooLarge) {
  std::string big = "GET / HTTP/1.1\r\nX: " + std::string(2000, 'a');
  EXPECT_EQ(scan_head(big, 1000).state, HeadScan::State::kTooLarge);
  EXPECT_EQ(scan_head(big + "\r\n\r\n", 1000).state, HeadScan::State::kTooLarge);
}

TEST(RequestHead, AcceptsOrdinaryRequests) {
  EXPECT_EQ(status_of("Host: a\r\nContent-Length: 5\r\n"), 0);
  EXPECT_EQ(status_of("Host: a\r\nTransfer-Encoding: chunked\r\n"), 0);
  EXPECT_EQ(status_of("Host: a\r\nTransfer-Encoding:\tChunked \r\n"), 0);
  EXPECT_EQ(status_of("Host: a\r\n", "GET /x?y=1 HTTP/1.1"), 0);
  EXPECT_EQ(status_of("", "GET / HTTP/1.0"), 0);  // HTTP/1.0 needs no Host
  EXPECT_EQ(status_of("Host: a\r\nX-Empty:\r\nX-Obs: caf\xc3\xa9\r\n"), 0);
}

TEST(RequestHead, ContentLengthWithTransferEncoding) {
  EXPECT_EQ(status_of("Host: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n"), 400);
}

TEST(RequestHead, TransferEncodingOtherThanChunked) {
  EXPECT_EQ(status_of("Host: a\r\nTransfer-Encoding: gzip\r\n"), 501);
  EXPECT_EQ(status_of("Host: a\r\nTransfer-Encoding: gzip, chunked\r\n"), 501);
  EXPECT_EQ(status_of("Host: a\r\nTransfer-Encoding: chunked, identity\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nTransfer-Encoding: identity\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nTransfer-Encoding: xchunked\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nTransfer-Encoding: chunked, chunked\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nTransfer-Encoding: chunked;q=1\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nTransfer-Encoding: \"chunked\"\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nTransfer-Encoding: chunked,\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nTransfer-Encoding: \x0b" "chunked\r\n"), 400);
  EXPECT_EQ(status_of("Transfer-Encoding: chunked\r\n", "POST / HTTP/1.0"), 400);
}

TEST(RequestHead, ObsFold) {
  EXPECT_EQ(status_of("Host: a\r\nTransfer-Encoding:\r\n chunked\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nX-A: 1\r\n\t2\r\n"), 400);
}

TEST(RequestHead, MalformedContentLength) {
  EXPECT_EQ(status_of("Host: a\r\nContent-Length: +5\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nContent-Length: 0x5\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nContent-Length: 5, 5\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nContent-Length: -1\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nContent-Length:\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nContent-Length: 1 2\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nContent-Length: 99999999999999999999\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n"), 400);
}

TEST(RequestHead, ForbiddenBytesAndSyntax) {
  EXPECT_EQ(check_request_head("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n").status, 400);  // bare CR
  EXPECT_EQ(check_request_head(std::string("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", 28)).status, 400);
  EXPECT_EQ(status_of("Host: a\r\nContent-Length : 5\r\n"), 400);  // space before colon
  EXPECT_EQ(status_of("Host: a\r\nContent-Length\t: 5\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\n: empty\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nno colon\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nX\x01Y: 1\r\n"), 400);
  EXPECT_EQ(status_of("Host: a\r\nX: a\x7f" "b\r\n"), 400);
}

TEST(RequestHead, RequestLineAndHost) {
  EXPECT_EQ(status_of("Host: a\r\n", "GET / HTTP/2.0"), 400);
  EXPECT_EQ(status_of("Host: a\r\n", "GET  / HTTP/1.1"), 400);
  EXPECT_EQ(status_of("Host: a\r\n", "GET / x HTTP/1.1"), 400);
  EXPECT_EQ(status_of("Host: a\r\n", "G(T / HTTP/1.1"), 400);
  EXPECT_EQ(status_of("", "GET / HTTP/1.1"), 400);                  // missing Host
  EXPECT_EQ(status_of("Host: a\r\nHost: b\r\n", "GET / HTTP/1.1"), 400);
}

TEST(RequestHead, RequestTargetForms) {
  const std::string host = "Host: a.example\r\n";
  EXPECT_EQ(status_of(host, "GET /p?q=1 HTTP/1.1"), 0);                       // origin-form
  EXPECT_EQ(status_of(host, "GET http://a.example/p HTTP/1.1"), 0);          // absolute-form
  EXPECT_EQ(status_of(host, "GET http://a.example:8080 HTTP/1.1"), 0);
  EXPECT_EQ(status_of(host, "OPTIONS * HTTP/1.1"), 0);                       // asterisk-form
  EXPECT_EQ(status_of(host, "CONNECT a.example:443 HTTP/1.1"), 0);          // authority-form (405 later)
  EXPECT_EQ(status_of(host, "GET p HTTP/1.1"), 400);                         // no leading slash
  EXPECT_EQ(status_of(host, "GET * HTTP/1.1"), 400);                         // asterisk only for OPTIONS
  EXPECT_EQ(status_of(host, "GET http:/x HTTP/1.1"), 400);
  EXPECT_EQ(status_of(host, "GET http://[bad/ HTTP/1.1"), 400);
  EXPECT_EQ(status_of(host, "GET http://user@a.example/ HTTP/1.1"), 400);   // userinfo
  EXPECT_EQ(status_of(host, "GET ftp://a.example/ HTTP/1.1"), 400);
  EXPECT_EQ(status_of(host, "GET http://a.example:80x/ HTTP/1.1"), 400);
  EXPECT_EQ(status_of(host, "CONNECT /x HTTP/1.1"), 400);
}

TEST(RequestHead, HostSyntax) {
  EXPECT_EQ(status_of("Host: a.example:8080\r\n", "GET / HTTP/1.1"), 0);
  EXPECT_EQ(status_of("Host: [::1]:8080\r\n", "GET / HTTP/1.1"), 0);
  EXPECT_EQ(status_of("Host: 127.0.0.1\r\n", "GET / HTTP/1.1"), 0);
  EXPECT_EQ(status_of("Host:\r\n", "GET / HTTP/1.1"), 0);  // empty Host is allowed (RFC 9112 §3.2)
  EXPECT_EQ(status_of("Host: a b.example\r\n", "GET / HTTP/1.1"), 400);
  EXPECT_EQ(status_of("Host: a.example/x\r\n", "GET / HTTP/1.1"), 400);
  EXPECT_EQ(status_of("Host: user@a.example\r\n", "GET / HTTP/1.1"), 400);
  EXPECT_EQ(status_of("Host: a.example:\r\n", "GET / HTTP/1.1"), 400);
  EXPECT_EQ(status_of("Host: a.example:123456\r\n", "GET / HTTP/1.1"), 400);
  EXPECT_EQ(status_of("Host: [zz]\r\n", "GET / HTTP/1.1"), 400);
}

TEST(ResponseHead, Checks) {
  EXPECT_EQ(response_status_of("Content-Length: 5\r\n"), 0);
  EXPECT_EQ(response_status_of("Transfer-Encoding: chunked\r\n"), 0);
  EXPECT_EQ(response_status_of("", "HTTP/1.1 204"), 0);
  EXPECT_EQ(response_status_of("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), 502);
  EXPECT_EQ(response_status_of("Transfer-Encoding: gzip\r\n"), 502);
  EXPECT_EQ(response_status_of("Transfer-Encoding: chunked, identity\r\n"), 502);
  EXPECT_EQ(response_status_of("Content-Length: 5\r\nContent-Length: 7\r\n"), 502);
  EXPECT_EQ(response_status_of("Content-Length: +5\r\n"), 502);
  EXPECT_EQ(response_status_of("X: 1\r\n folded\r\n"), 502);
  EXPECT_EQ(response_status_of("X : 1\r\n"), 502);
  EXPECT_EQ(response_status_of("", "HTTP/1.1 2000 OK"), 502);
  EXPECT_EQ(response_status_of("", "ICY 200 OK"), 502);
}

}  // namespace
