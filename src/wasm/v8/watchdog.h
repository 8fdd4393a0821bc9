// Wall-clock deadline for one invocation at a time (one watchdog thread per Runtime).
//
// arm() starts an invocation's deadline, disarm() ends it. `fire` (e.g. Isolate::TerminateExecution) is called by
// the watchdog thread with the watchdog's mutex held, and only for the invocation that is armed when it claims the
// firing (an atomic transition armed → fired of that invocation's generation, which disarm() races against with an
// exchange: exactly one of them wins). disarm() reports whether `fire` was claimed for the invocation and then
// takes the mutex, so once it returns `fire` has completed; the caller must cancel the pending interrupt (it may
// have been raised after the guest had already returned), so it never reaches a later call.
//
// Cost: arm() and disarm() are a few atomic operations. arm() takes the mutex to wake the thread only when the new
// deadline is earlier than the one the thread sleeps towards (or it sleeps with nothing armed), so back-to-back
// calls with the same budget take no lock at all.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
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

  // arm/disarm: from one thread at a time (the isolate's).
  void arm(Clock::time_point deadline);
  // Ends the armed invocation; true if `fire` was called for it.
  bool disarm();

 private:
  static constexpr uint64_t kArmed = 1, kFired = 2, kGenerationShift = 2;
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
  void run();

  std::function<void()> fire_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                            // under mu_
  uint64_t generation_ = 0;                      // of the last arm(); arm/disarm's thread only
  std::atomic<uint64_t> state_{0};               // generation << kGenerationShift | kArmed | kFired
  std::atomic<int64_t> deadline_{0};             // of the armed generation (steady clock, ns)
  std::atomic<int64_t> wake_at_{kNever};         // what the thread sleeps towards (kNever = until notified)
  std::thread thread_;
};

}  // namespace aegis::wasm::v8impl
