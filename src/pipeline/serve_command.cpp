// `aegis serve -c FILE` — runs the edge node until SIGTERM/SIGINT.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include <boost/system/system_error.hpp>

#include "cli/commands.h"
#include "config/loader.h"
#include "demo/demo_origin.h"
#include "log/logging.h"
#include "pipeline/pipeline.h"
#include "server/server.h"

namespace aegis::cli {
namespace {

constexpr const char* kServeUsage =
    "Usage: aegis serve -c FILE [--drain-timeout SECONDS]\n"
    "\n"
    "Runs the edge node with the YAML config FILE.\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE        the config (required)\n"
    "      --drain-timeout S    on SIGTERM/SIGINT, give in-flight requests S seconds to finish (default 10)\n"
    "  -h, --help               this help\n"
    "\n"
    "Signals: SIGHUP reloads the config (an invalid one is refused and the running one kept);\n"
    "SIGTERM/SIGINT stop accepting, finish in-flight requests and exit 0.\n"
    "Admin endpoints (config `admin`): GET /healthz, GET /metrics, POST /reload.\n";

std::string host_for_url(const std::string& address) {
  if (address == "0.0.0.0" || address == "::") return "127.0.0.1";
  if (address.find(':') != std::string::npos) return "[" + address + "]";
  return address;
}

}  // namespace

int serve_main(int argc, char** argv) {
  std::string config_path;
  double drain_seconds = 10;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kServeUsage, stdout);
      return 0;
    } else if ((a == "-c" || a == "--config") && i + 1 < argc) {
      config_path = argv[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      config_path = std::string(a.substr(9));
    } else if (a == "--drain-timeout" && i + 1 < argc) {
      char* end = nullptr;
      drain_seconds = std::strtod(argv[++i], &end);
      if (!end || *end != '\0' || drain_seconds < 0) {
        std::fprintf(stderr, "aegis serve: invalid --drain-timeout '%s'\n", argv[i]);
        return 2;
      }
    } else {
      std::fprintf(stderr, "aegis serve: unexpected argument '%s'\n\n%s", argv[i], kServeUsage);
      return 2;
    }
  }
  if (config_path.empty()) {
    std::fprintf(stderr, "aegis serve: missing -c FILE\n\n%s", kServeUsage);
    return 2;
  }

  config::Config cfg;
  try {
    cfg = config::load_file(config_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aegis: %s\n", e.what());
    return 1;
  }
  try {
    log::setup(cfg.log_level);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aegis: %s\n", e.what());
    return 1;
  }

  std::unique_ptr<demo::DemoOrigin> demo_origin;
  if (cfg.demo_origin.enabled) {
    demo_origin = std::make_unique<demo::DemoOrigin>();
    std::string error;
    if (!demo_origin->start(cfg.demo_origin, &error)) {
      std::fprintf(stderr, "aegis: demo origin: %s\n", error.c_str());
      return 1;
    }
  }

  std::unique_ptr<pipeline::Pipeline> pipe;
  try {
    pipe = std::make_unique<pipeline::Pipeline>(cfg);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aegis: %s\n", e.what());
    return 1;
  }
  server::Server::Options options =
      pipe->server_options(std::chrono::milliseconds(static_cast<long long>(drain_seconds * 1000)));
  std::unique_ptr<server::Server> srv;
  try {
    srv = std::make_unique<server::Server>(cfg, options);
    srv->start();
  } catch (const boost::system::system_error& e) {
    std::fprintf(stderr, "aegis: cannot listen: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aegis: %s\n", e.what());
    return 1;
  }

  std::string line = "aegis: listening on";
  for (std::size_t i = 0; i < cfg.listeners.size(); ++i)
    line += (i ? ", http://" : " http://") + host_for_url(cfg.listeners[i].address) + ":" +
            std::to_string(srv->listener_ports()[i]);
  if (srv->admin_port())
    line += " (admin http://" + host_for_url(cfg.admin.address) + ":" + std::to_string(srv->admin_port()) + ")";
  std::printf("%s\n", line.c_str());
  if (demo_origin)
    std::printf("aegis: demo origin on http://%s:%u — try: curl -i http://%s:%u/\n",
                host_for_url(cfg.demo_origin.address).c_str(), demo_origin->port(),
                host_for_url(cfg.listeners.empty() ? "127.0.0.1" : cfg.listeners[0].address).c_str(),
                srv->listener_ports().empty() ? 0u : srv->listener_ports()[0]);
  std::fflush(stdout);

  int rc = srv->run_until_signal();
  srv.reset();
  pipe.reset();
  if (demo_origin) demo_origin->stop();
  log::logger().info("bye");
  return rc;
}

}  // namespace aegis::cli
