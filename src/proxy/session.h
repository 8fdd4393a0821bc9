// The downstream HTTP/1.1 connection: reads requests (keep-alive, pipelined requests answered in order), checks
// framing on the raw head, runs the phases, proxies to the origin with streamed bodies, writes the response,
// logs and counts it. One coroutine per connection on the worker's event loop.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include "proxy/worker_context.h"

namespace aegis::proxy {

// Takes ownership of an accepted socket and serves it until it closes. Must be called on the worker's thread.
void start_session(WorkerContext& worker, boost::asio::ip::tcp::socket socket);

// Starts the worker's I/O deadline sweep (see proxy/timed_socket.h): every DeadlineList::kSweepInterval, cancels
// the operations whose deadline passed. It stops once the worker is draining and has no session left. Call once,
// before the worker's event loop runs.
void start_deadline_sweep(WorkerContext& worker);

}  // namespace aegis::proxy
