// Edge functions across reloads and shutdown, through the real `aegis serve`: routes and modules changed by
// SIGHUP and POST /reload while clients keep sending requests (none may fail), a module that fails to load keeping
// the previous version, and a shutdown whose drain timeout abandons a request while its chain is still running on
// the blocking executor (run under ASan, this catches a completion touching the freed request).
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "edge_test_util.h"

using namespace aegis::test;
using namespace aegis::test::edge;

namespace {

// Replaces `to` atomically (a reload reading it never sees half a file).
void install(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to + ".tmp", std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(to + ".tmp", to);
}

TEST_F(Edge, ReloadUnderConcurrentLoadFailsNoRequest) {
  install(wasm("edge_append_a"), aegis.file("swap.wasm"));
  const std::string v1 = config(fn("swap", "swap.wasm"), route("/x", "swap"));
  const std::string v2 = config(fn("swap", "swap.wasm") + fn("b", wasm("edge_append_b")),
                                route("/x", "swap, b") +
                                    "  - {path: \"/y/**\", methods: [GET], origin: origin, functions: [b]}\n");
  start(v1);
  ASSERT_TRUE(started);

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::mutex mu;
  std::string first_failure;
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t)
    clients.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        std::string target = (t == 2 ? "/y/" : "/x/") + std::to_string(i);
        auto r = http_get(aegis.port(), target);
        std::string chain = r.header("x-chain-response").value_or("");
        bool good = r.status == 200 && (t == 2 || !chain.empty());
        (good ? ok : failed)++;
        if (!good) {
          std::lock_guard lock(mu);
          if (first_failure.empty())
            first_failure = target + ": status " + std::to_string(r.status) + " chain '" + chain + "'";
        }
      }
    });

  auto chain_of_x = [&] { return http_get(aegis.port(), "/x/probe").header("x-chain-response").value_or(""); };
  for (int round = 0; round < 3; ++round) {
    // Module swap (b) and route change (v2) by SIGHUP.
    install(wasm("edge_append_b"), aegis.file("swap.wasm"));
    ASSERT_TRUE(aegis.reload(v2));
    EXPECT_TRUE(eventually([&] { return chain_of_x() == "bb"; })) << chain_of_x();
    EXPECT_EQ(http_get(aegis.port(), "/y/z").header("x-chain-response"), "b");
    // Back (a, v1) by POST /reload.
    install(wasm("edge_append_a"), aegis.file("swap.wasm"));
    write_file(aegis.config_path(), substitute(v1, aegis.vars()));
    auto post = http_request(aegis.admin_port(), "POST", "/reload");
    EXPECT_EQ(post.status, 200) << post.body;
    EXPECT_TRUE(eventually([&] { return chain_of_x() == "a"; })) << chain_of_x();
    // A module that does not load: refused, the previous version keeps serving, the reason is reported.
    write_file(aegis.file("swap.wasm"), "not wasm");
    auto refused = http_request(aegis.admin_port(), "POST", "/reload");
    EXPECT_NE(refused.status, 200);
    EXPECT_NE(refused.body.find("swap.wasm"), std::string::npos) << refused.body;
    EXPECT_EQ(chain_of_x(), "a");
    install(wasm("edge_append_a"), aegis.file("swap.wasm"));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(failed.load(), 0) << first_failure;
  EXPECT_GT(ok.load(), 30);
  EXPECT_NE(aegis.stderr_text().find("reload refused"), std::string::npos);
  EXPECT_EQ(aegis.stop(), 0);
}

TEST_F(Edge, ShutdownWhileABlockingChainRunsDoesNotTouchTheAbandonedRequest) {
  AegisProcess::Options options;
  options.extra_args = {"--drain-timeout", "0.2"};
  // fetch (outbound, slow) then security, which answers 401 itself: the completion writes the local response.
  start(config(fn("fetch", wasm("edge_fetch_status"), "    timeout: 5s\n") +
                   fn("security", wasm("example_security")),
               route("/api/", "fetch, security")),
        {}, options);
  ASSERT_TRUE(started);
  std::string url = "http://127.0.0.1:" + std::to_string(origin.port()) + "/delay/1500";
  std::thread client([&] { http_get(aegis.port(), "/api/slow", {{"x-fetch-url", url}}); });
  EXPECT_TRUE(eventually([&] {
    for (const auto& t : origin.targets())
      if (t == "/delay/1500") return true;
    return false;
  }));
  auto code = aegis.stop();
  client.join();
  EXPECT_EQ(code, 0) << aegis.stderr_text();
  EXPECT_EQ(aegis.stderr_text().find("AddressSanitizer"), std::string::npos) << aegis.stderr_text();
  EXPECT_EQ(aegis.stderr_text().find("runtime error"), std::string::npos) << aegis.stderr_text();
}

}  // namespace
