// redis::Client — the node's one connection to a Redis server (hiredis's async API underneath, driven by the
// client's own I/O thread; hiredis is only ever included by src/redis/*.cpp).
//
//   redis::Client client(options);                          // starts the I/O thread and connects in the background
//   client.command({"SET", client.key("k"), "v"}, [](redis::Result r) { ... });   // never blocks the caller
//   redis::Result r = client.command_sync({"GET", client.key("k")});               // off the event loop only
//
// Guarantees:
//   - Thread-safe: any thread may call command()/pipeline()/command_sync() at any time.
//   - command() never blocks: it queues the command and returns. The callback runs exactly once, on the client's
//     I/O thread (callbacks must not block: they hold up every other reply; hand work back to your own thread).
//   - Pipelining: commands queued by any number of callers are written together and their replies matched in order
//     (one connection; Redis answers in order). pipeline() sends a group back to back and calls back once.
//   - Command timeout (options.command_timeout, or per call): a command without a reply by then completes with
//     Status::kTimeout. A timed-out command means the connection is stuck, so the client drops it (the other
//     in-flight commands complete with kDisconnected) and reconnects.
//   - Reconnect: after a lost connection or a failed connect the client retries with exponential backoff
//     (reconnect_min doubling up to reconnect_max; reset by a successful connect). On connect it sends AUTH
//     (password set) and SELECT (database != 0) ahead of everything else.
//   - While not connected, commands complete at once with Status::kUnavailable (no waiting for a reconnect), so a
//     Redis outage degrades the features that use it instead of stalling requests. connected() lets a caller skip
//     Redis altogether.
//   - Keys: the client does not know which arguments are keys; callers build every key with key(k), which prepends
//     options.key_prefix (config `redis.key_prefix`), so several deployments can share one Redis.
//   - Destruction stops the thread; queued and in-flight commands complete (kUnavailable / kDisconnected) first.
//
// Metrics (process-wide, docs/metrics.md):
//   redis_commands_total{result="ok|error|timeout|unavailable|disconnected"}   completed commands by outcome
//                                      (error = Redis answered with an error reply)
//   redis_connected                    1 while connected, 0 otherwise
//   redis_connects_total{result="ok|error"}   connection attempts
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::redis {

struct ClientOptions {
  std::string host = "127.0.0.1";  // IP literal or name (resolved on the client's thread at each connect)
  uint16_t port = 6379;
  std::string password;            // AUTH on connect when non-empty
  unsigned database = 0;           // SELECT on connect when non-zero
  std::string key_prefix;          // see key()
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{250};
  std::chrono::milliseconds reconnect_min{100};
  std::chrono::milliseconds reconnect_max{5000};
  std::size_t max_in_flight = 100000;  // commands sent but not answered; beyond this new ones are kUnavailable
};

// A Redis reply (RESP2).
struct Reply {
  enum class Type { kNil, kStatus, kError, kInteger, kString, kArray };
  Type type = Type::kNil;
  std::string str;           // kStatus, kError, kString
  long long integer = 0;     // kInteger
  std::vector<Reply> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
  bool is_error() const { return type == Type::kError; }
  bool is_string() const { return type == Type::kString; }
};

enum class Status {
  kOk,            // Redis replied (the reply may be an error reply: see Result::ok())
  kUnavailable,   // not sent: not connected, too many commands in flight, or the client is stopping
  kTimeout,       // sent, no reply within the timeout
  kDisconnected,  // sent, the connection was lost before the reply
};

std::string_view to_string(Status s);

struct Result {
  Status status = Status::kUnavailable;
  Reply reply;  // meaningful when status == kOk

  // Redis replied with something other than an error.
  bool ok() const { return status == Status::kOk && reply.type != Reply::Type::kError; }
  // "ok", "timeout", "ERR wrong number of arguments ...", ... for logs.
  std::string describe() const;
};

using Args = std::vector<std::string>;
using Callback = std::function<void(Result)>;
using PipelineCallback = std::function<void(std::vector<Result>)>;

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Queues one command (args[0] is the command name; binary-safe arguments). `cb` may be empty.
  void command(Args args, Callback cb);
  void command(Args args, Callback cb, std::chrono::milliseconds timeout);

  // Queues the commands back to back (pipelined, in order; not a transaction) and calls `cb` once with every
  // result, in order. An empty list calls back with an empty vector.
  void pipeline(std::vector<Args> commands, PipelineCallback cb);

  // Blocking helpers for threads that may wait (the blocking executor, admin handlers, tests); never call them
  // on an event loop. Called on the client's own thread they return kUnavailable at once (they would deadlock).
  Result command_sync(Args args);
  Result command_sync(Args args, std::chrono::milliseconds timeout);
  std::vector<Result> pipeline_sync(std::vector<Args> commands);

  // Whether the connection is up right now (a hint: it may drop a moment later).
  bool connected() const;
  // Blocks until connected or the timeout passes; returns connected(). For start-up and tests.
  bool wait_connected(std::chrono::milliseconds timeout) const;

  // key_prefix + k.
  std::string key(std::string_view k) const;
  const std::string& key_prefix() const;
  const ClientOptions& options() const;

  // True when called from the client's I/O thread (i.e. from inside a callback).
  bool on_client_thread() const;

  // Counters of this client (the metrics above are process-wide).
  struct Stats {
    uint64_t ok = 0, error = 0, timeout = 0, unavailable = 0, disconnected = 0;
    uint64_t connects = 0, connect_failures = 0;
  };
  Stats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aegis::redis
