#include "support/raw_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

#include "support/net.h"

namespace aegis::test {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return std::nullopt;
}

std::vector<std::string> HttpResponse::header_values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) out.push_back(v);
  return out;
}

bool ResponseParser::feed(std::string_view data, std::vector<HttpResponse>& out) {
  buf_.append(data);
  bool progressed = true;
  while (progressed) {
    progressed = false;
    if (!step(out, progressed)) return false;
  }
  return true;
}

bool ResponseParser::finish(std::vector<HttpResponse>& out) {
  if (state_ == State::kUntilClose) {
    cur_.body += buf_;
    buf_.clear();
    ++parsed_;
    out.push_back(std::move(cur_));
    cur_ = {};
    state_ = State::kHead;
    return true;
  }
  return false;
}

bool ResponseParser::step(std::vector<HttpResponse>& out, bool& progressed) {
  auto complete = [&] {
    ++parsed_;
    out.push_back(std::move(cur_));
    cur_ = {};
    state_ = State::kHead;
    progressed = true;
  };
  switch (state_) {
    case State::kHead: {
      auto end = buf_.find("\r\n\r\n");
      if (end == std::string::npos) return buf_.size() < 1024 * 1024;
      std::string head = buf_.substr(0, end);
      buf_.erase(0, end + 4);
      progressed = true;
      auto line_end = head.find("\r\n");
      std::string status_line = head.substr(0, line_end);
      // HTTP/1.1 200 OK
      auto sp1 = status_line.find(' ');
      if (sp1 == std::string::npos || status_line.compare(0, 5, "HTTP/") != 0) return false;
      cur_.version = status_line.substr(0, sp1);
      auto sp2 = status_line.find(' ', sp1 + 1);
      std::string code = status_line.substr(sp1 + 1, sp2 == std::string::npos ? std::string::npos : sp2 - sp1 - 1);
      if (code.size() != 3 || !std::all_of(code.begin(), code.end(), ::isdigit)) return false;
      cur_.status = std::stoi(code);
      cur_.reason = sp2 == std::string::npos ? "" : status_line.substr(sp2 + 1);
      std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
      while (pos < head.size()) {
        auto e = head.find("\r\n", pos);
        if (e == std::string::npos) e = head.size();
        std::string line = head.substr(pos, e - pos);
        pos = e + 2;
        auto colon = line.find(':');
        if (colon == std::string::npos || colon == 0) return false;
        cur_.headers.emplace_back(line.substr(0, colon), trim(std::string_view(line).substr(colon + 1)));
      }
      if ((cur_.status >= 100 && cur_.status < 200)) {
        cur_ = {};  // interim response: skip
        return true;
      }
      const bool head_response = head_at_.count(parsed_) > 0;
      if (head_response || cur_.status == 204 || cur_.status == 304) {
        complete();
        return true;
      }
      auto te = cur_.header("transfer-encoding");
      if (te && lower(*te).find("chunked") != std::string::npos) {
        state_ = State::kChunkSize;
        return true;
      }
      auto cl = cur_.header("content-length");
      if (cl) {
        if (cl->empty() || !std::all_of(cl->begin(), cl->end(), ::isdigit) || cl->size() > 15) return false;
        remaining_ = std::stoull(*cl);
        if (remaining_ == 0) {
          complete();
          return true;
        }
        state_ = State::kLength;
        return true;
      }
      state_ = State::kUntilClose;
      return true;
    }
    case State::kLength: {
      std::size_t n = std::min(remaining_, buf_.size());
      if (n == 0) return true;
      cur_.body.append(buf_, 0, n);
      buf_.erase(0, n);
      remaining_ -= n;
      progressed = true;
      if (remaining_ == 0) complete();
      return true;
    }
    case State::kChunkSize: {
      auto e = buf_.find("\r\n");
      if (e == std::string::npos) return buf_.size() < 4096;
      std::string line = buf_.substr(0, e);
      buf_.erase(0, e + 2);
      progressed = true;
      auto semi = line.find(';');
      std::string hex = trim(line.substr(0, semi));
      if (hex.empty() || hex.size() > 15 || !std::all_of(hex.begin(), hex.end(), ::isxdigit)) return false;
      remaining_ = std::stoull(hex, nullptr, 16);
      state_ = remaining_ == 0 ? State::kTrailers : State::kChunkData;
      return true;
    }
    case State::kChunkData: {
      std::size_t n = std::min(remaining_, buf_.size());
      if (n == 0) return true;
      cur_.body.append(buf_, 0, n);
      buf_.erase(0, n);
      remaining_ -= n;
      progressed = true;
      if (remaining_ == 0) state_ = State::kChunkDataCrlf;
      return true;
    }
    case State::kChunkDataCrlf: {
      if (buf_.size() < 2) return true;
      if (buf_.compare(0, 2, "\r\n") != 0) return false;
      buf_.erase(0, 2);
      progressed = true;
      state_ = State::kChunkSize;
      return true;
    }
    case State::kTrailers: {
      auto e = buf_.find("\r\n");
      if (e == std::string::npos) return buf_.size() < 65536;
      std::string line = buf_.substr(0, e);
      buf_.erase(0, e + 2);
      progressed = true;
      if (line.empty()) complete();
      return true;
    }
    case State::kUntilClose:
      cur_.body += buf_;
      buf_.clear();
      return true;
  }
  return true;
}

RawClient::RawClient(uint16_t port, std::chrono::milliseconds connect_timeout)
    : fd_(connect_loopback(port, connect_timeout)) {}

RawClient::~RawClient() { close(); }

void RawClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawClient::send(std::string_view bytes) {
  if (fd_ < 0) return false;
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void RawClient::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

ReadResult RawClient::read_impl(std::size_t count, std::chrono::milliseconds timeout) {
  ReadResult r;
  if (fd_ < 0) {
    r.closed = true;
    return r;
  }
  if (eof_) {
    r.closed = true;
    return r;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[16384];
  while (r.responses.size() < count) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      break;
    }
    pollfd p{fd_, POLLIN, 0};
    int pr = ::poll(&p, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) {
      r.timed_out = true;
      break;
    }
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // FIN, or RST (ECONNRESET)
      eof_ = true;
      r.closed = true;
      parser_.finish(r.responses);
      break;
    }
    r.raw.append(buf, static_cast<std::size_t>(n));
    if (!parser_.feed(std::string_view(buf, static_cast<std::size_t>(n)), r.responses)) {
      r.parse_error = true;
      break;
    }
  }
  return r;
}

ReadResult RawClient::read_responses(std::size_t count, std::chrono::milliseconds timeout) {
  return read_impl(count, timeout);
}

ReadResult RawClient::read_until_close(std::chrono::milliseconds timeout) {
  return read_impl(static_cast<std::size_t>(-1), timeout);
}

bool RawClient::wait_closed(std::chrono::milliseconds timeout) {
  if (eof_) return true;
  auto r = read_impl(static_cast<std::size_t>(-1), timeout);
  return r.closed;
}

HttpResponse http_request(uint16_t port, const std::string& method, const std::string& target,
                          const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body,
                          std::chrono::milliseconds timeout) {
  RawClient c(port);
  if (!c.connected()) return {};
  std::string req = method + " " + target + " HTTP/1.1\r\n";
  bool has_host = false, has_cl = false;
  for (const auto& [k, v] : headers) {
    if (iequals(k, "host")) has_host = true;
    if (iequals(k, "content-length") || iequals(k, "transfer-encoding")) has_cl = true;
    req += k + ": " + v + "\r\n";
  }
  if (!has_host) req += "Host: localhost\r\n";
  if (!has_cl && (!body.empty() || method == "POST" || method == "PUT"))
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "Connection: close\r\n\r\n";
  req += body;
  if (!c.send(req)) return {};
  if (method == "HEAD") c.expect_head_response();
  auto r = c.read_responses(1, timeout);
  if (r.responses.empty()) return {};
  return r.responses.front();
}

}  // namespace aegis::test
