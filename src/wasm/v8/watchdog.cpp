#include "wasm/v8/watchdog.h"

namespace aegis::wasm::v8impl {

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
  bool wake;
  {
    std::lock_guard lk(mu_);
    armed_ = true;
    fired_ = false;
    deadline_ = deadline;
    wake = deadline < wake_at_;
  }
  if (wake) cv_.notify_one();
}

bool Watchdog::disarm() {
  std::lock_guard lk(mu_);
  armed_ = false;
  bool fired = fired_;
  fired_ = false;
  return fired;
}

void Watchdog::run() {
  std::unique_lock lk(mu_);
  while (!stop_) {
    if (!armed_) {
      wake_at_ = Clock::time_point::max();
      cv_.wait(lk);
      continue;
    }
    if (Clock::now() >= deadline_) {
      fired_ = true;
      armed_ = false;  // once per invocation
      fire_();
      continue;
    }
    wake_at_ = deadline_;
    cv_.wait_until(lk, deadline_);
  }
}

}  // namespace aegis::wasm::v8impl
