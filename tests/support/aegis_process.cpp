#include "support/aegis_process.h"

#include <signal.h>

#include <thread>

#include "support/net.h"
#include "support/origin_process.h"

namespace aegis::test {

std::string substitute(std::string text, const Vars& vars) {
  for (const auto& [k, v] : vars) {
    const std::string key = "{{" + k + "}}";
    for (auto pos = text.find(key); pos != std::string::npos; pos = text.find(key, pos + v.size()))
      text.replace(pos, key.size(), v);
  }
  return text;
}

std::string config_preamble() {
  return R"(node_name: aegis-test
workers: 1
log_level: info
listeners:
  - address: 127.0.0.1
    port: {{LISTEN_PORT}}
admin:
  address: 127.0.0.1
  port: {{ADMIN_PORT}}
access_log:
  path: {{DIR}}/access.log
origins:
  - name: origin
    servers: ["127.0.0.1:{{ORIGIN_PORT}}"]
)";
}

std::string basic_config(const std::string& extra) {
  return config_preamble() + R"(routes:
  - host: "*"
    path_prefix: /
    origin: origin
)" + extra;
}

AegisProcess::~AegisProcess() {
  if (proc_.running()) {
    proc_.signal(SIGTERM);
    if (!proc_.wait(5s)) proc_.kill();
  }
}

bool AegisProcess::start(const std::string& yaml_template, const Vars& vars, std::string* error) {
  return start(yaml_template, vars, Options{}, error);
}

bool AegisProcess::start(const std::string& yaml_template, const Vars& vars, const Options& options,
                         std::string* error) {
  config_path_ = dir_.file("aegis.yaml");
  std::string last_err;
  for (int attempt = 0; attempt < 4; ++attempt) {
    port_ = free_port();
    do {
      admin_port_ = free_port();
    } while (admin_port_ == port_);
    vars_ = vars;
    vars_["LISTEN_PORT"] = std::to_string(port_);
    vars_["ADMIN_PORT"] = std::to_string(admin_port_);
    vars_["DIR"] = dir_.path();
    write_file(config_path_, substitute(yaml_template, vars_));

    std::vector<std::string> argv = {aegis_binary(), "serve", "-c", config_path_};
    argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
    ChildProcess::Options po;
    po.env = options.env;
    po.stdout_path = dir_.file("aegis.stdout");
    po.stderr_path = dir_.file("aegis.stderr");
    std::string err;
    if (!proc_.start(argv, po, &err)) {
      if (error) *error = err;
      return false;
    }
    auto deadline = std::chrono::steady_clock::now() + options.ready_timeout;
    bool listen_ok = false, admin_ok = !options.wait_admin;
    while (std::chrono::steady_clock::now() < deadline && proc_.running()) {
      if (!listen_ok) listen_ok = wait_for_port(port_, 50ms);
      if (!admin_ok) admin_ok = wait_for_port(admin_port_, 50ms);
      if (listen_ok && admin_ok) return true;
      std::this_thread::sleep_for(10ms);
    }
    bool exited = !proc_.running();
    last_err = std::string(exited ? "aegis exited (code " + std::to_string(proc_.exit_code().value_or(-1)) + ")"
                                  : "aegis did not accept on its ports in time") +
               "\n--- stderr ---\n" + proc_.stderr_text() + "\n--- stdout ---\n" + proc_.stdout_text();
    if (!exited) {
      proc_.kill();
      break;
    }
    // Retry only if a port was taken by someone else in the meantime.
    if (last_err.find("in use") == std::string::npos) break;
  }
  if (error) *error = last_err;
  return false;
}

bool AegisProcess::reload(const std::string& yaml_template, const Vars& more) {
  for (const auto& [k, v] : more) vars_[k] = v;
  write_file(config_path_, substitute(yaml_template, vars_));
  return proc_.signal(SIGHUP);
}

std::optional<int> AegisProcess::stop(std::chrono::milliseconds timeout) {
  if (!proc_.running()) return proc_.exit_code();
  proc_.signal(SIGTERM);
  auto code = proc_.wait(timeout);
  if (!code) proc_.kill();
  return code;
}

}  // namespace aegis::test
