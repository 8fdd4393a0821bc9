#include "proxy/upstream_pool.h"

#include <sys/socket.h>

#include <cerrno>

namespace aegis::proxy {

namespace {
// True if the idle connection looks usable: no FIN/RST from the origin and no unexpected bytes waiting.
bool still_open(UpstreamConnection& c) {
  auto& sock = c.stream.socket();
  if (!sock.is_open()) return false;
  char byte;
  ssize_t n = ::recv(sock.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return false;                     // origin closed
  if (n > 0) return false;                      // unsolicited bytes: framing is off, never reuse
  return errno == EAGAIN || errno == EWOULDBLOCK;
}
}  // namespace

std::unique_ptr<UpstreamConnection> UpstreamPool::take(const boost::asio::ip::tcp::endpoint& peer,
                                                       std::chrono::milliseconds idle_timeout) {
  auto it = idle_.find(peer);
  if (it == idle_.end()) return nullptr;
  auto& list = it->second;
  auto now = std::chrono::steady_clock::now();
  while (!list.empty()) {
    std::unique_ptr<UpstreamConnection> c = std::move(list.back());
    list.pop_back();
    if (now - c->idle_since > idle_timeout) continue;  // closes it
    if (!c->buffer.size() && still_open(*c)) return c;
  }
  return nullptr;
}

void UpstreamPool::put(std::unique_ptr<UpstreamConnection> conn, std::size_t max_idle) {
  if (max_idle == 0) return;
  auto& list = idle_[conn->peer];
  if (list.size() >= max_idle) {
    // Drop the oldest (front) to keep the most recently used ones.
    list.erase(list.begin());
  }
  conn->idle_since = std::chrono::steady_clock::now();
  conn->stream.expires_never();
  list.push_back(std::move(conn));
}

void UpstreamPool::clear() { idle_.clear(); }

std::size_t UpstreamPool::idle_count() const {
  std::size_t n = 0;
  for (const auto& [peer, list] : idle_) n += list.size();
  return n;
}

}  // namespace aegis::proxy
