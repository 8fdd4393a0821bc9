#include "cache/purge_bus.h"

#include <charconv>
#include <random>

#include "log/logging.h"
#include "metrics/metrics.h"
#include "redis/client.h"

namespace aegis::cache {
namespace {

// KEYS[1] the log; ARGV: log length, kind, arg, node id, epoch for a new log. Returns the seq written.
constexpr const char* kAppendScript = R"lua(
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local seq, epoch = 1, ARGV[5]
if #top > 0 then
  seq = tonumber(string.match(top[1][1], '^(%d+)')) + 1
  local f = top[1][2]
  for i = 1, #f, 2 do if f[i] == 'e' then epoch = f[i + 1] end end
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], seq .. '-1', 'e', epoch, 'k', ARGV[2], 'a', ARGV[3], 'n', ARGV[4])
return seq
)lua";

std::string random_token() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  char buf[17];
  static const char* hex = "0123456789abcdef";
  uint64_t v = gen();
  for (int i = 15; i >= 0; --i, v >>= 4) buf[i] = hex[v & 15];
  buf[16] = 0;
  return buf;
}

std::string_view kind_name(PurgeEvent::Kind k) {
  switch (k) {
    case PurgeEvent::Kind::kPrefix: return "prefix";
    case PurgeEvent::Kind::kTag: return "tag";
    case PurgeEvent::Kind::kFlush: return "flush";
  }
  return "flush";
}

// One log entry, parsed from [id, [field, value, ...]].
struct LogEntry {
  uint64_t seq = 0;
  std::string epoch, kind, arg, node;
};

std::optional<LogEntry> parse_entry(const redis::Reply& r) {
  if (r.type != redis::Reply::Type::kArray || r.elements.size() != 2) return std::nullopt;
  const std::string& id = r.elements[0].str;
  LogEntry e;
  auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), e.seq);
  if (ec != std::errc() || p == id.data()) return std::nullopt;
  const auto& f = r.elements[1].elements;
  for (std::size_t i = 0; i + 1 < f.size(); i += 2) {
    const std::string& name = f[i].str;
    if (name == "e") e.epoch = f[i + 1].str;
    else if (name == "k") e.kind = f[i + 1].str;
    else if (name == "a") e.arg = f[i + 1].str;
    else if (name == "n") e.node = f[i + 1].str;
  }
  return e;
}

std::optional<PurgeEvent> to_event(const LogEntry& e) {
  if (e.kind == "prefix") return PurgeEvent{PurgeEvent::Kind::kPrefix, e.arg};
  if (e.kind == "tag") return PurgeEvent{PurgeEvent::Kind::kTag, e.arg};
  if (e.kind == "flush") return PurgeEvent{PurgeEvent::Kind::kFlush, {}};
  return std::nullopt;
}

// cache_purge_sync_events_total{event="published|applied|resync"} (process-wide; docs/metrics.md).
struct BusMetrics {
  metrics::Counter published, applied, resync;
  BusMetrics() {
    auto f = metrics::global().counter("cache_purge_sync_events_total",
                                       "Purges shared between nodes through Redis: published by this node, applied "
                                       "from other nodes, memory-tier resyncs when the purge log could not be followed");
    published = f.with({{"event", "published"}});
    applied = f.with({{"event", "applied"}});
    resync = f.with({{"event", "resync"}});
  }
};
BusMetrics& bus_metrics() {
  static BusMetrics m;
  return m;
}

}  // namespace

PurgeBus::PurgeBus(std::shared_ptr<redis::Client> client, Apply apply, Options options)
    : client_(std::move(client)),
      apply_(std::move(apply)),
      options_(std::move(options)),
      log_key_(client_->key(options_.ns + "purge:log")),
      node_id_(random_token()) {
  bus_metrics();  // the series exist (at 0) from the start
  log::logger().info("cache purge bus: node {} shares purges through {} (every {} ms)", node_id_, log_key_,
                     options_.poll_interval.count());
  thread_ = std::thread([this] { run(); });
}

PurgeBus::~PurgeBus() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PurgeBus::publish(PurgeEvent event) {
  {
    std::lock_guard lock(mu_);
    if (pending_.size() >= options_.max_pending) {
      // Too much to replay one by one: the other nodes get one flush instead.
      pending_.clear();
      event = PurgeEvent{PurgeEvent::Kind::kFlush, {}};
    }
    pending_.push_back(std::move(event));
  }
  cv_.notify_all();
}

PurgeBus::Stats PurgeBus::stats() const {
  Stats s;
  s.published = published_.load();
  s.applied = applied_.load();
  s.resyncs = resyncs_.load();
  s.synced = synced_flag_.load();
  std::lock_guard lock(mu_);
  s.pending = pending_.size();
  return s;
}

void PurgeBus::run() {
  if (client_->connected()) poll();  // follow the log from the start (before this node serves anything)
  bool retry_later = false;          // the last publish failed: wait a full interval before the next attempt
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, options_.poll_interval,
                 [&] { return stop_ || (!retry_later && !pending_.empty() && client_->connected()); });
    if (stop_) break;
    lock.unlock();
    if (options_.periodic) options_.periodic();
    retry_later = false;
    if (client_->connected()) {
      // Read first: the node must have followed the log up to now before its own events land in it (they are
      // skipped by node id, but a resync decision must not be taken on a log this node just wrote to).
      poll();
      const bool published = publish_pending();
      if (published) poll();
      std::lock_guard pending_lock(mu_);
      retry_later = !pending_.empty();
    }
    lock.lock();
  }
}

bool PurgeBus::publish_pending() {
  bool any = false;
  for (;;) {
    PurgeEvent ev;
    {
      std::lock_guard lock(mu_);
      if (pending_.empty() || stop_) return any;
      ev = pending_.front();
    }
    redis::Result r = client_->command_sync({"EVAL", kAppendScript, "1", log_key_, std::to_string(options_.log_length),
                                             std::string(kind_name(ev.kind)), ev.arg, node_id_, random_token()});
    if (!r.ok()) {
      if (!failing_)
        log::logger().warn("cache purge bus: publishing a {} purge failed ({}); retrying every {} ms",
                           kind_name(ev.kind), r.describe(), options_.poll_interval.count());
      failing_ = true;
      return any;  // kept queued: retried at the next tick
    }
    failing_ = false;
    {
      std::lock_guard lock(mu_);
      // publish() may have collapsed the queue into a flush meanwhile; drop the front only if it is still `ev`.
      if (!pending_.empty() && pending_.front() == ev) pending_.pop_front();
    }
    published_.fetch_add(1);
    bus_metrics().published.inc();
    any = true;
  }
}

void PurgeBus::resync(const char* why) {
  log::logger().warn("cache purge bus: {}; dropping this node's memory tier", why);
  apply_(PurgeEvent{PurgeEvent::Kind::kFlush, {}});
  resyncs_.fetch_add(1);
  bus_metrics().resync.inc();
}

void PurgeBus::poll() {
  std::vector<redis::Args> cmds;
  cmds.push_back({"XREVRANGE", log_key_, "+", "-", "COUNT", "1"});
  if (synced_) cmds.push_back({"XREAD", "COUNT", "1000", "STREAMS", log_key_, std::to_string(last_seq_) + "-1"});
  std::vector<redis::Result> res = client_->pipeline_sync(std::move(cmds));
  if (res.empty() || !res[0].ok()) return;  // unreachable: try again next tick

  std::optional<LogEntry> top;
  if (res[0].reply.type == redis::Reply::Type::kArray && !res[0].reply.elements.empty())
    top = parse_entry(res[0].reply.elements[0]);
  const uint64_t top_seq = top ? top->seq : 0;
  const std::string top_epoch = top ? top->epoch : std::string();

  if (!synced_) {
    // First contact: whatever L1 holds was cached without following the log.
    apply_(PurgeEvent{PurgeEvent::Kind::kFlush, {}});
    synced_ = true;
    synced_flag_ = true;
    last_seq_ = top_seq;
    epoch_ = top_epoch;
    return;
  }
  if (top_seq < last_seq_ || (top && !epoch_.empty() && top_epoch != epoch_)) {
    resync("the purge log was lost (Redis restarted or the key was removed)");
    last_seq_ = top_seq;
    epoch_ = top_epoch;
    return;
  }
  if (res.size() < 2 || !res[1].ok()) return;
  const redis::Reply& xr = res[1].reply;
  if (xr.type != redis::Reply::Type::kArray || xr.elements.empty()) return;  // nothing new
  const redis::Reply& stream = xr.elements[0];
  if (stream.type != redis::Reply::Type::kArray || stream.elements.size() != 2) return;
  for (const redis::Reply& raw : stream.elements[1].elements) {
    std::optional<LogEntry> e = parse_entry(raw);
    if (!e) continue;
    if (e->seq != last_seq_ + 1 || (!epoch_.empty() && e->epoch != epoch_)) {
      resync(e->epoch != epoch_ && !epoch_.empty() ? "the purge log was replaced"
                                                   : "purges were missed (the log was trimmed past this node)");
      last_seq_ = top_seq;
      epoch_ = top_epoch;
      return;
    }
    last_seq_ = e->seq;
    if (epoch_.empty()) epoch_ = e->epoch;
    if (e->node == node_id_) continue;
    if (auto ev = to_event(*e)) {
      apply_(*ev);
      applied_.fetch_add(1);
      bus_metrics().applied.inc();
    }
  }
}

}  // namespace aegis::cache
