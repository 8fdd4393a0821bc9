// Content ids (vectors computed independently with Python's hashlib/base64) and the `aegis cid` command, run as a
// real process (cid_tool is a main() around aegis::cli::cid_main).
#include <gtest/gtest.h>

#include <string_view>

#include "wasm/module/cid.h"
#include "wasm/module/prepare.h"
#include "wasm_tools.h"

namespace aegis::wasm {
namespace {

std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(ContentId, KnownVectors) {
  EXPECT_EQ(content_id({}), "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
  EXPECT_EQ(content_id(as_bytes("hello world")), "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
  std::vector<uint8_t> ramp;
  for (int r = 0; r < 4; ++r) {
    for (int i = 0; i < 256; ++i) ramp.push_back(static_cast<uint8_t>(i));
  }
  EXPECT_EQ(content_id(ramp), "bafkreidylmdvd7bmkpobjjgohwaa42ppttqqbhvte7gpiwfp4cocilbgze");
}

TEST(ContentId, Recognition) {
  EXPECT_TRUE(is_content_id(content_id(as_bytes("x"))));
  EXPECT_TRUE(is_content_id("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"));
  EXPECT_FALSE(is_content_id(""));
  EXPECT_FALSE(is_content_id("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk"));    // short
  EXPECT_FALSE(is_content_id("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykuu"));  // long
  EXPECT_FALSE(is_content_id("Bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"));   // multibase
  EXPECT_FALSE(is_content_id("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk1"));   // alphabet
  EXPECT_FALSE(is_content_id("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykv"));   // padding bits
  // dag-pb (0x70) instead of raw: "bafybei..."
  EXPECT_FALSE(is_content_id("bafybeihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"));
  EXPECT_FALSE(is_content_id("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"));  // CIDv0
}

TEST(ContentId, PreparedModuleCarriesTheCidOfTheOriginalBytes) {
  auto bytes = test::fixture("compute");
  PrepareError err;
  auto m = prepare_module(bytes, {}, {}, &err);
  ASSERT_TRUE(m) << err.message;
  EXPECT_EQ(m->cid, content_id(bytes));
  EXPECT_NE(m->cid, content_id(m->bytes));
}

TEST(CidCommand, PrintsTheCidOfAFile) {
  test::ScratchDir dir;
  auto path = dir.write("m.wasm", as_bytes("hello world"));
  auto r = test::run_tool({CID_TOOL, "cid", path});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e\n");
  auto empty = test::run_tool({CID_TOOL, "cid", dir.write("empty.wasm", {})});
  EXPECT_EQ(empty.output, "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku\n");
}

TEST(CidCommand, UnreadableFileIsAnErrorNamingIt) {
  test::ScratchDir dir;
  auto missing = dir.file("missing.wasm");
  auto r = test::run_tool({CID_TOOL, "cid", missing});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("cannot read " + missing), std::string::npos) << r.output;
  auto d = test::run_tool({CID_TOOL, "cid", dir.file("")});
  EXPECT_EQ(d.exit_code, 1) << d.output;
}

TEST(CidCommand, HelpAndUsage) {
  auto help = test::run_tool({CID_TOOL, "cid", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("Usage: aegis cid FILE.wasm"), std::string::npos);
  auto none = test::run_tool({CID_TOOL, "cid"});
  EXPECT_EQ(none.exit_code, 2);
  auto bad = test::run_tool({CID_TOOL, "cid", "--frobnicate", "x"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("unknown option"), std::string::npos);
}

}  // namespace
}  // namespace aegis::wasm
