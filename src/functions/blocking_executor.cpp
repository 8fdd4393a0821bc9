#include "functions/blocking_executor.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace aegis::functions {

namespace {

struct Job {
  std::shared_ptr<const EdgeModule> module;
  std::string entry;
  std::shared_ptr<hostapi::InvocationContext> ctx;
  FunctionLimits limits;
  BlockingExecutor::Completion completion;
};

Outcome overloaded(std::string message) {
  Outcome o;
  o.status = OutcomeStatus::Overloaded;
  o.message = std::move(message);
  return o;
}

}  // namespace

struct BlockingExecutor::Impl {
  BlockingExecutorOptions options;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> queue;
  bool stopping = false;
  BlockingExecutorStats stats;
  std::vector<std::thread> threads;
  std::mutex join_mu;  // shutdown() from two threads joins once

  void worker() {
    FunctionRunner runner(options.runner);  // this thread's isolate and instances
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (stopping) return;  // shutdown() completes whatever is still queued
        job = std::move(queue.front());
        queue.pop_front();
        ++stats.running;
      }
      Outcome out = runner.invoke(*job.module, job.entry, *job.ctx, job.limits);
      if (job.completion) job.completion(std::move(out));
      job = Job{};  // release module/context before reporting completion
      {
        std::lock_guard lock(mu);
        --stats.running;
        ++stats.completed;
      }
    }
  }
};

BlockingExecutor::BlockingExecutor(BlockingExecutorOptions options) : impl_(std::make_unique<Impl>()) {
  if (options.threads == 0) options.threads = 1;
  impl_->options = std::move(options);
  impl_->threads.reserve(impl_->options.threads);
  for (unsigned i = 0; i < impl_->options.threads; ++i) impl_->threads.emplace_back([this] { impl_->worker(); });
}

BlockingExecutor::~BlockingExecutor() { shutdown(); }

void BlockingExecutor::shutdown() {
  std::deque<Job> left;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
    left.swap(impl_->queue);
  }
  impl_->cv.notify_all();
  for (auto& job : left)
    if (job.completion) job.completion(overloaded("blocking executor shutting down; invocation not run"));
  left.clear();
  std::lock_guard join_lock(impl_->join_mu);
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
}

bool BlockingExecutor::submit(std::shared_ptr<const EdgeModule> module, std::string entry,
                              std::shared_ptr<hostapi::InvocationContext> ctx, const FunctionLimits& limits,
                              Completion completion) {
  std::string refused;
  {
    std::lock_guard lock(impl_->mu);
    ++impl_->stats.submitted;
    if (!module || !ctx) {
      refused = "blocking executor: no module or no context";
    } else if (impl_->stopping) {
      refused = "blocking executor shutting down";
    } else if (impl_->queue.size() >= impl_->options.queue_capacity) {
      refused = "blocking executor queue full (" + std::to_string(impl_->options.queue_capacity) +
                " invocations waiting for " + std::to_string(impl_->options.threads) + " threads)";
    }
    if (refused.empty()) {
      impl_->queue.push_back(Job{std::move(module), std::move(entry), std::move(ctx), limits, std::move(completion)});
    } else {
      ++impl_->stats.rejected;
    }
  }
  if (!refused.empty()) {
    if (completion) completion(overloaded(std::move(refused)));
    return false;
  }
  impl_->cv.notify_one();
  return true;
}

BlockingExecutorStats BlockingExecutor::stats() const {
  std::lock_guard lock(impl_->mu);
  BlockingExecutorStats s = impl_->stats;
  s.queued = impl_->queue.size();
  return s;
}

unsigned BlockingExecutor::threads() const { return impl_->options.threads; }
std::size_t BlockingExecutor::queue_capacity() const { return impl_->options.queue_capacity; }

}  // namespace aegis::functions
