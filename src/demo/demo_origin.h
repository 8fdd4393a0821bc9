// The embedded demo origin: a small HTTP/1.1 server on its own thread inside `aegis serve`, so that `make run`
// has something to proxy to. Enabled by `demo_origin.enabled` in the config.
//
//   /               an HTML page explaining what to try
//   /api/hello      JSON greeting
//   /api/time       JSON with the current time (Cache-Control: no-store)
//   /static/1k.txt  1 KiB of text (Cache-Control: public, max-age=60)
//   /echo           JSON of the request as received (method, target, headers — including the ones the proxy
//                   added such as Via / X-Forwarded-For / the request id —, body)
//   anything else   404 JSON
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.h"

namespace aegis::demo {

class DemoOrigin {
 public:
  DemoOrigin();
  ~DemoOrigin();  // stops
  DemoOrigin(const DemoOrigin&) = delete;
  DemoOrigin& operator=(const DemoOrigin&) = delete;

  // Binds address:port (port 0 = ephemeral) and starts serving on a background thread. Returns false with *error
  // set if it cannot bind, or if already started.
  bool start(const config::DemoOrigin& cfg, std::string* error);
  // Closes the listener and every connection and joins the thread. Idempotent.
  void stop();
  // The bound port (valid after a successful start()).
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aegis::demo
