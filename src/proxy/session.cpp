#include "proxy/session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <memory>
#include <atomic>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "http/framing.h"
#include "http/headers.h"
#include "log/logging.h"
#include "metrics/metrics.h"
#include "proxy/flat_header_map.h"
#include "proxy/router.h"

namespace aegis::proxy {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bh = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using http::FlatFields;
constexpr auto kTok = net::as_tuple(net::use_awaitable);

constexpr std::size_t kRelayChunk = 16 * 1024;        // body bytes moved per read/write step
constexpr std::size_t kMaxResponseHead = 64 * 1024;    // origin response heads larger than this → 502
constexpr std::size_t kReadStep = 8 * 1024;


// ---- HTTP/1 parsers: Beast's parser, fields into FlatFields, body into a caller's buffer ---------------------------
// Like bh::request_parser / bh::response_parser with bh::buffer_body, minus the Beast fields container: the fields
// go to a FlatFields the session reuses for every message, and body bytes to [body_data, body_data + body_size),
// which advances as it fills (error::need_buffer when full, as buffer_body does). The start line is kept here.
template <bool isRequest>
class FlatParser final : public bh::basic_parser<isRequest> {
 public:
  explicit FlatParser(FlatFields& fields) : fields_(fields) { fields_.clear(); }

  FlatFields& fields() { return fields_; }
  // Request line (requests).
  bh::verb method() const { return method_; }
  std::string_view method_string() const { return method_string_; }
  std::string_view target() const { return target_; }
  // Status line (responses).
  int status() const { return status_; }
  std::string_view reason() const { return reason_; }
  int version() const { return version_; }

  char* body_data = nullptr;
  std::size_t body_size = 0;

  // For a head the session split itself (split_response_head): Beast then parses only a synthetic head that
  // carries the framing, so its fields are not kept and the real status line is set here.
  void use_split_head(int status, std::string_view reason, int version) {
    keep_fields_ = false;
    real_status_ = status;
    real_reason_ = reason;
    real_version_ = version;
  }

 private:
  void on_request_impl(bh::verb method, beast::string_view method_str, beast::string_view target, int version,
                       beast::error_code&) override {
    method_ = method;
    method_string_.assign(method_str.data(), method_str.size());
    target_.assign(target.data(), target.size());
    version_ = version;
  }
  void on_response_impl(int code, beast::string_view reason, int version, beast::error_code&) override {
    if (!keep_fields_) {
      status_ = real_status_;
      version_ = real_version_;
      reason_.assign(real_reason_);
      return;
    }
    status_ = code;
    version_ = version;
    reason_.assign(reason.data(), reason.size());
  }
  void on_field_impl(bh::field, beast::string_view name, beast::string_view value, beast::error_code&) override {
    if (keep_fields_)
      fields_.add(std::string_view(name.data(), name.size()), std::string_view(value.data(), value.size()));
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, beast::error_code&) override {}
  std::size_t on_body_impl(beast::string_view body, beast::error_code& ec) override {
    return take({body.data(), body.size()}, ec);
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, beast::error_code& ec) override {
    return take({body.data(), body.size()}, ec);
  }
  void on_finish_impl(beast::error_code&) override {}

  std::size_t take(std::string_view body, beast::error_code& ec) {
    if (!body_data) {
      ec = bh::error::need_buffer;
      return 0;
    }
    std::size_t n = std::min(body.size(), body_size);
    std::memcpy(body_data, body.data(), n);
    body_data += n;
    body_size -= n;
    if (n < body.size()) ec = bh::error::need_buffer;
    return n;
  }

  FlatFields& fields_;
  bool keep_fields_ = true;
  int real_status_ = 0, real_version_ = 11;
  std::string_view real_reason_;
  bh::verb method_ = bh::verb::unknown;
  std::string method_string_, target_, reason_;
  int status_ = 0;
  int version_ = 11;
};
using RequestParser = FlatParser<true>;
using OriginResponseParser = FlatParser<false>;

// ---- HeaderMap over a local response's header list (no Beast fields on the local-response path) -----------------
class VectorHeaderMap final : public HeaderMap {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;
  explicit VectorHeaderMap(Fields& f) : f_(f) {}
  std::optional<std::string_view> get(std::string_view name) const override {
    for (const auto& [k, v] : f_)
      if (beast::iequals(k, name)) return std::string_view(v);
    return std::nullopt;
  }
  void set(std::string_view name, std::string_view value) override {
    auto it = std::find_if(f_.begin(), f_.end(), [&](const auto& kv) { return beast::iequals(kv.first, name); });
    if (it == f_.end()) {
      f_.emplace_back(std::string(name), std::string(value));
      return;
    }
    it->second.assign(value);
    f_.erase(std::remove_if(std::next(it), f_.end(), [&](const auto& kv) { return beast::iequals(kv.first, name); }),
             f_.end());
  }
  void add(std::string_view name, std::string_view value) override {
    f_.emplace_back(std::string(name), std::string(value));
  }
  void remove(std::string_view name) override {
    f_.erase(std::remove_if(f_.begin(), f_.end(), [&](const auto& kv) { return beast::iequals(kv.first, name); }),
             f_.end());
  }
  void for_each(const std::function<void(std::string_view, std::string_view)>& fn) const override {
    for (const auto& [k, v] : f_) fn(k, v);
  }

 private:
  Fields& f_;
};

// ---- async phase completion ------------------------------------------------------------------------------------
class ResumeState final : public Resume::State, public std::enable_shared_from_this<ResumeState> {
 public:
  ResumeState(net::any_io_executor ex, net::steady_timer* timer) : ex_(std::move(ex)), timer_(timer) {}
  // Any thread. The first complete() on an armed state wins; later ones, and any after detach(), do nothing.
  void complete(Flow flow) override {
    unsigned seen = state_.load(std::memory_order_acquire);
    for (;;) {
      if (seen & (kDone | kDetached)) return;
      if (state_.compare_exchange_weak(seen, kDone | (static_cast<unsigned>(flow) << kResultShift),
                                       std::memory_order_acq_rel, std::memory_order_acquire))
        break;
    }
    net::post(ex_, [self = shared_from_this()] {
      // Runs on the worker thread, like detach() and rearm(): timer_ is only touched there.
      if (self->timer_) self->timer_->cancel();
    });
  }
  bool done() const { return state_.load(std::memory_order_acquire) & kDone; }
  Flow result() const { return static_cast<Flow>(state_.load(std::memory_order_acquire) >> kResultShift); }
  // Worker thread.
  void detach() {
    state_.fetch_or(kDetached, std::memory_order_acq_rel);
    timer_ = nullptr;
  }
  // Worker thread. Makes a detached state usable for the next phase. Only when nobody else holds it
  // (use_count() == 1): then no late complete() can reach it.
  void rearm(net::steady_timer* timer) {
    timer_ = timer;
    state_.store(static_cast<unsigned>(Flow::kContinue) << kResultShift, std::memory_order_release);
  }

 private:
  // One word, so that complete() from another thread needs no lock: done and detached flags, and the result.
  static constexpr unsigned kDone = 1, kDetached = 2, kResultShift = 8;
  std::atomic<unsigned> state_{static_cast<unsigned>(Flow::kContinue) << kResultShift};
  net::any_io_executor ex_;
  net::steady_timer* timer_;
};

bool is_idempotent(bh::verb v) {
  switch (v) {
    case bh::verb::get:
    case bh::verb::head:
    case bh::verb::options:
    case bh::verb::put:
    case bh::verb::delete_:
    case bh::verb::trace:
      return true;
    default:
      return false;
  }
}

// TCP_NODELAY, and non-blocking mode for the synchronous write attempt in FramedWriter::write.
void set_nodelay(tcp::socket& s) {
  beast::error_code ec;
  s.set_option(tcp::no_delay(true), ec);
  s.non_blocking(true, ec);
}

std::string_view buffer_view(const beast::flat_buffer& b) {
  return {static_cast<const char*>(b.data().data()), b.size()};
}

const char* reason_for(int status) {
  return bh::obsolete_reason(static_cast<bh::status>(status)).data();
}


// ---- head serialization and body framing ------------------------------------------------------------------------
// Beast's serializer walks a long buffer sequence per field; on the hot path we instead build the head as one
// contiguous string (reused per connection) and send head + body piece + chunk framing in a single gather write.
void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

void append_number(std::string& out, std::uint64_t n) {
  char digits[20];
  auto r = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, r.ptr);
}

// Sized once and copied in place: a head has a dozen fields, and four appends per field (each with its capacity
// check) cost more than two walks over the list. `line(field)` gives the (name, value) of one element of `fields`.
template <class Fields, class Line>
void append_fields(std::string& out, const Fields& fields, Line line) {
  std::size_t size = out.size() + 2;
  for (const auto& f : fields) {
    auto [name, value] = line(f);
    size += name.size() + value.size() + 4;
  }
  std::size_t at = out.size();
  out.resize(size);
  char* p = out.data() + at;
  auto put = [&p](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  for (const auto& f : fields) {
    auto [name, value] = line(f);
    put(name);
    put(": ");
    put(value);
    put("\r\n");
  }
  put("\r\n");
}

// Starts `out` with the status line (the fields follow).
void start_response_head(std::string& out, unsigned version, unsigned code, std::string_view reason) {
  out.clear();
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_number(out, code);
  out.push_back(' ');
  out.append(reason);
  out.append("\r\n");
}

void build_request_head(std::string& out, std::string_view method, std::string_view target, const FlatFields& fields) {
  out.clear();
  out.append(method);
  out.push_back(' ');
  out.append(target);
  out.append(" HTTP/1.1\r\n");
  append_fields(out, fields.fields(), [](const FlatFields::Field& f) { return std::pair(f.name, f.value); });
}

// ---- origin response heads, split without Beast ----------------------------------------------------------------
// A head check_response_head accepted has only CRLF line ends, a status line "HTTP/1.x DDD[ reason]", field lines
// "tchar-name:value" without folding or control bytes, at most one valid Content-Length and a Transfer-Encoding
// (if any) of exactly "chunked" — splitting it is a walk over its lines. Beast's parser then gets a synthetic head
// with only the status and framing, so the body (Content-Length, chunked, to EOF, none for 1xx/204/304/HEAD) is
// still parsed by Beast.
struct SplitHead {
  int status = 0;
  int version = 11;
  std::string_view reason;
  bool keep_alive = true;  // as Beast's keep_alive(): HTTP/1.1 unless "close", HTTP/1.0 only with "keep-alive"
  char synthetic[96];      // "HTTP/1.1 DDD -\r\n" + framing field + "\r\n"
  std::size_t synthetic_size = 0;
};

void split_response_head(std::string_view raw, FlatFields& fields, SplitHead& out) {
  std::size_t eol = raw.find("\r\n");
  std::string_view line = raw.substr(0, eol);
  out.version = line[7] == '0' ? 10 : 11;
  out.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  out.reason = line.size() > 13 ? line.substr(13) : std::string_view();
  bool chunked = false, close = false, keep_alive = false;
  std::string_view content_length;
  for (std::size_t pos = eol + 2; pos < raw.size();) {
    std::size_t end = raw.find("\r\n", pos);
    if (end == pos || end == std::string_view::npos) break;
    std::string_view l = raw.substr(pos, end - pos);
    pos = end + 2;
    std::size_t colon = l.find(':');
    fields.add(l.substr(0, colon), l.substr(colon + 1));
    const auto [name, value] = fields.fields().back();  // the value as stored: OWS trimmed
    if (http::iequals_ascii(name, "transfer-encoding")) {
      chunked = true;  // exactly "chunked": anything else was refused
    } else if (http::iequals_ascii(name, "content-length")) {
      content_length = value;
    } else if (http::iequals_ascii(name, "connection")) {
      http::for_each_list_element(value, [&](std::string_view token) {
        if (http::iequals_ascii(token, "close")) close = true;
        else if (http::iequals_ascii(token, "keep-alive")) keep_alive = true;
      });
    }
  }
  out.keep_alive = out.version == 11 ? !close : keep_alive;
  std::string_view framing = chunked ? "Transfer-Encoding: chunked\r\n" : std::string_view();
  char* p = out.synthetic;
  auto put = [&p](std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  };
  put("HTTP/1.1 ");
  put(line.substr(9, 3));
  put(" -\r\n");
  if (chunked) {
    put(framing);
  } else if (!content_length.empty()) {  // at most 18 digits (checked)
    put("Content-Length: ");
    put(content_length);
    put("\r\n");
  }
  put("\r\n");
  out.synthetic_size = static_cast<std::size_t>(p - out.synthetic);
}

class FramedWriter {
 public:
  // `head` must stay alive and unchanged until the first write completes.
  void start(const std::string* head, bool chunked) {
    head_ = head;
    chunked_ = chunked;
  }
  // Writes the head (first call) and one body piece; `last` ends the message (chunked: the last-chunk).
  net::awaitable<beast::error_code> write(TimedSocket& stream, const char* data, std::size_t n, bool last) {
    prefix_.clear();
    if (head_) prefix_.append(*head_);
    std::string_view suffix;
    if (chunked_) {
      if (n > 0) {
        char hex[20];
        int len = std::snprintf(hex, sizeof hex, "%zx\r\n", n);
        prefix_.append(hex, static_cast<std::size_t>(len));
        suffix = last ? std::string_view("\r\n0\r\n\r\n") : std::string_view("\r\n");
      } else if (last) {
        suffix = "0\r\n\r\n";
      }
    }
    head_ = nullptr;
    std::array<net::const_buffer, 3> bufs{net::buffer(prefix_), net::const_buffer(data, n),
                                          net::buffer(suffix.data(), suffix.size())};
    const std::size_t total = prefix_.size() + n + suffix.size();
    if (total == 0) co_return beast::error_code{};
    // Like nginx: write at once (one sendmsg; the socket is non-blocking) and only wait for writability when the
    // socket buffer is full. Most heads and small bodies leave here without a trip through the event loop.
    beast::error_code ec;
    std::size_t done = stream.socket().write_some(bufs, ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
      ec = {};
      done = 0;
    }
    if (ec) co_return ec;
    if (done == total) co_return beast::error_code{};
    std::size_t skip = done;
    for (auto& b : bufs) {
      std::size_t k = std::min(skip, b.size());
      b += k;
      skip -= k;
    }
    auto [ec2, written] = co_await net::async_write(stream.socket(), bufs, kTok);
    co_return stream.check(ec2);
  }

 private:
  const std::string* head_ = nullptr;
  bool chunked_ = false;
  std::string prefix_;
};

// Why the exchange with the origin failed (or not).
enum class UpstreamResult { kOk, kRetry, kFailed, kClientGone };

class Session final : public SessionHandle, public std::enable_shared_from_this<Session> {
 public:
  Session(WorkerContext& w, tcp::socket socket)
      : w_(w),
        client_(w.deadlines(), std::move(socket)),
        chunk_(new char[kRelayChunk]),
        resume_timer_(client_.socket().get_executor()) {
    beast::error_code ec;
    auto ep = client_.socket().remote_endpoint(ec);
    if (!ec) {
      peer_ip_ = ep.address().to_string();
      peer_port_ = ep.port();
    }
    client_label_ = peer_ip_ + ":" + std::to_string(peer_port_);
    set_nodelay(client_.socket());
  }

  net::awaitable<void> run();

  void close_if_idle() override {
    if (idle_) {
      beast::error_code ec;
      client_.socket().cancel(ec);
    }
  }

 private:
  struct RequestState {
    bool client_keep_alive = true;
    bool need_continue = false;   // client sent Expect: 100-continue and is waiting for our go-ahead
    bool sent_response_head = false;
    // The request line going to the origin (a phase may have rewritten method or target) and its framing.
    std::string_view method, target;
    bh::verb verb = bh::verb::unknown;
    bool chunked = false;
  };

  net::awaitable<bool> handle(RequestParser& parser, const std::shared_ptr<const ProxySnapshot>& snap);
  net::awaitable<UpstreamResult> exchange(RequestContext& ctx, RequestParser& parser, RequestState& rs,
                                          const ResolvedOrigin& ro, std::size_t server, bool allow_pool,
                                          bool& keep_alive);
  net::awaitable<bool> read_body_into(RequestContext& ctx, RequestParser& parser, RequestState& rs);
  net::awaitable<bool> send_continue(RequestState& rs);
  net::awaitable<void> send_local(RequestContext& ctx, LocalResponse& local, bool keep_alive);
  net::awaitable<void> send_error_and_close(int status, const char* reason);
  net::awaitable<void> lingering_close();
  void finish(RequestContext& ctx);
  void fill_context(RequestContext& ctx, RequestParser& parser, const std::shared_ptr<const ProxySnapshot>& snap);
  LocalResponse error_response(RequestContext& ctx, int status, std::string why);

  WorkerContext& w_;
  TimedSocket client_;
  beast::flat_buffer in_;
  std::unique_ptr<char[]> chunk_;
  std::string head_buf_;      // serialized outgoing head, reused
  FlatFields req_fields_;     // the current request's fields (phases see them as ctx.request.headers)
  FlatFields res_fields_;     // the current origin response's fields (phases see them as ctx.response.headers)
  FlatHeaderMap res_headers_{res_fields_};  // a member: ctx.response.headers stays valid after exchange() returns
  FramedWriter writer_;
  std::string peer_ip_;
  uint16_t peer_port_ = 0;
  std::string client_label_;
  bool idle_ = true;
  metrics::ActiveConnection active_;
  net::steady_timer resume_timer_;                 // woken when an async phase completes
  std::shared_ptr<ResumeState> spare_resume_;     // reused across phase calls while nobody else holds it
};

// ---- the connection loop ---------------------------------------------------------------------------------------
net::awaitable<void> Session::run() {
  w_.add_session(this);
  struct Unregister {
    WorkerContext& w;
    SessionHandle* s;
    ~Unregister() { w.remove_session(s); }
  } unregister{w_, this};

  for (;;) {
    if (w_.draining()) break;
    std::shared_ptr<const ProxySnapshot> snap = w_.snapshot();
    const config::Limits* limits = &snap->config->limits;

    // Read a complete head. Waiting for the first byte is the keep-alive idle time; from then on the whole head
    // must arrive within client_header_timeout.
    http::HeadScan scan;
    std::optional<Clock::time_point> head_deadline;
    for (;;) {
      if (in_.size() > 0) {
        scan = http::scan_head(buffer_view(in_), limits->max_header_bytes);
        if (scan.state != http::HeadScan::State::kIncomplete) break;
        if (!head_deadline) head_deadline = TimedSocket::coarse_now() + limits->client_header_timeout;
      }
      idle_ = in_.size() == 0;
      if (idle_ && w_.draining()) co_return;
      if (head_deadline)
        client_.expires_at(*head_deadline);
      else
        client_.expires_after(limits->client_idle_timeout);
      auto [ec0, n] = co_await client_.socket().async_read_some(in_.prepare(kReadStep), kTok);
      beast::error_code ec = client_.check(ec0);
      idle_ = false;
      if (ec) {
        if (ec == beast::error::timeout && in_.size() > 0) co_await send_error_and_close(408, "header timeout");
        co_return;  // EOF, reset, idle timeout, or cancelled by drain
      }
      in_.commit(n);
    }
    if (scan.state == http::HeadScan::State::kTooLarge) {
      co_await send_error_and_close(431, scan.reason);
      co_return;
    }
    if (scan.state == http::HeadScan::State::kInvalid) {
      co_await send_error_and_close(400, scan.reason);
      co_return;
    }
    // The request is governed by the config current when its head arrived (a reload while this connection was
    // idle applies to it).
    snap = w_.snapshot();
    limits = &snap->config->limits;
    std::string_view raw = buffer_view(in_).substr(scan.skip, scan.length);
    http::HeadCheck check = http::check_request_head(raw);
    if (!check.ok()) {
      co_await send_error_and_close(check.status, check.reason);
      co_return;
    }
    RequestParser parser(req_fields_);
    parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(raw.size() + 1, UINT32_MAX)));
    parser.body_limit(limits->max_body_bytes);
    beast::error_code ec;
    parser.put(net::buffer(raw.data(), raw.size()), ec);
    if (ec == bh::error::body_limit) {
      co_await send_error_and_close(413, "request body too large");
      co_return;
    }
    if (ec || !parser.is_header_done()) {
      co_await send_error_and_close(400, "malformed request head");
      co_return;
    }
    in_.consume(scan.skip + scan.length);
    bool keep = co_await handle(parser, snap);
    if (!keep) break;
  }
  co_await lingering_close();
}

void Session::fill_context(RequestContext& ctx, RequestParser& parser,
                           const std::shared_ptr<const ProxySnapshot>& snap) {
  ctx.snapshot = snap;
  ctx.config = snap->config.get();
  ctx.timings.wall_start = std::chrono::system_clock::now();
  ctx.timings.start = Clock::now();
  ctx.client.ip = peer_ip_;
  ctx.client.port = peer_port_;
  ctx.client_label = client_label_;
  ctx.request.method = parser.method_string();
  ctx.request.target = parser.target();
  ctx.request.version = parser.version();
}

LocalResponse Session::error_response(RequestContext& ctx, int status, std::string why) {
  ctx.error = why;
  LocalResponse r;
  r.status = status;
  r.body = std::to_string(status) + " " + reason_for(status) + "\n";
  return r;
}

// ---- one request -----------------------------------------------------------------------------------------------
net::awaitable<bool> Session::handle(RequestParser& parser, const std::shared_ptr<const ProxySnapshot>& snap) {
  FlatFields& req = parser.fields();
  const config::Config& cfg = *snap->config;
  RequestContext ctx;
  fill_context(ctx, parser, snap);
  FlatHeaderMap req_headers(req);
  ctx.request.headers = &req_headers;
  RequestState rs;
  rs.client_keep_alive = parser.keep_alive();

  // Request id: keep a valid incoming one, else generate; forwarded to the origin and echoed to the client.
  {
    auto incoming = req.get(cfg.request_id_header);
    if (incoming && http::valid_request_id(*incoming)) {
      ctx.request_id = std::string(*incoming);
    } else {
      char buf[32];
      ctx.request_id = std::string(http::generate_request_id(buf));
      req.set(cfg.request_id_header, ctx.request_id);
    }
  }

  std::optional<LocalResponse> local;
  bool body_pending = !parser.is_done();
  if (auto expect = req.get("Expect")) {
    if (beast::iequals(*expect, "100-continue")) {
      rs.need_continue = body_pending;
      req.remove("Expect");
    } else {
      local = error_response(ctx, 417, "unsupported Expect");
    }
  }

  if (!local && parser.method() == bh::verb::connect) local = error_response(ctx, 405, "CONNECT is not supported");

  // Route.
  const ResolvedOrigin* ro = nullptr;
  if (!local) {
    std::string_view host;
    if (auto h = req.get("Host")) host = *h;
    ctx.route = snap->router.match(host, target_path(ctx.request.target), ctx.request.method, ctx.request.headers);
    if (ctx.route) ro = snap->find(ctx.route->origin);
    if (!ro) {
      local = error_response(ctx, 404, "no route");
    } else {
      ctx.origin = ro->origin;
    }
  }

  // Request phases.
  if (!local) {
    bool want_body = false;
    for (const auto& p : w_.phases()) want_body = want_body || p->needs_request_body(ctx);
    if (want_body) {
      if (!co_await read_body_into(ctx, parser, rs)) co_return false;  // error already sent
    }
    for (const auto& p : w_.phases()) {
      // One completion state per phase call. Most phases answer synchronously and keep no copy of the Resume, so
      // the state (and the connection's timer) is reused instead of allocated per phase and request.
      if (!spare_resume_ || spare_resume_.use_count() != 1)
        spare_resume_ = std::make_shared<ResumeState>(client_.socket().get_executor(), &resume_timer_);
      else
        spare_resume_->rearm(&resume_timer_);
      std::shared_ptr<ResumeState> state = spare_resume_;
      // Detach after the call, and also when this frame is destroyed while waiting (worker stopped after the drain
      // timeout), so a late complete() never posts to a loop that is gone.
      struct Detach {
        ResumeState* s;
        ~Detach() { s->detach(); }
      } detach_guard{state.get()};
      Flow flow = p->request_filter(ctx, Resume(state));
      if (flow == Flow::kPending) {
        // A cancel posted by an earlier phase's completion may wake this wait early: done() decides.
        while (!state->done()) {
          resume_timer_.expires_at(net::steady_timer::time_point::max());
          co_await resume_timer_.async_wait(kTok);
        }
        flow = state->result();
      }
      if (flow == Flow::kRespond) {
        if (ctx.local_response) local = std::move(ctx.local_response);
        else local = error_response(ctx, 500, std::string("phase ") + std::string(p->name()) + " gave no response");
        ctx.local_response.reset();
        break;
      }
    }
  }

  bool keep_alive = false;
  if (!local) {
    for (const auto& p : w_.phases()) p->upstream_peer(ctx);
    if (ctx.origin != ro->origin) ro = ctx.origin ? snap->find(ctx.origin->name) : nullptr;
    if (!ro) local = error_response(ctx, 502, "no origin");
  }
  if (!local) {
    const config::Origin& origin = *ro->origin;
    // Rewrite the head for the origin.
    req.remove_hop_by_hop();
    req.append_list_value("X-Forwarded-For", ctx.client.ip);
    req.set("X-Forwarded-Proto", ctx.client.scheme);
    req.append_list_value("Via", snap->via);
    std::size_t server = w_.next_round_robin() % ro->endpoints.size();
    if (!origin.host_header.empty())
      req.set("Host", origin.host_header);
    else if (!req.contains("Host"))
      req.set("Host", ro->authorities[server]);
    // ctx.request keeps the line as received (the access log shows it); the origin gets the rewritten one.
    rs.method = ctx.new_method ? std::string_view(*ctx.new_method) : parser.method_string();
    rs.target = ctx.new_target ? std::string_view(*ctx.new_target) : parser.target();
    rs.verb = ctx.new_method ? bh::string_to_verb(*ctx.new_method) : parser.method();
    if (ctx.request_body_buffered) {
      if (!ctx.request_body.empty() || parser.content_length() || parser.chunked()) {
        char digits[20];
        auto r = std::to_chars(digits, digits + sizeof digits, ctx.request_body.size());
        req.set("Content-Length", std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)));
      }
    } else if (parser.chunked()) {
      req.set("Transfer-Encoding", "chunked");
      rs.chunked = true;
    }
    ctx.timings.upstream_start = Clock::now();

    bool may_retry = is_idempotent(rs.verb);
    UpstreamResult r = co_await exchange(ctx, parser, rs, *ro, server, true, keep_alive);
    if (r == UpstreamResult::kRetry && may_retry) {
      log::logger().debug("retrying {} {} on a fresh connection (stale pooled connection)", ctx.request.method,
                          ctx.request.target);
      r = co_await exchange(ctx, parser, rs, *ro, server, false, keep_alive);
    }
    if (r == UpstreamResult::kRetry) {
      ctx.error = "origin closed the connection";
      r = UpstreamResult::kFailed;
      if (!rs.sent_response_head) local = error_response(ctx, 502, ctx.error);
    }
    if (r == UpstreamResult::kFailed && !local) {
      if (rs.sent_response_head) {
        keep_alive = false;  // a response is half-written: the only honest signal left is closing
      } else {
        local = LocalResponse{};
        local->status = ctx.response.status ? ctx.response.status : 502;
        local->body = std::to_string(local->status) + " " + reason_for(local->status) + "\n";
      }
    }
    if (r == UpstreamResult::kClientGone) {
      keep_alive = false;
      if (!rs.sent_response_head) ctx.response.status = 499;  // client went away before a response (as nginx logs)
    }
  }
  if (local) {
    // A request whose body was not read completely leaves unknown bytes behind: never read another request then.
    keep_alive = rs.client_keep_alive && parser.is_done() && !w_.draining() && local->status != 400 &&
                 local->status != 408 && local->status != 413;
    co_await send_local(ctx, *local, keep_alive);
    if (!client_.socket().is_open()) keep_alive = false;
  }
  finish(ctx);
  co_return keep_alive;
}

// Sends "100 Continue" once, right before the first read of a body the client holds back.
net::awaitable<bool> Session::send_continue(RequestState& rs) {
  if (!rs.need_continue) co_return true;
  rs.need_continue = false;
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  client_.expires_after(w_.snapshot()->config->limits.send_timeout);
  auto [ec, n] = co_await net::async_write(client_.socket(), net::buffer(kContinue.data(), kContinue.size()), kTok);
  co_return !ec;
}

// Buffers the whole request body (for phases that asked for it), bounded by max_body_bytes.
net::awaitable<bool> Session::read_body_into(RequestContext& ctx, RequestParser& parser, RequestState& rs) {
  const config::Limits& limits = ctx.config->limits;
  if (!co_await send_continue(rs)) co_return false;
  while (!parser.is_done()) {
    parser.body_data = chunk_.get();
    parser.body_size = kRelayChunk;
    client_.expires_after(limits.client_idle_timeout);
    auto [ec0, n] = co_await bh::async_read_some(client_.socket(), in_, parser, kTok);
    beast::error_code ec = client_.check(ec0);
    if (ec == bh::error::need_buffer) ec = {};
    std::size_t got = kRelayChunk - parser.body_size;
    ctx.request_body.append(chunk_.get(), got);
    ctx.bytes_received += got;
    if (ec == bh::error::body_limit) {
      LocalResponse r = error_response(ctx, 413, "request body too large");
      co_await send_local(ctx, r, false);
      finish(ctx);
      co_return false;
    }
    if (ec) {
      if (ec != beast::error::timeout && ec != bh::error::end_of_stream && ec != net::error::eof &&
          ec != net::error::connection_reset) {
        LocalResponse r = error_response(ctx, 400, "malformed request body: " + ec.message());
        co_await send_local(ctx, r, false);
      }
      ctx.response.status = ctx.response.status ? ctx.response.status : 400;
      finish(ctx);
      co_return false;
    }
  }
  parser.body_data = nullptr;
  parser.body_size = 0;
  ctx.request_body_buffered = true;
  co_return true;
}

// One attempt: connect (or reuse), send the request, read and relay the response.
net::awaitable<UpstreamResult> Session::exchange(RequestContext& ctx, RequestParser& parser, RequestState& rs,
                                                 const ResolvedOrigin& ro, std::size_t server, bool allow_pool,
                                                 bool& keep_alive) {
  const config::Origin& origin = *ro.origin;
  const config::Limits& limits = ctx.config->limits;
  const auto& m = metrics::proxy();
  const tcp::endpoint& peer = ro.endpoints[server];
  std::unique_ptr<UpstreamConnection> conn;
  // Every reuse is checked with a non-blocking peek (UpstreamPool::take): bytes an origin sent while the connection
  // sat idle must never be read as this request's response.
  if (allow_pool) conn = w_.pool().take(peer, origin.pool_idle_timeout);
  const bool reused = conn != nullptr;
  if (!conn) {
    conn = std::make_unique<UpstreamConnection>(w_.deadlines(), client_.socket().get_executor());
    conn->peer = peer;
    conn->stream.expires_after(origin.connect_timeout);
    auto [ec0] = co_await conn->stream.socket().async_connect(peer, kTok);
    beast::error_code ec = conn->stream.check(ec0);
    if (ec) {
      m.upstream_connect_errors.inc();
      if (ec == beast::error::timeout) {
        m.upstream_timeouts.inc();
        ctx.error = "origin connect timeout";
        ctx.response.status = 504;
      } else {
        ctx.error = "origin connect failed: " + ec.message();
        ctx.response.status = 502;
      }
      co_return UpstreamResult::kFailed;
    }
    set_nodelay(conn->stream.socket());
  }
  ++conn->requests;
  auto& up = conn->stream;

  // ---- request → origin (streaming the body from the client as it arrives) ----
  bool body_streamed = false;
  {
    build_request_head(head_buf_, rs.method, rs.target, parser.fields());
    writer_.start(&head_buf_, rs.chunked);
    for (;;) {
      std::size_t got = 0;
      const char* data = nullptr;
      bool last = true;
      if (ctx.request_body_buffered) {
        data = ctx.request_body.data();
        got = ctx.request_body.size();
      } else if (!parser.is_done()) {
        if (!co_await send_continue(rs)) co_return UpstreamResult::kClientGone;
        parser.body_data = chunk_.get();
        parser.body_size = kRelayChunk;
        client_.expires_after(limits.client_idle_timeout);
        auto [ec0, n] = co_await bh::async_read_some(client_.socket(), in_, parser, kTok);
        beast::error_code ec = client_.check(ec0);
        if (ec == bh::error::need_buffer) ec = {};
        if (ec) {
          if (ec == bh::error::body_limit) {
            ctx.error = "request body too large";
            ctx.response.status = 413;
            co_return UpstreamResult::kFailed;
          }
          ctx.error = "client body read failed: " + ec.message();
          if (ec == beast::error::timeout || ec == net::error::eof || ec == bh::error::end_of_stream ||
              ec == bh::error::partial_message || ec == net::error::connection_reset)
            co_return UpstreamResult::kClientGone;
          ctx.response.status = 400;
          co_return UpstreamResult::kFailed;
        }
        got = kRelayChunk - parser.body_size;
        ctx.bytes_received += got;
        if (got > 0) body_streamed = true;  // consumed from the client: this attempt cannot be repeated
        data = chunk_.get();
        last = parser.is_done();
        if (got == 0 && !last) continue;
      }
      up.expires_after(origin.read_timeout);
      beast::error_code ec = co_await writer_.write(up, data, got, last);
      if (ec) {
        if (ec == beast::error::timeout) {
          m.upstream_timeouts.inc();
          ctx.error = "origin write timeout";
          ctx.response.status = 504;
          co_return UpstreamResult::kFailed;
        }
        if (reused && !body_streamed) co_return UpstreamResult::kRetry;
        ctx.error = "origin write failed: " + ec.message();
        ctx.response.status = 502;
        co_return UpstreamResult::kFailed;
      }
      if (last) break;
    }
  }

  // ---- response head ← origin (1xx interim responses are consumed) ----
  const bool head_request = rs.verb == bh::verb::head;
  std::optional<OriginResponseParser> rp;
  SplitHead split;
  for (;;) {
    http::HeadScan scan;
    for (;;) {
      if (conn->buffer.size() > 0) {
        scan = http::scan_head(buffer_view(conn->buffer), kMaxResponseHead);
        if (scan.state != http::HeadScan::State::kIncomplete) break;
      }
      up.expires_after(origin.read_timeout);
      auto [ec0, n] = co_await up.socket().async_read_some(conn->buffer.prepare(kReadStep), kTok);
      beast::error_code ec = up.check(ec0);
      if (ec) {
        if (ec == beast::error::timeout) {
          m.upstream_timeouts.inc();
          ctx.error = "origin read timeout";
          ctx.response.status = 504;
          co_return UpstreamResult::kFailed;
        }
        if (reused && !body_streamed && conn->buffer.size() == 0) co_return UpstreamResult::kRetry;
        ctx.error = "origin closed before a complete response head: " + ec.message();
        ctx.response.status = 502;
        co_return UpstreamResult::kFailed;
      }
      conn->buffer.commit(n);
    }
    if (scan.state != http::HeadScan::State::kComplete) {
      ctx.error = std::string("bad origin response: ") + scan.reason;
      ctx.response.status = 502;
      co_return UpstreamResult::kFailed;
    }
    std::string_view raw = buffer_view(conn->buffer).substr(scan.skip, scan.length);
    http::HeadCheck check = http::check_response_head(raw);
    if (!check.ok()) {
      ctx.error = std::string("bad origin response: ") + check.reason;
      ctx.response.status = 502;
      co_return UpstreamResult::kFailed;
    }
    rp.emplace(res_fields_);
    split_response_head(raw, res_fields_, split);
    rp->use_split_head(split.status, split.reason, split.version);
    rp->body_limit(boost::none);
    if (head_request) rp->skip(true);
    beast::error_code ec;
    rp->put(net::buffer(split.synthetic, split.synthetic_size), ec);
    if (ec || !rp->is_header_done()) {
      ctx.error = "bad origin response: " + (ec ? ec.message() : std::string("incomplete head"));
      ctx.response.status = 502;
      co_return UpstreamResult::kFailed;
    }
    conn->buffer.consume(scan.skip + scan.length);
    int status = rp->status();
    if (status >= 200) break;
    if (status == 101) {
      ctx.error = "origin switched protocols without Upgrade";
      ctx.response.status = 502;
      co_return UpstreamResult::kFailed;
    }
    // 100/102/103: interim, keep reading.
  }
  ctx.timings.upstream_headers = Clock::now();

  // ---- response head → client ----
  FlatFields& res = res_fields_;
  const bool upstream_keep_alive = split.keep_alive;
  res.remove_hop_by_hop();
  res.append_list_value("Via", ctx.snapshot->via);
  res.set(ctx.config->request_id_header, ctx.request_id);
  const int origin_status = rp->status();
  ctx.response.status = origin_status;
  ctx.response.headers = &res_headers_;
  ctx.response_body.clear();
  ctx.response_body_buffered = false;

  // Relays one piece of the origin body into chunk_; returns the bytes read (0 with `last` at the end).
  auto read_origin_piece = [&](std::size_t& got, bool& last) -> net::awaitable<bool> {
    got = 0;
    last = true;
    if (rp->is_done()) co_return true;
    rp->body_data = chunk_.get();
    rp->body_size = kRelayChunk;
    if (conn->buffer.size() > 0) {
      // Body bytes that arrived with the head (or an earlier read) are parsed here: Beast's async_read_some would
      // parse them too, but completes through a posted handler, an event-loop round trip per response.
      beast::error_code ec;
      conn->buffer.consume(rp->put(conn->buffer.data(), ec));
      if (ec == bh::error::need_buffer) ec = {};
      if (ec && ec != bh::error::need_more) {
        ctx.error = "origin response body failed: " + ec.message();
        if (!rs.sent_response_head) ctx.response.status = 502;
        co_return false;
      }
      got = kRelayChunk - rp->body_size;
      last = rp->is_done();
      if (got > 0 || last) co_return true;
      rp->body_data = chunk_.get();  // nothing yet (e.g. a partial chunk header): read from the socket
      rp->body_size = kRelayChunk;
    }
    up.expires_after(origin.read_timeout);
    auto [ec0, n] = co_await bh::async_read_some(up.socket(), conn->buffer, *rp, kTok);
    beast::error_code ec = up.check(ec0);
    if (ec == bh::error::need_buffer) ec = {};
    if (ec) {
      if (ec == beast::error::timeout) m.upstream_timeouts.inc();
      ctx.error = "origin response body failed: " + ec.message();
      if (!rs.sent_response_head) ctx.response.status = ec == beast::error::timeout ? 504 : 502;
      co_return false;
    }
    got = kRelayChunk - rp->body_size;
    last = rp->is_done();
    co_return true;
  };

  // Body buffering for phases that asked to see it (up to the largest limit asked for).
  const bool origin_has_body = !head_request && origin_status != 204 && origin_status != 304;
  std::string overflow;  // body bytes read while buffering when the body turned out larger than wanted
  if (origin_has_body) {
    std::size_t want = 0;
    for (auto it = w_.phases().rbegin(); it != w_.phases().rend(); ++it)
      want = std::max(want, (*it)->response_body_limit(ctx));
    if (want > 0 && !(rp->content_length() && *rp->content_length() > want)) {
      while (!rp->is_done() && ctx.response_body.size() <= want) {
        std::size_t got = 0;
        bool last = false;
        if (!co_await read_origin_piece(got, last)) co_return UpstreamResult::kFailed;
        ctx.response_body.append(chunk_.get(), got);
      }
      if (rp->is_done() && ctx.response_body.size() <= want) {
        ctx.response_body_buffered = true;
      } else {
        overflow = std::move(ctx.response_body);
        ctx.response_body.clear();
      }
    }
  }
  const bool origin_buffered = ctx.response_body_buffered;

  for (auto it = w_.phases().rbegin(); it != w_.phases().rend(); ++it) (*it)->response_filter(ctx);

  const int status = ctx.response.status >= 100 && ctx.response.status <= 999 ? ctx.response.status : origin_status;
  const bool no_body = head_request || status == 204 || status == 304 || (status >= 100 && status < 200);
  // The body sent is ctx.response_body when buffered or replaced by a phase; otherwise the origin's, streamed.
  const bool send_buffer = ctx.response_body_buffered;
  const bool close_delimited = origin_has_body && !rp->chunked() && !rp->content_length();
  keep_alive = rs.client_keep_alive && !w_.draining() && parser.is_done();
  // Framing is ours: Transfer-Encoding and Connection were dropped as hop-by-hop, and whatever a phase put there is
  // replaced; Content-Length is the origin's unless the body sent is a buffer.
  res.remove("Transfer-Encoding");
  res.remove("Connection");
  bool chunked = false;
  if (send_buffer) {
    if (!head_request && (status == 204 || status == 304 || status < 200)) {
      res.remove("Content-Length");
    } else {
      char digits[20];
      auto r = std::to_chars(digits, digits + sizeof digits, ctx.response_body.size());
      res.set("Content-Length", std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)));
    }
  } else if (!no_body && !rp->content_length()) {
    if (ctx.request.version >= 11) {
      res.set("Transfer-Encoding", "chunked");
      chunked = true;
    } else {
      keep_alive = false;  // HTTP/1.0 client: the body ends when we close
    }
  }
  // HTTP/1.1 is persistent unless it says close; HTTP/1.0 only when it says keep-alive.
  if (ctx.request.version >= 11 && !keep_alive) res.add("Connection", "close");
  if (ctx.request.version < 11 && keep_alive) res.add("Connection", "keep-alive");

  std::string_view reason = status == origin_status && !rp->reason().empty()
                                ? rp->reason()
                                : std::string_view(bh::obsolete_reason(static_cast<bh::status>(status)));
  start_response_head(head_buf_, ctx.request.version, static_cast<unsigned>(status), reason);
  append_fields(head_buf_, res.fields(), [](const FlatFields::Field& f) { return std::pair(f.name, f.value); });
  if (send_buffer) {
    // ---- a buffered or replaced body → client, in one write ----
    writer_.start(&head_buf_, false);
    std::size_t n = no_body ? 0 : ctx.response_body.size();
    client_.expires_after(limits.send_timeout);
    beast::error_code ec = co_await writer_.write(client_, ctx.response_body.data(), n, true);
    rs.sent_response_head = true;
    if (ec) {
      ctx.error = "client write failed: " + ec.message();
      co_return UpstreamResult::kClientGone;
    }
    ctx.bytes_sent += n;
    if (!rp->is_done() && !origin_buffered) {
      // The origin's own body was never read: that connection cannot carry another request.
      ctx.timings.end = Clock::now();
      co_return UpstreamResult::kOk;
    }
  } else {
    // ---- response body ← origin → client, streamed (after what buffering already read) ----
    writer_.start(&head_buf_, chunked);
    if (!overflow.empty()) {
      client_.expires_after(limits.send_timeout);
      beast::error_code ec = co_await writer_.write(client_, overflow.data(), overflow.size(), false);
      rs.sent_response_head = true;
      if (ec) {
        ctx.error = "client write failed: " + ec.message();
        co_return UpstreamResult::kClientGone;
      }
      ctx.bytes_sent += overflow.size();
    }
    for (;;) {
      std::size_t got = 0;
      bool last = true;
      if (!co_await read_origin_piece(got, last)) co_return UpstreamResult::kFailed;
      if (got == 0 && !last) continue;
      client_.expires_after(limits.send_timeout);
      beast::error_code ec = co_await writer_.write(client_, chunk_.get(), got, last);
      rs.sent_response_head = true;
      if (ec) {
        ctx.error = "client write failed: " + ec.message();
        co_return UpstreamResult::kClientGone;
      }
      ctx.bytes_sent += got;
      if (last) break;
    }
  }
  ctx.timings.end = Clock::now();
  if (upstream_keep_alive && rp->is_done() && !close_delimited && conn->buffer.size() == 0 && !w_.draining())
    w_.pool().put(std::move(conn), origin.pool_size);
  co_return UpstreamResult::kOk;
}

net::awaitable<void> Session::send_local(RequestContext& ctx, LocalResponse& local, bool keep_alive) {
  VectorHeaderMap headers(local.headers);
  if (!local.content_type.empty() && !headers.get("Content-Type")) headers.set("Content-Type", local.content_type);
  if (ctx.config && !ctx.request_id.empty()) headers.set(ctx.config->request_id_header, ctx.request_id);
  ctx.response.status = local.status;
  ctx.response.headers = &headers;
  ctx.response_body = std::move(local.body);
  ctx.response_body_buffered = true;
  for (auto it = w_.phases().rbegin(); it != w_.phases().rend(); ++it) (*it)->response_filter(ctx);
  const int status = ctx.response.status;
  const bool head = ctx.request.method == "HEAD";
  const bool no_body_status = status == 204 || status == 304 || status < 200;
  if (no_body_status) ctx.response_body.clear();

  // Framing is ours: whatever a phase put in Connection / Transfer-Encoding / Content-Length is replaced. A HEAD
  // answered without the body (e.g. from a cache) keeps the Content-Length the GET would have.
  std::optional<std::string> head_length;
  if (head && ctx.response_body.empty() && !no_body_status)
    if (auto cl = headers.get("Content-Length")) head_length = std::string(*cl);
  headers.remove("Connection");
  headers.remove("Transfer-Encoding");
  headers.remove("Content-Length");
  const unsigned version = ctx.request.version ? ctx.request.version : 11;
  start_response_head(head_buf_, version, static_cast<unsigned>(status), reason_for(status));
  for (const auto& [k, v] : local.headers) append_field(head_buf_, k, v);
  if (head_length) {
    append_field(head_buf_, "Content-Length", *head_length);
  } else if (!no_body_status) {
    head_buf_.append("Content-Length: ");
    append_number(head_buf_, ctx.response_body.size());
    head_buf_.append("\r\n");
  }
  if (version == 10 && keep_alive) head_buf_.append("Connection: keep-alive\r\n");
  if (version != 10 && !keep_alive) head_buf_.append("Connection: close\r\n");
  head_buf_.append("\r\n");

  const std::size_t body_size = head ? 0 : ctx.response_body.size();
  client_.expires_after(ctx.config ? ctx.config->limits.send_timeout : std::chrono::seconds(10));
  writer_.start(&head_buf_, false);
  beast::error_code ec = co_await writer_.write(client_, ctx.response_body.data(), body_size, true);
  if (!ec) ctx.bytes_sent += body_size;
  ctx.response_body.clear();
  ctx.timings.end = Clock::now();
  if (ec) {
    beast::error_code ignored;
    client_.socket().close(ignored);
  }
}

// Framing errors before a request could be parsed: answer, log, and close without reading further requests.
net::awaitable<void> Session::send_error_and_close(int status, const char* reason) {
  RequestContext ctx;
  ctx.snapshot = w_.snapshot();
  ctx.config = ctx.snapshot->config.get();
  ctx.timings.wall_start = std::chrono::system_clock::now();
  ctx.timings.start = Clock::now();
  ctx.client.ip = peer_ip_;
  ctx.client.port = peer_port_;
  ctx.client_label = client_label_;
  ctx.request.method = "-";
  ctx.request.target = "-";
  char buf[32];
  ctx.request_id = std::string(http::generate_request_id(buf));
  LocalResponse r = error_response(ctx, status, reason);
  co_await send_local(ctx, r, false);
  finish(ctx);
  co_await lingering_close();
}

// Half-close, then read and discard what the client still sends for a moment, so our last response is not
// destroyed by a TCP reset when unread request bytes are left behind.
net::awaitable<void> Session::lingering_close() {
  beast::error_code ec;
  auto& sock = client_.socket();
  if (!sock.is_open()) co_return;
  sock.shutdown(tcp::socket::shutdown_send, ec);
  auto deadline = Clock::now() + std::chrono::seconds(2);
  std::size_t discarded = 0;
  while (!ec && Clock::now() < deadline && discarded < 1024 * 1024) {
    client_.expires_at(deadline);
    auto [e, n] = co_await client_.socket().async_read_some(net::buffer(chunk_.get(), kRelayChunk), kTok);
    ec = e;
    discarded += n;
  }
  sock.close(ec);
}

void Session::finish(RequestContext& ctx) {
  if (ctx.timings.end == Clock::time_point{}) ctx.timings.end = Clock::now();
  const auto& m = metrics::proxy();
  int status = ctx.response.status ? ctx.response.status : 0;
  m.count_response(status);
  auto duration = ctx.timings.end - ctx.timings.start;
  m.request_duration.observe(std::chrono::duration_cast<std::chrono::nanoseconds>(duration));
  log::AccessLog* al = w_.access_log();
  bool any_logging_phase = !w_.phases().empty();
  if ((al && al->enabled()) || any_logging_phase) {
    log::AccessRecord rec;
    rec.timestamp = ctx.timings.wall_start;
    rec.request_id = ctx.request_id;
    rec.client = ctx.client_label;
    rec.method = ctx.request.method;
    rec.path = ctx.request.target;
    rec.status = status;
    rec.bytes_sent = ctx.bytes_sent;
    rec.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(duration);
    if (ctx.timings.upstream_start)
      rec.upstream_time =
          std::chrono::duration_cast<std::chrono::nanoseconds>(ctx.timings.end - *ctx.timings.upstream_start);
    rec.cache_status = ctx.cache_status;
    if (!ctx.error.empty()) rec.add("error", ctx.error);
    for (auto& f : ctx.log_fields) rec.extra.push_back(std::move(f));
    for (const auto& p : w_.phases()) p->logging(ctx, rec);
    if (al && al->enabled()) al->write(rec);
  }
}

}  // namespace

void start_deadline_sweep(WorkerContext& worker) {
  net::co_spawn(
      worker.ioc(),
      [&worker]() -> net::awaitable<void> {
        net::steady_timer timer(worker.ioc());
        // Runs until the worker has drained (then the event loop may finish).
        while (!(worker.draining() && worker.session_count() == 0)) {
          timer.expires_after(DeadlineList::kSweepInterval);
          co_await timer.async_wait(kTok);
          worker.deadlines().sweep(TimedSocket::coarse_now());
        }
      },
      net::detached);
}

void start_session(WorkerContext& worker, tcp::socket socket) {
  auto s = std::make_shared<Session>(worker, std::move(socket));
  net::co_spawn(
      worker.ioc(), [s]() -> net::awaitable<void> { co_await s->run(); }, net::detached);
}

}  // namespace aegis::proxy
