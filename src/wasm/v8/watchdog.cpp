#include "wasm/v8/watchdog.h"

namespace aegis::wasm::v8impl {
namespace {

int64_t ns(Watchdog::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

Watchdog::Watchdog(std::function<void()> fire) : fire_(std::move(fire)), thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Watchdog::arm(Clock::time_point deadline) {
  const int64_t d = ns(deadline);
  ++generation_;
  deadline_.store(d, std::memory_order_relaxed);
  // Publishes deadline_ with the new generation. seq_cst with the load below and with run()'s store of wake_at_
  // and re-load of state_: either the thread sees this arming before it sleeps, or this sees what it sleeps towards.
  state_.store(generation_ << kGenerationShift | kArmed, std::memory_order_seq_cst);
  if (d < wake_at_.load(std::memory_order_seq_cst)) {
    std::lock_guard lk(mu_);  // the thread is waiting (or about to look at state_ again): no lost wake-up
    cv_.notify_one();
  }
}

bool Watchdog::disarm() {
  const uint64_t was = state_.exchange(generation_ << kGenerationShift, std::memory_order_seq_cst);
  if (!(was & kFired)) return false;  // the thread can no longer claim this generation
  std::lock_guard lk(mu_);            // `fire` runs under the mutex: it has completed once this is held
  return true;
}

void Watchdog::run() {
  std::unique_lock lk(mu_);
  while (!stop_) {
    uint64_t s = state_.load(std::memory_order_seq_cst);
    if (!(s & kArmed)) {
      wake_at_.store(kNever, std::memory_order_seq_cst);
      if (state_.load(std::memory_order_seq_cst) != s) continue;  // armed meanwhile: look again
      cv_.wait(lk);
      continue;
    }
    // At least this generation's deadline (a newer one if re-armed since: the claim below then fails).
    const int64_t d = deadline_.load(std::memory_order_relaxed);
    if (ns(Clock::now()) >= d) {
      // Claim the firing for generation s; fails if it was disarmed (or re-armed) in the meantime.
      if (state_.compare_exchange_strong(s, (s & ~kArmed) | kFired, std::memory_order_seq_cst)) fire_();
      continue;
    }
    wake_at_.store(d, std::memory_order_seq_cst);
    if (state_.load(std::memory_order_seq_cst) != s) continue;
    cv_.wait_until(lk, Clock::time_point(std::chrono::nanoseconds(d)));
  }
}

}  // namespace aegis::wasm::v8impl
