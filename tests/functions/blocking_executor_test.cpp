// BlockingExecutor: a module blocked in http_get on a slow server does not hold up an event loop or other
// threads; the queue is bounded and refuses with a clear outcome; completions carry each invocation's result.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <future>
#include <thread>

#include "fixtures.h"
#include "functions/blocking_executor.h"
#include "hostapi/curl_http_fetcher.h"

namespace aegis::functions {
namespace {

namespace asio = boost::asio;
using test::load_fixture;
using test::make_context;
using test::SlowHttpServer;
using namespace std::chrono_literals;

// An io_context running on its own thread, like one proxy worker.
struct EventLoop {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  std::thread thread{[this] { io.run(); }};
  ~EventLoop() {
    guard.reset();
    io.stop();
    thread.join();
  }
};

std::shared_ptr<hostapi::InvocationContext> fetch_context(const std::string& url, hostapi::HttpFetcher* http) {
  auto ctx = std::make_shared<hostapi::InvocationContext>(make_context({{"x-url", url}}));
  ctx->http = http;
  return ctx;
}

TEST(BlockingExecutorTest, SlowOutboundCallDoesNotStallTheEventLoop) {
  auto fetch = load_fixture("fn_http_fetch");
  auto normal = load_fixture("fn_header_inject");
  ASSERT_TRUE(fetch && normal);
  ASSERT_TRUE(fetch->needs_blocking);

  SlowHttpServer server("slow-body");
  hostapi::CurlHttpFetcher http;
  BlockingExecutor exec(BlockingExecutorOptions{1, 8, {}});
  EventLoop loop;
  const auto loop_thread = loop.thread.get_id();

  auto ctx = fetch_context(server.url("/slow"), &http);
  std::promise<Outcome> done;
  std::atomic<bool> completed{false};
  std::thread::id completion_thread;
  std::thread::id delivered_on;
  asio::post(loop.io, [&] {
    bool queued = exec.submit(fetch, "handle_request", ctx, FunctionLimits::edge_function(), [&](Outcome out) {
      completion_thread = std::this_thread::get_id();
      // What a proxy worker does: hand the result back to its own event loop.
      asio::post(loop.io, [&, out = std::move(out)]() mutable {
        delivered_on = std::this_thread::get_id();
        completed = true;
        done.set_value(std::move(out));
      });
    });
    EXPECT_TRUE(queued);
  });

  // The guest is now blocked inside http_get: the server has the request and is holding its answer.
  ASSERT_TRUE(server.wait_for_requests(1)) << "the module never reached the server";

  // Meanwhile the event loop keeps serving other work...
  std::promise<void> tick;
  asio::post(loop.io, [&] { tick.set_value(); });
  ASSERT_EQ(tick.get_future().wait_for(20s), std::future_status::ready) << "the event loop is stalled";
  EXPECT_FALSE(completed.load());
  EXPECT_EQ(server.requests(), 1);

  // ...and so does another thread running edge functions.
  FunctionRunner runner;
  test::expect_serves_normally(runner, *normal, "nothing (while an http_get is in flight)");
  EXPECT_FALSE(completed.load());

  server.release();
  auto fut = done.get_future();
  ASSERT_EQ(fut.wait_for(20s), std::future_status::ready) << "the blocked invocation never completed";
  Outcome out = fut.get();
  EXPECT_EQ(out.status, OutcomeStatus::Ok) << label(out.status) << ": " << out.message;
  EXPECT_TRUE(ctx->response.body_set);
  EXPECT_EQ(ctx->response.body, "slow-body");
  EXPECT_EQ(ctx->calls(hostapi::HostCall::HttpGet), 1u);
  EXPECT_NE(completion_thread, loop_thread);  // ran on the executor's thread
  EXPECT_NE(completion_thread, std::this_thread::get_id());
  EXPECT_EQ(delivered_on, loop_thread);
}

TEST(BlockingExecutorTest, FullQueueIsRefusedWithAnOverloadedOutcome) {
  auto fetch = load_fixture("fn_http_fetch");
  ASSERT_TRUE(fetch);
  SlowHttpServer server("ok");
  hostapi::CurlHttpFetcher http;
  BlockingExecutor exec(BlockingExecutorOptions{1, 1, {}});
  EXPECT_EQ(exec.threads(), 1u);
  EXPECT_EQ(exec.queue_capacity(), 1u);

  std::promise<Outcome> a_done, b_done;
  auto a = fetch_context(server.url("/a"), &http);
  auto b = fetch_context(server.url("/b"), &http);
  auto c = fetch_context(server.url("/c"), &http);
  ASSERT_TRUE(exec.submit(fetch, "handle_request", a, FunctionLimits::edge_function(),
                          [&](Outcome o) { a_done.set_value(std::move(o)); }));
  ASSERT_TRUE(server.wait_for_requests(1));  // A occupies the only thread
  ASSERT_TRUE(exec.submit(fetch, "handle_request", b, FunctionLimits::edge_function(),
                          [&](Outcome o) { b_done.set_value(std::move(o)); }));  // B waits in the queue

  std::optional<Outcome> c_out;
  std::thread::id c_thread;
  bool c_queued = exec.submit(fetch, "handle_request", c, FunctionLimits::edge_function(), [&](Outcome o) {
    c_thread = std::this_thread::get_id();
    c_out = std::move(o);
  });
  EXPECT_FALSE(c_queued);
  ASSERT_TRUE(c_out.has_value()) << "a refused submit must complete immediately";
  EXPECT_EQ(c_out->status, OutcomeStatus::Overloaded);
  EXPECT_STREQ(label(c_out->status), "overloaded");
  EXPECT_NE(c_out->message.find("queue full"), std::string::npos) << c_out->message;
  EXPECT_EQ(c_thread, std::this_thread::get_id());
  EXPECT_EQ(c->calls(hostapi::HostCall::HttpGet), 0u);  // never ran

  auto s = exec.stats();
  EXPECT_EQ(s.submitted, 3u);
  EXPECT_EQ(s.rejected, 1u);
  EXPECT_EQ(s.queued, 1u);

  server.release();
  auto fa = a_done.get_future();
  auto fb = b_done.get_future();
  ASSERT_EQ(fa.wait_for(20s), std::future_status::ready);
  ASSERT_EQ(fb.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(fa.get().status, OutcomeStatus::Ok);
  EXPECT_EQ(fb.get().status, OutcomeStatus::Ok);
  EXPECT_EQ(a->response.body, "ok");
  EXPECT_EQ(b->response.body, "ok");
}

TEST(BlockingExecutorTest, EachCompletionCarriesItsOwnInvocation) {
  auto normal = load_fixture("fn_header_inject");
  ASSERT_TRUE(normal);
  BlockingExecutor exec(BlockingExecutorOptions{2, 64, {}});
  constexpr int kJobs = 16;
  std::vector<std::shared_ptr<hostapi::InvocationContext>> ctxs;
  std::vector<std::promise<Outcome>> done(kJobs);
  for (int i = 0; i < kJobs; ++i) {
    ctxs.push_back(std::make_shared<hostapi::InvocationContext>(make_context({{"x-in", "job" + std::to_string(i)}})));
    ASSERT_TRUE(exec.submit(normal, "handle_request", ctxs.back(), FunctionLimits::edge_function(),
                            [&done, i](Outcome o) { done[i].set_value(std::move(o)); }));
  }
  for (int i = 0; i < kJobs; ++i) {
    auto f = done[i].get_future();
    ASSERT_EQ(f.wait_for(20s), std::future_status::ready);
    EXPECT_EQ(f.get().status, OutcomeStatus::Ok);
    const std::string* v = hostapi::find_header(ctxs[i]->response.headers, "x-out");
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(*v, "job" + std::to_string(i));
  }
}

TEST(BlockingExecutorTest, ShutdownCompletesQueuedWorkAsOverloadedAndWaitsForRunningWork) {
  auto fetch = load_fixture("fn_http_fetch");
  ASSERT_TRUE(fetch);
  SlowHttpServer server("done");
  hostapi::CurlHttpFetcher http;
  BlockingExecutor exec(BlockingExecutorOptions{1, 4, {}});
  std::promise<Outcome> a_done, b_done;
  auto a = fetch_context(server.url("/a"), &http);
  auto b = fetch_context(server.url("/b"), &http);
  ASSERT_TRUE(exec.submit(fetch, "handle_request", a, FunctionLimits::edge_function(),
                          [&](Outcome o) { a_done.set_value(std::move(o)); }));
  ASSERT_TRUE(server.wait_for_requests(1));  // A is running, blocked on the server
  ASSERT_TRUE(exec.submit(fetch, "handle_request", b, FunctionLimits::edge_function(),
                          [&](Outcome o) { b_done.set_value(std::move(o)); }));

  std::thread stopper([&] { exec.shutdown(); });
  // B never runs: it completes as overloaded while A is still blocked.
  auto fb = b_done.get_future();
  ASSERT_EQ(fb.wait_for(20s), std::future_status::ready);
  Outcome ob = fb.get();
  EXPECT_EQ(ob.status, OutcomeStatus::Overloaded);
  EXPECT_NE(ob.message.find("shutting down"), std::string::npos) << ob.message;
  EXPECT_EQ(b->calls(hostapi::HostCall::HttpGet), 0u);

  // Later submits are refused.
  bool refused_called = false;
  EXPECT_FALSE(exec.submit(fetch, "handle_request", fetch_context(server.url("/c"), &http),
                           FunctionLimits::edge_function(), [&](Outcome o) {
                             refused_called = o.status == OutcomeStatus::Overloaded;
                           }));
  EXPECT_TRUE(refused_called);

  // A, already running, finishes normally once the server answers; shutdown() waits for it.
  server.release();
  stopper.join();
  auto fa = a_done.get_future();
  ASSERT_EQ(fa.wait_for(0s), std::future_status::ready) << "shutdown() returned before the running invocation ended";
  EXPECT_EQ(fa.get().status, OutcomeStatus::Ok);
  EXPECT_EQ(a->response.body, "done");
}

TEST(BlockingExecutorTest, OutboundWaitDoesNotCountAgainstTheComputeDeadline) {
  // The server answers only after the test has waited well past the 20 ms deadline; the module still succeeds
  // because a blocking module's deadline is extended by one outbound timeout (CPU stays bounded by fuel).
  auto fetch = load_fixture("fn_http_fetch");
  ASSERT_TRUE(fetch);
  SlowHttpServer server("late");
  hostapi::CurlHttpFetcher http;
  FunctionLimits limits;
  limits.deadline = 20ms;
  limits.http_timeout = 10s;
  EXPECT_EQ(limits.deadline_for(true), 10020ms);
  EXPECT_EQ(limits.deadline_for(false), 20ms);

  BlockingExecutor exec(BlockingExecutorOptions{1, 4, {}});
  auto ctx = fetch_context(server.url("/late"), &http);
  std::promise<Outcome> done;
  ASSERT_TRUE(exec.submit(fetch, "handle_request", ctx, limits, [&](Outcome o) { done.set_value(std::move(o)); }));
  ASSERT_TRUE(server.wait_for_requests(1));
  std::this_thread::sleep_for(200ms);  // 10x the compute deadline
  server.release();
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(20s), std::future_status::ready);
  Outcome out = f.get();
  EXPECT_EQ(out.status, OutcomeStatus::Ok) << label(out.status) << ": " << out.message;
  EXPECT_GE(out.wall, 200ms);
  EXPECT_EQ(ctx->response.body, "late");
}

}  // namespace
}  // namespace aegis::functions
