// THE SMUGGLING CORPUS: malformed and ambiguous requests sent to the real `aegis serve` in front of the real test
// origin. Each case is immediately followed, on the same connection, by a pipelined `GET /smuggled-<n>`.
// For every case: the proxy answers with the expected error status, closes the connection, and neither the case's
// request (/case-<n>) nor the pipelined one (/smuggled-<n>) ever reaches the origin.
#include <gtest/gtest.h>

#include <set>

#include "support/aegis_process.h"
#include "support/origin_process.h"
#include "support/raw_client.h"

using namespace aegis::test;

namespace {

struct Case {
  const char* name;
  std::string head;        // request up to and including the blank line, "/case-N" is substituted for {T}
  std::string body;        // bytes after the head
  std::set<int> statuses;  // acceptable statuses for the single response
};

const std::set<int> k400 = {400};
const std::set<int> k400or501 = {400, 501};

std::string post(const std::string& headers) { return "POST {T} HTTP/1.1\r\nHost: example.com\r\n" + headers + "\r\n"; }

std::vector<Case> corpus() {
  const std::string big(20 * 1024, 'a');
  return {
      // --- Content-Length + Transfer-Encoding
      {"cl_then_te", post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), "0\r\n\r\n", k400},
      {"te_then_cl", post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"), "0\r\n\r\n", k400},
      {"cl_then_te_small_cl", post("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n"), "0\r\n\r\n", k400},
      // --- Transfer-Encoding other than exactly "chunked"
      {"te_chunked_identity", post("Transfer-Encoding: chunked, identity\r\n"), "0\r\n\r\n", k400or501},
      {"te_xchunked", post("Transfer-Encoding: xchunked\r\n"), "0\r\n\r\n", k400or501},
      {"te_identity", post("Transfer-Encoding: identity\r\n"), "0\r\n\r\n", k400or501},
      {"te_chunked_chunked", post("Transfer-Encoding: chunked, chunked\r\n"), "0\r\n\r\n", k400or501},
      {"te_two_headers", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n"), "0\r\n\r\n",
       k400or501},
      {"te_obs_folded", post("Transfer-Encoding:\r\n chunked\r\n"), "0\r\n\r\n", k400or501},
      {"te_space_before_colon", post("Transfer-Encoding : chunked\r\n"), "0\r\n\r\n", k400},
      {"te_tab_before_colon", post("Transfer-Encoding\t: chunked\r\n"), "0\r\n\r\n", k400},
      {"te_vertical_tab_value", post("Transfer-Encoding: \x0b" "chunked\r\n"), "0\r\n\r\n", k400or501},
      {"te_leading_space_line", "POST {T} HTTP/1.1\r\n Transfer-Encoding: chunked\r\nHost: example.com\r\n\r\n",
       "0\r\n\r\n", k400},
      {"te_http10", "POST {T} HTTP/1.0\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n", "0\r\n\r\n",
       k400or501},
      // --- Content-Length values
      {"cl_conflicting", post("Content-Length: 5\r\nContent-Length: 6\r\n"), "hello!", k400},
      {"cl_duplicate_list", post("Content-Length: 5, 5\r\n"), "hello", k400},
      {"cl_plus", post("Content-Length: +5\r\n"), "hello", k400},
      {"cl_hex", post("Content-Length: 0x5\r\n"), "hello", k400},
      {"cl_negative", post("Content-Length: -1\r\n"), "hello", k400},
      {"cl_huge", post("Content-Length: 999999999999999999999999\r\n"), "hello", {400, 413}},
      {"cl_inner_space", post("Content-Length: 5 5\r\n"), "hello", k400},
      {"cl_trailing_garbage", post("Content-Length: 5abc\r\n"), "hello", k400},
      {"cl_empty", post("Content-Length: \r\n"), "hello", k400},
      // --- chunk framing
      {"chunk_size_negative", post("Transfer-Encoding: chunked\r\n"), "-1\r\na\r\n0\r\n\r\n", k400},
      {"chunk_size_0x", post("Transfer-Encoding: chunked\r\n"), "0x10\r\n0123456789abcdef\r\n0\r\n\r\n", k400},
      {"chunk_ext_empty", post("Transfer-Encoding: chunked\r\n"), "1;\r\na\r\n0\r\n\r\n", k400},
      {"chunk_ext_garbage", post("Transfer-Encoding: chunked\r\n"), "1;\x01\r\na\r\n0\r\n\r\n", k400},
      {"chunk_size_overflow", post("Transfer-Encoding: chunked\r\n"), "ffffffffffffffffff\r\na\r\n0\r\n\r\n",
       {400, 413}},
      {"chunk_missing_crlf", post("Transfer-Encoding: chunked\r\n"), "3\r\nabcX0\r\n\r\n", k400},
      {"chunk_size_bare_lf", post("Transfer-Encoding: chunked\r\n"), "3\nabc\r\n0\r\n\r\n", k400},
      {"chunk_size_leading_space", post("Transfer-Encoding: chunked\r\n"), " 3\r\nabc\r\n0\r\n\r\n", k400},
      {"chunk_trailer_bare_cr", post("Transfer-Encoding: chunked\r\n"), "0\r\nX-T: a\rb\r\n\r\n", k400},
      // --- control characters and line endings
      {"bare_cr_header_value", post("X-A: a\rb\r\n"), "", k400},
      {"bare_cr_request_line", "GET {T}\r HTTP/1.1\r\nHost: example.com\r\n\r\n", "", k400},
      {"bare_lf_in_header_value", post("X-A: a\nb\r\n"), "", k400},
      {"nul_header_name", post(std::string("X-\0A: b\r\n", 9)), "", k400},
      {"nul_header_value", post(std::string("X-A: a\0b\r\n", 10)), "", k400},
      {"space_before_colon", "GET {T} HTTP/1.1\r\nHost : example.com\r\n\r\n", "", k400},
      {"obs_fold_ordinary", "GET {T} HTTP/1.1\r\nHost: example.com\r\nX-A: a\r\n b\r\n\r\n", "", k400},
      {"header_name_bad_char", "GET {T} HTTP/1.1\r\nHost: example.com\r\nX@A: b\r\n\r\n", "", k400},
      // --- sizes
      {"oversize_header", "GET {T} HTTP/1.1\r\nHost: example.com\r\nX-Big: " + big + "\r\n\r\n", "", {431, 400}},
      {"request_line_too_long", "GET {T}?" + big + " HTTP/1.1\r\nHost: example.com\r\n\r\n", "", {414, 431, 400}},
      // --- request line
      {"invalid_method_chars", "G(ET {T} HTTP/1.1\r\nHost: example.com\r\n\r\n", "", k400},
      {"double_space_request_line", "GET  {T} HTTP/1.1\r\nHost: example.com\r\n\r\n", "", k400},
      {"lowercase_version", "GET {T} http/1.1\r\nHost: example.com\r\n\r\n", "", k400},
      {"bad_version", "GET {T} HTTP/1.x\r\nHost: example.com\r\n\r\n", "", {400, 505}},
      {"origin_form_without_slash", "GET case{T} HTTP/1.1\r\nHost: example.com\r\n\r\n", "", k400},
      {"absolute_form_malformed", "GET http:{T} HTTP/1.1\r\nHost: example.com\r\n\r\n", "", k400},
      {"absolute_form_bad_authority", "GET http://[bad{T} HTTP/1.1\r\nHost: example.com\r\n\r\n", "", k400},
      {"asterisk_form_get", "GET * HTTP/1.1\r\nHost: example.com\r\nX-Case: {T}\r\n\r\n", "", k400},
      // --- Host
      {"multiple_host", "GET {T} HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n", "", k400},
      {"missing_host_http11", "GET {T} HTTP/1.1\r\nX-A: b\r\n\r\n", "", k400},
      {"host_with_space", "GET {T} HTTP/1.1\r\nHost: a b.example\r\n\r\n", "", k400},
  };
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

// One origin + one aegis shared by every case of this suite (each case uses fresh connections and unique paths).
class Smuggling : public ::testing::TestWithParam<std::size_t> {
 protected:
  static void SetUpTestSuite() {
    origin_ = new OriginProcess();
    aegis_ = new AegisProcess();
    std::string error;
    if (!aegis_->start(basic_config(), {{"ORIGIN_PORT", std::to_string(origin_->port())}}, &error)) {
      start_error_ = new std::string(error);
    }
  }
  static void TearDownTestSuite() {
    delete aegis_;
    delete origin_;
    delete start_error_;
    aegis_ = nullptr;
    origin_ = nullptr;
    start_error_ = nullptr;
  }
  void SetUp() override {
    if (start_error_) FAIL() << "aegis did not start: " << *start_error_;
  }

  static OriginProcess* origin_;
  static AegisProcess* aegis_;
  static std::string* start_error_;
};

OriginProcess* Smuggling::origin_ = nullptr;
AegisProcess* Smuggling::aegis_ = nullptr;
std::string* Smuggling::start_error_ = nullptr;

// Sends a normal request on a new connection and waits for it to be answered: anything the proxy wrongly forwarded
// earlier has then had every chance to reach the origin's log.
void sync_with_origin(uint16_t port, const std::string& path) {
  auto r = http_get(port, path);
  ASSERT_EQ(r.status, 200) << "sentinel " << path << " failed";
}

TEST_P(Smuggling, RejectedClosedAndNeverForwarded) {
  const auto cases = corpus();
  const std::size_t n = GetParam();
  const Case& c = cases[n];
  const std::string marker = "/case-" + std::to_string(n) + "-" + c.name;
  const std::string smuggled = "/smuggled-" + std::to_string(n) + "-end";
  std::string bytes = replace_all(c.head, "{T}", marker) + c.body + "GET " + smuggled +
                      " HTTP/1.1\r\nHost: example.com\r\n\r\n";

  RawClient client(aegis_->port());
  ASSERT_TRUE(client.connected());
  client.send(bytes);  // the proxy may close before reading everything: that is fine
  ReadResult r = client.read_until_close(15s);

  ASSERT_FALSE(r.timed_out) << c.name << ": connection not closed; got " << r.responses.size()
                            << " responses, raw:\n" << r.raw.substr(0, 600);
  EXPECT_TRUE(r.closed);
  ASSERT_EQ(r.responses.size(), 1u) << c.name << ": raw:\n" << r.raw.substr(0, 600);
  EXPECT_TRUE(c.statuses.count(r.responses[0].status))
      << c.name << ": unexpected status " << r.responses[0].status << "\n" << r.raw.substr(0, 600);

  sync_with_origin(aegis_->port(), "/sentinel-" + std::to_string(n));
  // Searched in the whole log (targets, headers, bodies, unparseable bytes): not one byte of it got through.
  const std::string log = origin_->log_text();
  EXPECT_EQ(log.find(smuggled), std::string::npos) << c.name << ": pipelined request reached the origin\n" << log;
  EXPECT_EQ(log.find(marker), std::string::npos) << c.name << ": malformed request reached the origin\n" << log;
}

INSTANTIATE_TEST_SUITE_P(Corpus, Smuggling, ::testing::Range<std::size_t>(0, corpus().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           return std::to_string(info.param) + "_" + corpus()[info.param].name;
                         });

TEST(SmugglingCorpus, HasAtLeastThirtyCases) { EXPECT_GE(corpus().size(), 30u); }

// Controls: the same shape of pipelines, well-formed, reach the origin in order on one client connection.
class PipelineControl : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(aegis.start(basic_config(), {{"ORIGIN_PORT", std::to_string(origin.port())}}, &error)) << error;
  }
  OriginProcess origin;
  AegisProcess aegis;
};

TEST_F(PipelineControl, ContentLengthBodyThenPipelinedGet) {
  RawClient c(aegis.port());
  ASSERT_TRUE(c.send("POST /first HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello"
                     "GET /second HTTP/1.1\r\nHost: example.com\r\n\r\n"));
  auto r = c.read_responses(2, 15s);
  ASSERT_EQ(r.responses.size(), 2u) << r.raw;
  EXPECT_EQ(r.responses[0].status, 200);
  EXPECT_EQ(r.responses[1].status, 200);
  EXPECT_FALSE(r.closed);
  ASSERT_TRUE(origin.wait_for_requests(2));
  auto entries = origin.log_entries();
  ASSERT_EQ(origin.targets(), (std::vector<std::string>{"/first", "/second"}));
  EXPECT_EQ(entries[0]["body_length"], 5);
  EXPECT_EQ(entries[0]["body"], "hello");
}

TEST_F(PipelineControl, ChunkedBodyThenPipelinedGet) {
  RawClient c(aegis.port());
  ASSERT_TRUE(c.send("POST /first HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                     "GET /second HTTP/1.1\r\nHost: example.com\r\n\r\n"));
  auto r = c.read_responses(2, 15s);
  ASSERT_EQ(r.responses.size(), 2u) << r.raw;
  EXPECT_EQ(r.responses[0].status, 200);
  EXPECT_EQ(r.responses[1].status, 200);
  ASSERT_TRUE(origin.wait_for_requests(2));
  auto entries = origin.log_entries();
  ASSERT_EQ(origin.targets(), (std::vector<std::string>{"/first", "/second"}));
  EXPECT_EQ(entries[0]["body"], "hello world");
}

}  // namespace
