// Socket helpers for tests: free ports and waiting for a listener on 127.0.0.1.
#pragma once

#include <chrono>
#include <cstdint>

namespace aegis::test {

using namespace std::chrono_literals;

// A port that was free a moment ago (bind 127.0.0.1:0, read it back, close). Another process may still take it
// before you bind; prefer having the child bind port 0 and report it where you can.
uint16_t free_port();

// True once a TCP connect to 127.0.0.1:port succeeds (the connection is closed immediately), false on timeout.
bool wait_for_port(uint16_t port, std::chrono::milliseconds timeout = 10s);

// Connects to 127.0.0.1:port; returns the fd or -1.
int connect_loopback(uint16_t port, std::chrono::milliseconds timeout = 5s);

}  // namespace aegis::test
