#include "redis/client.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "log/logging.h"
#include "metrics/metrics.h"

namespace aegis::redis {

using Clock = std::chrono::steady_clock;

std::string_view to_string(Status s) {
  switch (s) {
    case Status::kOk: return "ok";
    case Status::kUnavailable: return "unavailable";
    case Status::kTimeout: return "timeout";
    case Status::kDisconnected: return "disconnected";
  }
  return "?";
}

std::string Result::describe() const {
  if (status != Status::kOk) return std::string(to_string(status));
  if (reply.type == Reply::Type::kError) return reply.str;
  return "ok";
}

namespace {

struct ProcessMetrics {
  metrics::Counter ok, error, timeout, unavailable, disconnected;
  metrics::Counter connect_ok, connect_error;
  metrics::Gauge connected;
};

const ProcessMetrics& process_metrics() {
  static const ProcessMetrics m = [] {
    ProcessMetrics p;
    auto commands = metrics::global().counter("redis_commands_total", "Redis commands completed, by outcome.");
    p.ok = commands.with({{"result", "ok"}});
    p.error = commands.with({{"result", "error"}});
    p.timeout = commands.with({{"result", "timeout"}});
    p.unavailable = commands.with({{"result", "unavailable"}});
    p.disconnected = commands.with({{"result", "disconnected"}});
    auto connects = metrics::global().counter("redis_connects_total", "Redis connection attempts, by outcome.");
    p.connect_ok = connects.with({{"result", "ok"}});
    p.connect_error = connects.with({{"result", "error"}});
    p.connected = metrics::global().gauge("redis_connected", "1 while the Redis connection is up.").with();
    return p;
  }();
  return m;
}

Reply convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      out.type = Reply::Type::kNil;
      break;
  }
  return out;
}

}  // namespace

struct Client::Impl {
  // A command waiting in the queue for the I/O thread.
  struct Op {
    Args args;
    Callback cb;
    std::chrono::milliseconds timeout;
  };
  // A command handed to hiredis; owned by hiredis's callback (privdata), deleted when that callback runs (with a
  // reply, or with nullptr when the connection goes away).
  struct Pending {
    Impl* impl = nullptr;
    Callback cb;
    bool done = false;      // completed by a timeout already; the late reply is dropped
    bool internal = false;  // AUTH/SELECT sent by the client itself
    std::multimap<Clock::time_point, Pending*>::iterator deadline;
  };
  enum class State { kWaiting, kConnecting, kConnected };

  ClientOptions opt;
  const ProcessMetrics& pm = process_metrics();

  // Shared with callers.
  std::mutex mu;
  std::deque<Op> queue;
  bool stopping = false;
  int wake_fd = -1;
  std::atomic<bool> up{false};
  mutable std::mutex up_mu;
  mutable std::condition_variable up_cv;
  std::atomic<uint64_t> n_ok{0}, n_error{0}, n_timeout{0}, n_unavailable{0}, n_disconnected{0};
  std::atomic<uint64_t> n_connects{0}, n_connect_failures{0};
  std::thread thread;
  std::thread::id thread_id;

  // I/O thread only.
  redisAsyncContext* ac = nullptr;
  State state = State::kWaiting;
  bool want_read = false, want_write = false;
  Clock::time_point connect_deadline{};
  Clock::time_point reconnect_at{};
  std::chrono::milliseconds backoff{0};
  std::multimap<Clock::time_point, Pending*> deadlines;  // in-flight commands by deadline
  bool failure_logged = false;  // one warning per outage, not one per retry

  explicit Impl(ClientOptions o) : opt(std::move(o)) {
    if (opt.reconnect_min.count() <= 0) opt.reconnect_min = std::chrono::milliseconds(1);
    if (opt.reconnect_max < opt.reconnect_min) opt.reconnect_max = opt.reconnect_min;
    backoff = opt.reconnect_min;
    wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) throw std::runtime_error(std::string("redis client: eventfd: ") + std::strerror(errno));
    pm.connected.set(0);
  }
  ~Impl() {
    if (wake_fd >= 0) ::close(wake_fd);
  }

  void wake() {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }

  void enqueue(Op op) {
    bool queued = false, was_empty = false;
    {
      std::lock_guard lock(mu);
      if (!stopping) {
        was_empty = queue.empty();
        queue.push_back(std::move(op));
        queued = true;
      }
    }
    if (!queued) {  // the caller is racing the destructor: still call back exactly once
      complete(op.cb, Result{});
      return;
    }
    if (was_empty) wake();
  }

  void count(Status s, bool error_reply) {
    switch (s) {
      case Status::kOk:
        if (error_reply) {
          pm.error.inc();
          ++n_error;
        } else {
          pm.ok.inc();
          ++n_ok;
        }
        break;
      case Status::kUnavailable:
        pm.unavailable.inc();
        ++n_unavailable;
        break;
      case Status::kTimeout:
        pm.timeout.inc();
        ++n_timeout;
        break;
      case Status::kDisconnected:
        pm.disconnected.inc();
        ++n_disconnected;
        break;
    }
  }

  static void deliver(const Callback& cb, Result r) {
    if (!cb) return;
    try {
      cb(std::move(r));
    } catch (const std::exception& e) {
      log::logger().error("redis: a command callback threw: {}", e.what());
    } catch (...) {
      log::logger().error("redis: a command callback threw");
    }
  }

  void complete(const Callback& cb, Result r) {
    count(r.status, r.status == Status::kOk && r.reply.is_error());
    deliver(cb, std::move(r));
  }

  void set_up(bool v) {
    {
      std::lock_guard lock(up_mu);
      up.store(v);
    }
    up_cv.notify_all();
    pm.connected.set(v ? 1 : 0);
  }

  // --- hiredis event hooks (the loop polls the one fd with the interest hiredis asks for) ---
  static void ev_add_read(void* p) { static_cast<Impl*>(p)->want_read = true; }
  static void ev_del_read(void* p) { static_cast<Impl*>(p)->want_read = false; }
  static void ev_add_write(void* p) { static_cast<Impl*>(p)->want_write = true; }
  static void ev_del_write(void* p) { static_cast<Impl*>(p)->want_write = false; }
  static void ev_cleanup(void* p) {
    auto* self = static_cast<Impl*>(p);
    self->want_read = self->want_write = false;
  }

  static void on_reply(redisAsyncContext* /*ac*/, void* r, void* privdata) {
    std::unique_ptr<Pending> p(static_cast<Pending*>(privdata));
    if (p->done) return;
    Impl* self = p->impl;
    self->deadlines.erase(p->deadline);
    Result res;
    if (r) {
      res.status = Status::kOk;
      res.reply = convert(static_cast<redisReply*>(r));
    } else {
      res.status = Status::kDisconnected;
    }
    if (p->internal) {
      if (!res.ok() && r) log::logger().error("redis {}:{}: {}", self->opt.host, self->opt.port, res.describe());
      return;
    }
    self->complete(p->cb, std::move(res));
  }

  static void on_connect(const redisAsyncContext* c, int status) {
    auto* self = static_cast<Impl*>(c->data);
    if (status != REDIS_OK) {
      // hiredis frees the context after this callback.
      self->connect_failed(c->errstr ? c->errstr : "connect failed");
      self->ac = nullptr;
      return;
    }
    self->state = State::kConnected;
    self->backoff = self->opt.reconnect_min;
    self->pm.connect_ok.inc();
    ++self->n_connects;
    if (self->failure_logged) log::logger().info("redis {}:{}: connected again", self->opt.host, self->opt.port);
    else log::logger().info("redis {}:{}: connected", self->opt.host, self->opt.port);
    self->failure_logged = false;
    if (!self->opt.password.empty()) self->send({"AUTH", self->opt.password}, nullptr, self->opt.command_timeout, true);
    if (self->opt.database != 0)
      self->send({"SELECT", std::to_string(self->opt.database)}, nullptr, self->opt.command_timeout, true);
    self->set_up(true);
  }

  static void on_disconnect(const redisAsyncContext* c, int status) {
    auto* self = static_cast<Impl*>(c->data);
    // hiredis frees the context after this callback.
    self->ac = nullptr;
    self->state = State::kWaiting;
    self->set_up(false);
    if (self->stopping_now()) return;
    if (!self->failure_logged)
      log::logger().warn("redis {}:{}: connection lost{}{} (reconnecting)", self->opt.host, self->opt.port,
                         status == REDIS_OK ? "" : ": ", status == REDIS_OK ? "" : (c->errstr ? c->errstr : ""));
    self->failure_logged = true;
    self->backoff = self->opt.reconnect_min;
    self->reconnect_at = Clock::now() + self->backoff;
  }

  bool stopping_now() {
    std::lock_guard lock(mu);
    return stopping;
  }

  void connect_failed(const std::string& why) {
    state = State::kWaiting;
    pm.connect_error.inc();
    ++n_connect_failures;
    if (!failure_logged)
      log::logger().warn("redis {}:{}: cannot connect: {} (retrying with backoff up to {} ms)", opt.host, opt.port,
                         why, opt.reconnect_max.count());
    failure_logged = true;
    reconnect_at = Clock::now() + backoff;
    backoff = std::min(backoff * 2, opt.reconnect_max);
  }

  void start_connect() {
    redisAsyncContext* c = redisAsyncConnect(opt.host.c_str(), opt.port);
    if (!c) {
      connect_failed("out of memory");
      return;
    }
    if (c->err) {
      std::string why = c->errstr ? c->errstr : "error";
      redisAsyncFree(c);
      connect_failed(why);
      return;
    }
    ac = c;
    ac->data = this;
    ac->ev.data = this;
    ac->ev.addRead = ev_add_read;
    ac->ev.delRead = ev_del_read;
    ac->ev.addWrite = ev_add_write;
    ac->ev.delWrite = ev_del_write;
    ac->ev.cleanup = ev_cleanup;
    state = State::kConnecting;
    connect_deadline = Clock::now() + opt.connect_timeout;
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    redisAsyncSetConnectCallback(ac, on_connect);  // asks for the first write event (connect completion)
  }

  // Hands one command to hiredis (connected only). Returns false if hiredis refused it.
  bool send(const Args& args, Callback cb, std::chrono::milliseconds timeout, bool internal) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* p = new Pending;
    p->impl = this;
    p->cb = std::move(cb);
    p->internal = internal;
    p->deadline = deadlines.emplace(Clock::now() + timeout, p);
    if (redisAsyncCommandArgv(ac, on_reply, p, static_cast<int>(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
      deadlines.erase(p->deadline);
      Callback back = std::move(p->cb);
      delete p;
      if (!internal) complete(back, Result{});
      return false;
    }
    return true;
  }

  void dispatch(Op& op) {
    if (op.args.empty()) {
      Result r;
      r.status = Status::kOk;
      r.reply.type = Reply::Type::kError;
      r.reply.str = "ERR empty command";
      complete(op.cb, std::move(r));
      return;
    }
    if (state != State::kConnected || !ac || deadlines.size() >= opt.max_in_flight) {
      complete(op.cb, Result{});
      return;
    }
    send(op.args, std::move(op.cb), op.timeout, false);
  }

  // Commands past their deadline complete with kTimeout; then the connection is dropped (it is stuck or the
  // server is overloaded: the remaining replies would arrive too late too) and re-established with backoff.
  void expire_commands(Clock::time_point now) {
    bool expired = false;
    while (!deadlines.empty() && deadlines.begin()->first <= now) {
      Pending* p = deadlines.begin()->second;
      deadlines.erase(deadlines.begin());
      p->done = true;  // hiredis still owns it; its callback frees it
      expired = true;
      if (!p->internal) {
        Result r;
        r.status = Status::kTimeout;
        complete(p->cb, std::move(r));
      }
      p->cb = nullptr;
    }
    if (expired && ac) {
      log::logger().warn("redis {}:{}: command timed out; dropping the connection", opt.host, opt.port);
      failure_logged = true;
      redisAsyncContext* c = ac;
      redisAsyncFree(c);  // in-flight callbacks run with nullptr; on_disconnect schedules the reconnect
      ac = nullptr;
      state = State::kWaiting;
      set_up(false);
      if (reconnect_at <= now) reconnect_at = now + backoff;
    }
  }

  void run() {
    start_connect();
    std::deque<Op> batch;
    for (;;) {
      {
        std::lock_guard lock(mu);
        if (stopping) break;
        batch.swap(queue);
      }
      for (auto& op : batch) dispatch(op);
      batch.clear();

      auto now = Clock::now();
      Clock::time_point next = now + std::chrono::seconds(1);
      if (!deadlines.empty()) next = std::min(next, deadlines.begin()->first);
      if (state == State::kConnecting) next = std::min(next, connect_deadline);
      if (state == State::kWaiting) next = std::min(next, reconnect_at);
      int timeout_ms = 0;
      if (next > now)
        timeout_ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(next - now).count());

      pollfd fds[2];
      fds[0] = {wake_fd, POLLIN, 0};
      nfds_t n = 1;
      if (ac && (want_read || want_write)) {
        short ev = 0;
        if (want_read) ev |= POLLIN;
        if (want_write) ev |= POLLOUT;
        fds[1] = {ac->c.fd, ev, 0};
        n = 2;
      }
      int rc = ::poll(fds, n, timeout_ms);
      if (rc < 0 && errno != EINTR) {
        log::logger().error("redis client: poll: {}", std::strerror(errno));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (rc > 0 && (fds[0].revents & POLLIN)) {
        uint64_t v;
        [[maybe_unused]] auto r = ::read(wake_fd, &v, sizeof v);
      }
      if (rc > 0 && n == 2 && ac) {
        short re = fds[1].revents;
        if ((re & (POLLIN | POLLERR | POLLHUP)) && want_read) redisAsyncHandleRead(ac);
        if (ac && (re & (POLLOUT | POLLERR | POLLHUP)) && want_write) redisAsyncHandleWrite(ac);
      }

      now = Clock::now();
      expire_commands(now);
      if (state == State::kConnecting && ac && now >= connect_deadline) {
        redisAsyncContext* c = ac;
        ac = nullptr;
        redisAsyncFree(c);  // not connected yet: no disconnect callback
        connect_failed("connect timeout");
      }
      if (state == State::kWaiting && !ac && now >= reconnect_at) start_connect();
    }

    // Stopping: everything still in flight or queued completes now.
    if (ac) {
      redisAsyncContext* c = ac;
      redisAsyncFree(c);
      ac = nullptr;
    }
    set_up(false);
    std::deque<Op> rest;
    {
      std::lock_guard lock(mu);
      rest.swap(queue);
    }
    for (auto& op : rest) complete(op.cb, Result{});
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  Impl* impl = impl_.get();
  std::promise<void> started;
  auto f = started.get_future();
  impl_->thread = std::thread([impl, &started] {
    impl->thread_id = std::this_thread::get_id();
    started.set_value();
    impl->run();
  });
  f.wait();
}

Client::~Client() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->wake();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void Client::command(Args args, Callback cb) { command(std::move(args), std::move(cb), impl_->opt.command_timeout); }

void Client::command(Args args, Callback cb, std::chrono::milliseconds timeout) {
  impl_->enqueue(Impl::Op{std::move(args), std::move(cb), timeout});
}

void Client::pipeline(std::vector<Args> commands, PipelineCallback cb) {
  if (commands.empty()) {
    command({"PING"}, [cb = std::move(cb)](Result) {
      if (cb) cb({});
    });
    return;
  }
  struct Group {
    std::vector<Result> results;
    std::size_t remaining;
    PipelineCallback cb;
  };
  auto g = std::make_shared<Group>();
  g->results.resize(commands.size());
  g->remaining = commands.size();
  g->cb = std::move(cb);
  // Queued under one lock so no other caller's command lands in between (not required for correctness, but keeps
  // the group in one write).
  std::vector<Impl::Op> ops;
  ops.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    ops.push_back(Impl::Op{std::move(commands[i]),
                           [g, i](Result r) {
                             g->results[i] = std::move(r);  // callbacks all run on the I/O thread
                             if (--g->remaining == 0 && g->cb) g->cb(std::move(g->results));
                           },
                           impl_->opt.command_timeout});
  }
  bool was_empty = false, queued = false;
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->stopping) {
      was_empty = impl_->queue.empty();
      for (auto& op : ops) impl_->queue.push_back(std::move(op));
      queued = true;
    }
  }
  if (!queued) {
    for (auto& op : ops) impl_->complete(op.cb, Result{});
    return;
  }
  if (was_empty) impl_->wake();
}

Result Client::command_sync(Args args) { return command_sync(std::move(args), impl_->opt.command_timeout); }

Result Client::command_sync(Args args, std::chrono::milliseconds timeout) {
  if (on_client_thread()) {
    log::logger().error("redis: command_sync called from the client's own thread (would deadlock)");
    impl_->count(Status::kUnavailable, false);
    return Result{};
  }
  auto promise = std::make_shared<std::promise<Result>>();
  auto future = promise->get_future();
  command(std::move(args), [promise](Result r) { promise->set_value(std::move(r)); }, timeout);
  // The client completes every command within its timeout (plus a loop turn); the extra margin only guards
  // against a wedged I/O thread.
  if (future.wait_for(timeout + std::chrono::seconds(5)) != std::future_status::ready) {
    Result r;
    r.status = Status::kTimeout;
    return r;
  }
  return future.get();
}

std::vector<Result> Client::pipeline_sync(std::vector<Args> commands) {
  const std::size_t n = commands.size();
  if (on_client_thread()) {
    log::logger().error("redis: pipeline_sync called from the client's own thread (would deadlock)");
    return std::vector<Result>(n);
  }
  auto promise = std::make_shared<std::promise<std::vector<Result>>>();
  auto future = promise->get_future();
  pipeline(std::move(commands), [promise](std::vector<Result> r) { promise->set_value(std::move(r)); });
  if (future.wait_for(impl_->opt.command_timeout + std::chrono::seconds(5)) != std::future_status::ready) {
    std::vector<Result> out(n);
    for (auto& r : out) r.status = Status::kTimeout;
    return out;
  }
  return future.get();
}

bool Client::connected() const { return impl_->up.load(); }

bool Client::wait_connected(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->up_mu);
  return impl_->up_cv.wait_for(lock, timeout, [this] { return impl_->up.load(); });
}

std::string Client::key(std::string_view k) const {
  std::string out;
  out.reserve(impl_->opt.key_prefix.size() + k.size());
  out.append(impl_->opt.key_prefix);
  out.append(k);
  return out;
}

const std::string& Client::key_prefix() const { return impl_->opt.key_prefix; }

const ClientOptions& Client::options() const { return impl_->opt; }

bool Client::on_client_thread() const { return std::this_thread::get_id() == impl_->thread_id; }

Client::Stats Client::stats() const {
  Stats s;
  s.ok = impl_->n_ok.load();
  s.error = impl_->n_error.load();
  s.timeout = impl_->n_timeout.load();
  s.unavailable = impl_->n_unavailable.load();
  s.disconnected = impl_->n_disconnected.load();
  s.connects = impl_->n_connects.load();
  s.connect_failures = impl_->n_connect_failures.load();
  return s;
}

}  // namespace aegis::redis
