// Wall-clock deadline for one invocation at a time (one watchdog thread per Runtime).
//
// arm() starts an invocation's deadline, disarm() ends it. `fire` (e.g. Isolate::TerminateExecution) is called by
// the watchdog thread with the watchdog's mutex held, and only while the invocation that armed it has not been
// disarmed yet; disarm() takes the same mutex, so once it returns no `fire` for that invocation can happen any
// more. disarm() reports whether `fire` ran for the invocation: the caller must then cancel the pending
// interrupt (it may have been raised after the guest had already returned), so it never reaches a later call.
//
// Cost: arm() wakes the thread only when the new deadline is earlier than the one it is sleeping towards, so
// back-to-back calls with the same budget mostly cost two uncontended mutex lock/unlock pairs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace aegis::wasm::v8impl {

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Watchdog(std::function<void()> fire);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void arm(Clock::time_point deadline);
  // Ends the armed invocation; true if `fire` was called for it.
  bool disarm();

 private:
  void run();

  std::function<void()> fire_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool armed_ = false;
  bool fired_ = false;
  Clock::time_point deadline_{};
  Clock::time_point wake_at_ = Clock::time_point::max();  // what the thread sleeps towards (max = idle)
  std::thread thread_;
};

}  // namespace aegis::wasm::v8impl
