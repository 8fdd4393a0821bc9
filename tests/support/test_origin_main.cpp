// aegis_test_origin — a deliberately simple, separate-process HTTP/1.1 origin for integration tests.
//
//   aegis_test_origin --port P [--port-file F] --log FILE [--close-idle-after MS]
//
// --port 0 binds an ephemeral port; --port-file receives the bound port (written atomically once listening).
// Every request received is appended to FILE as one JSON line:
//   {"seq":N,"conn":C,"method":..,"target":..,"version":..,"headers":[[k,v],..],"body_length":N,
//    "body_sha256":"..","body":"<first 256 bytes>"}
// and bytes it cannot parse as a request are logged as {"conn":C,"error":"..","raw":"<bytes>"}, so tests can assert
// that something never reached the origin.
//
// Behaviour by path: /echo (JSON of the request), /size/N (N bytes, Content-Length), /chunked/N (N bytes, chunked),
// /delay/MS (sleep, then 200), /status/N, /close (Connection: close), /reset (abortive close, no response),
// /headers?k=v&... (adds response headers), /json?k=v&... (a JSON object {"k":"v",...}, application/json),
// /cache/ANY?k=v&... (a cacheable resource for the cache tests: headers from the query, _status/_delay/_size/_echo/
// _304etag controls, 304 for matching If-None-Match / If-Modified-Since; see respond()),
// anything else: 200 with a 1 KB body. HEAD gets no body.
// Every response carries X-Origin-Port, X-Origin-Seq (request number) and X-Origin-Conn (connection number).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using json = nlohmann::json;

int g_log_fd = -1;
std::mutex g_log_mu;
std::atomic<uint64_t> g_seq{0};
std::atomic<uint64_t> g_conn{0};
uint16_t g_port = 0;
int g_close_idle_ms = -1;

constexpr std::size_t kMaxHead = 64 * 1024;
constexpr std::size_t kMaxBody = 64 * 1024 * 1024;

void log_line(const json& j) {
  std::string line = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::lock_guard lock(g_log_mu);
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(g_log_fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 18 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string url_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

struct Request {
  std::string method, target, version;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::string> header(const std::string& name) const {
    for (const auto& [k, v] : headers)
      if (lower(k) == name) return v;
    return std::nullopt;
  }
};

class Connection {
 public:
  Connection(int fd, uint64_t id) : fd_(fd), id_(id) {}
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }

  void run() {
    for (;;) {
      Request req;
      std::string error;
      int r = read_request(req, error);
      if (r == 0) return;  // clean close / idle close
      if (r < 0) {
        json j{{"conn", id_}, {"error", error}, {"raw", buf_.substr(0, 4096)}};
        log_line(j);
        send_all("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
      }
      uint64_t seq = ++g_seq;
      json hdrs = json::array();
      for (const auto& [k, v] : req.headers) hdrs.push_back(json::array({k, v}));
      log_line(json{{"seq", seq},
                    {"conn", id_},
                    {"method", req.method},
                    {"target", req.target},
                    {"version", req.version},
                    {"headers", hdrs},
                    {"body_length", req.body.size()},
                    {"body_sha256", sha256_hex(req.body)},
                    {"body", req.body.substr(0, 256)}});
      if (!respond(req, seq)) return;
    }
  }

 private:
  // 1 = request read, 0 = connection closed before a request started, -1 = malformed (error set).
  int read_request(Request& req, std::string& error) {
    std::size_t head_end;
    for (;;) {
      head_end = buf_.find("\r\n\r\n");
      if (head_end != std::string::npos) break;
      if (buf_.size() > kMaxHead) {
        error = "head too large";
        return -1;
      }
      int r = fill(buf_.empty());
      if (r <= 0) {
        if (!buf_.empty()) {
          error = "connection closed mid-head";
          return -1;
        }
        return 0;
      }
    }
    std::string head = buf_.substr(0, head_end);
    std::size_t line_end = head.find("\r\n");
    std::string line = head.substr(0, line_end);
    auto sp1 = line.find(' ');
    auto sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) {
      error = "bad request line";
      return -1;
    }
    req.method = line.substr(0, sp1);
    req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    req.version = line.substr(sp2 + 1);
    if (req.version != "HTTP/1.1" && req.version != "HTTP/1.0") {
      error = "bad version";
      return -1;
    }
    std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      auto e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string h = head.substr(pos, e - pos);
      pos = e + 2;
      auto colon = h.find(':');
      if (colon == std::string::npos || colon == 0) {
        error = "bad header line";
        return -1;
      }
      req.headers.emplace_back(h.substr(0, colon), trim(h.substr(colon + 1)));
    }
    buf_.erase(0, head_end + 4);

    auto te = req.header("transfer-encoding");
    auto cl = req.header("content-length");
    if (te) {
      if (lower(trim(*te)) != "chunked") {
        error = "unsupported transfer-encoding";
        return -1;
      }
      return read_chunked(req, error);
    }
    if (cl) {
      if (!all_digits(*cl)) {
        error = "bad content-length";
        return -1;
      }
      std::size_t n = std::stoull(*cl);
      if (n > kMaxBody) {
        error = "body too large";
        return -1;
      }
      while (buf_.size() < n) {
        if (fill(false) <= 0) {
          error = "connection closed mid-body";
          return -1;
        }
      }
      req.body = buf_.substr(0, n);
      buf_.erase(0, n);
    }
    return 1;
  }

  int read_chunked(Request& req, std::string& error) {
    for (;;) {
      std::size_t e;
      while ((e = buf_.find("\r\n")) == std::string::npos) {
        if (buf_.size() > 4096 || fill(false) <= 0) {
          error = "bad chunk size line";
          return -1;
        }
      }
      std::string size_line = buf_.substr(0, e);
      auto semi = size_line.find(';');
      std::string hex = trim(size_line.substr(0, semi));
      if (hex.empty() || hex.size() > 12 ||
          !std::all_of(hex.begin(), hex.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
        error = "bad chunk size";
        return -1;
      }
      std::size_t n = std::stoull(hex, nullptr, 16);
      buf_.erase(0, e + 2);
      if (n == 0) break;
      if (req.body.size() + n > kMaxBody) {
        error = "body too large";
        return -1;
      }
      while (buf_.size() < n + 2) {
        if (fill(false) <= 0) {
          error = "connection closed mid-chunk";
          return -1;
        }
      }
      if (buf_.compare(n, 2, "\r\n") != 0) {
        error = "chunk not followed by CRLF";
        return -1;
      }
      req.body.append(buf_, 0, n);
      buf_.erase(0, n + 2);
    }
    // trailers
    for (;;) {
      std::size_t e;
      while ((e = buf_.find("\r\n")) == std::string::npos) {
        if (buf_.size() > kMaxHead || fill(false) <= 0) {
          error = "bad trailers";
          return -1;
        }
      }
      bool empty = e == 0;
      buf_.erase(0, e + 2);
      if (empty) return 1;
    }
  }

  // Reads more bytes into buf_. Returns >0 bytes read, 0 on EOF/idle-close, -1 on error.
  int fill(bool idle) {
    if (idle && g_close_idle_ms >= 0) {
      pollfd p{fd_, POLLIN, 0};
      int pr;
      do {
        pr = ::poll(&p, 1, g_close_idle_ms);
      } while (pr < 0 && errno == EINTR);
      if (pr == 0) return 0;  // idle too long: close
    }
    char tmp[16384];
    ssize_t n;
    do {
      n = ::recv(fd_, tmp, sizeof tmp, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return static_cast<int>(n);
    buf_.append(tmp, static_cast<std::size_t>(n));
    return static_cast<int>(n);
  }

  bool send_all(const std::string& data) {
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
      ssize_t n = ::send(fd_, p, left, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    return true;
  }

  static std::string reason(int status) {
    switch (status) {
      case 200: return "OK";
      case 201: return "Created";
      case 204: return "No Content";
      case 301: return "Moved Permanently";
      case 302: return "Found";
      case 304: return "Not Modified";
      case 400: return "Bad Request";
      case 403: return "Forbidden";
      case 404: return "Not Found";
      case 500: return "Internal Server Error";
      case 502: return "Bad Gateway";
      case 503: return "Service Unavailable";
      default: return "Status";
    }
  }

  // Returns false when the connection must close.
  bool respond(const Request& req, uint64_t seq) {
    std::string path = req.target, query;
    if (auto q = path.find('?'); q != std::string::npos) {
      query = path.substr(q + 1);
      path = path.substr(0, q);
    }
    // absolute-form: keep only the path
    if (path.rfind("http://", 0) == 0) {
      auto slash = path.find('/', 7);
      path = slash == std::string::npos ? "/" : path.substr(slash);
    }
    bool head = req.method == "HEAD";
    bool keep_alive = req.version == "HTTP/1.1";
    if (auto c = req.header("connection")) {
      std::string lc = lower(*c);
      if (lc.find("close") != std::string::npos) keep_alive = false;
      if (lc.find("keep-alive") != std::string::npos && req.version == "HTTP/1.0") keep_alive = true;
    }
    int status = 200;
    std::string body, content_type = "text/plain";
    std::vector<std::pair<std::string, std::string>> extra;
    bool chunked = false;

    auto number_after = [&](const std::string& prefix) -> long long {
      std::string rest = path.substr(prefix.size());
      return all_digits(rest) ? std::stoll(rest) : -1;
    };

    if (path == "/echo") {
      json hdrs = json::array();
      for (const auto& [k, v] : req.headers) hdrs.push_back(json::array({k, v}));
      body = json{{"method", req.method},
                  {"target", req.target},
                  {"version", req.version},
                  {"headers", hdrs},
                  {"body_length", req.body.size()},
                  {"body", req.body}}
                 .dump(-1, ' ', false, json::error_handler_t::replace);
      content_type = "application/json";
    } else if (path.rfind("/size/", 0) == 0 && number_after("/size/") >= 0) {
      body = make_body(static_cast<std::size_t>(number_after("/size/")));
    } else if (path.rfind("/chunked/", 0) == 0 && number_after("/chunked/") >= 0) {
      body = make_body(static_cast<std::size_t>(number_after("/chunked/")));
      chunked = true;
    } else if (path.rfind("/delay/", 0) == 0 && number_after("/delay/") >= 0) {
      long long ms = number_after("/delay/");
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
      body = "delayed " + std::to_string(ms) + " ms\n";
    } else if (path.rfind("/status/", 0) == 0 && number_after("/status/") >= 100 && number_after("/status/") < 600) {
      status = static_cast<int>(number_after("/status/"));
      body = "status " + std::to_string(status) + "\n";
    } else if (path == "/close") {
      keep_alive = false;
      body = "closing\n";
    } else if (path == "/reset") {
      linger l{1, 0};
      ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
      ::close(fd_);
      fd_ = -1;
      return false;
    } else if (path == "/json") {
      json obj = json::object();
      std::size_t pos = 0;
      while (!query.empty() && pos <= query.size()) {
        auto amp = query.find('&', pos);
        std::string kv = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        auto eq = kv.find('=');
        if (!kv.empty())
          obj[url_decode(kv.substr(0, eq))] = eq == std::string::npos ? "" : url_decode(kv.substr(eq + 1));
        if (amp == std::string::npos) break;
        pos = amp + 1;
      }
      body = obj.dump(-1, ' ', false, json::error_handler_t::replace);
      content_type = "application/json";
    } else if (path.rfind("/cache/", 0) == 0) {
      // Cache test resource: query k=v pairs become response headers, except the control parameters
      // _status=N, _delay=MS, _size=N (body of N pattern bytes instead of "<path> seq=<seq>\n") and _echo=NAME
      // (appends "NAME=<request value>" to the body). Conditional requests are honoured: If-None-Match matching
      // the ETag set (weak comparison, or *) or If-Modified-Since equal to the Last-Modified set → 304.
      // _304etag=TAG: a 304 carries ETag TAG instead of the ETag set (an origin whose 304 names another
      // representation, RFC 9111 §4.3.4).
      std::string etag, last_modified, echo, etag_304;
      long long size = -1, delay = 0;
      std::size_t pos = 0;
      while (!query.empty() && pos <= query.size()) {
        auto amp = query.find('&', pos);
        std::string kv = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        auto eq = kv.find('=');
        std::string k = url_decode(kv.substr(0, eq)), v = eq == std::string::npos ? "" : url_decode(kv.substr(eq + 1));
        if (k == "_status" && all_digits(v)) status = std::stoi(v);
        else if (k == "_delay" && all_digits(v)) delay = std::stoll(v);
        else if (k == "_size" && all_digits(v)) size = std::stoll(v);
        else if (k == "_echo") echo = v;
        else if (k == "_304etag") etag_304 = v;
        else if (!k.empty()) {
          if (lower(k) == "etag") etag = v;
          if (lower(k) == "last-modified") last_modified = v;
          extra.emplace_back(k, v);
        }
        if (amp == std::string::npos) break;
        pos = amp + 1;
      }
      if (delay > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      body = size >= 0 ? make_body(static_cast<std::size_t>(size)) : path + " seq=" + std::to_string(seq) + "\n";
      if (!echo.empty()) body += echo + "=" + req.header(lower(echo)).value_or("") + "\n";
      auto strip_weak = [](std::string t) { return t.rfind("W/", 0) == 0 ? t.substr(2) : t; };
      bool not_modified = false;
      if (auto inm = req.header("if-none-match")) {
        std::string list = *inm;
        std::size_t p = 0;
        while (p <= list.size()) {
          auto c = list.find(',', p);
          std::string t = trim(list.substr(p, c == std::string::npos ? std::string::npos : c - p));
          if (t == "*" || (!etag.empty() && strip_weak(t) == strip_weak(etag))) not_modified = true;
          if (c == std::string::npos) break;
          p = c + 1;
        }
      } else if (auto ims = req.header("if-modified-since")) {
        not_modified = !last_modified.empty() && *ims == last_modified;
      }
      if (not_modified && (req.method == "GET" || req.method == "HEAD")) {
        status = 304;
        if (!etag_304.empty())
          for (auto& [k, v] : extra)
            if (lower(k) == "etag") v = etag_304;
      }
    } else if (path == "/headers") {
      std::size_t pos = 0;
      while (pos <= query.size() && !query.empty()) {
        auto amp = query.find('&', pos);
        std::string kv = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        auto eq = kv.find('=');
        if (!kv.empty()) extra.emplace_back(url_decode(kv.substr(0, eq)),
                                            eq == std::string::npos ? "" : url_decode(kv.substr(eq + 1)));
        if (amp == std::string::npos) break;
        pos = amp + 1;
      }
      body = "headers set\n";
    } else {
      body = make_body(1024);
    }
    bool no_body = head || status == 204 || status == 304 || (status >= 100 && status < 200);

    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\n";
    out += "Content-Type: " + content_type + "\r\n";
    out += "X-Origin-Port: " + std::to_string(g_port) + "\r\n";
    out += "X-Origin-Seq: " + std::to_string(seq) + "\r\n";
    out += "X-Origin-Conn: " + std::to_string(id_) + "\r\n";
    for (const auto& [k, v] : extra) out += k + ": " + v + "\r\n";
    if (!keep_alive) out += "Connection: close\r\n";
    if (chunked) {
      out += "Transfer-Encoding: chunked\r\n\r\n";
      if (!no_body) {
        for (std::size_t off = 0; off < body.size(); off += 1000) {
          std::size_t n = std::min<std::size_t>(1000, body.size() - off);
          char hex[32];
          std::snprintf(hex, sizeof hex, "%zx\r\n", n);
          out += hex;
          out.append(body, off, n);
          out += "\r\n";
        }
        out += "0\r\n\r\n";
      }
    } else {
      if (status != 204 && !(status >= 100 && status < 200) && status != 304)
        out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
      out += "\r\n";
      if (!no_body) out += body;
    }
    if (!send_all(out)) return false;
    return keep_alive;
  }

  static std::string make_body(std::size_t n) {
    static const char pattern[] = "abcdefghijklmnopqrstuvwxyz0123456789\n";
    std::string s(n, 'x');
    for (std::size_t i = 0; i < n; ++i) s[i] = pattern[i % (sizeof pattern - 1)];
    return s;
  }

  int fd_;
  uint64_t id_;
  std::string buf_;
};

[[noreturn]] void usage() {
  std::fprintf(stderr, "usage: aegis_test_origin --port P [--port-file F] --log FILE [--close-idle-after MS]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int port = -1;
  std::string log_path, port_file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--port") port = std::atoi(next().c_str());
    else if (a == "--log") log_path = next();
    else if (a == "--port-file") port_file = next();
    else if (a == "--close-idle-after") g_close_idle_ms = std::atoi(next().c_str());
    else usage();
  }
  if (port < 0 || port > 65535 || log_path.empty()) usage();
  ::signal(SIGPIPE, SIG_IGN);

  g_log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (g_log_fd < 0) {
    std::perror("open log");
    return 1;
  }
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 512) != 0) {
    std::perror("bind/listen");
    return 1;
  }
  socklen_t len = sizeof addr;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  g_port = ntohs(addr.sin_port);
  if (!port_file.empty()) {
    std::string tmp = port_file + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f) return 1;
    std::fprintf(f, "%u\n", g_port);
    std::fclose(f);
    std::rename(tmp.c_str(), port_file.c_str());
  }
  std::fprintf(stderr, "aegis_test_origin listening on 127.0.0.1:%u\n", g_port);
  for (;;) {
    int cfd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (cfd < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE) {
        if (errno == EMFILE || errno == ENFILE) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      std::perror("accept");
      return 1;
    }
    ::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    uint64_t id = ++g_conn;
    std::thread([cfd, id] { Connection(cfd, id).run(); }).detach();
  }
}
