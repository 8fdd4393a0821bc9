// AegisProcess: the real `aegis serve` binary as a child process for end-to-end tests.
//
// The YAML config is given as a template; these placeholders are replaced before it is written into a private
// TempDir:  {{LISTEN_PORT}} {{ADMIN_PORT}} {{DIR}} (the temp dir) and any {{NAME}} passed in `vars`.
// Listener and admin ports are fresh free ports; start() waits until both accept connections (retrying with new
// ports if another process took one meanwhile). stop() sends SIGTERM and returns the exit code.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/fs.h"
#include "support/process.h"

namespace aegis::test {

using namespace std::chrono_literals;

using Vars = std::map<std::string, std::string>;

// Replaces every {{NAME}} in text with vars[NAME] (unknown names are left as is).
std::string substitute(std::string text, const Vars& vars);

// A minimal serve config: listener, admin, one origin "origin" at 127.0.0.1:{{ORIGIN_PORT}}, a catch-all route,
// access log to {{DIR}}/access.log, one worker. `extra` is appended verbatim (top-level YAML keys).
std::string basic_config(const std::string& extra = {});
// The part of basic_config before `routes:` (node, listener, admin, access log, the one origin), for tests that
// write their own routes and other sections.
std::string config_preamble();

class AegisProcess {
 public:
  struct Options {
    bool wait_admin = true;                    // also wait for the admin listener
    std::chrono::milliseconds ready_timeout = 30s;
    std::vector<std::string> extra_args;       // appended after `serve -c FILE`
    std::map<std::string, std::string> env;
  };

  AegisProcess() = default;
  ~AegisProcess();

  // Returns false with *error (including aegis' stderr) if it does not come up.
  bool start(const std::string& yaml_template, const Vars& vars = {}, std::string* error = nullptr);
  bool start(const std::string& yaml_template, const Vars& vars, const Options& options, std::string* error);

  uint16_t port() const { return port_; }
  uint16_t admin_port() const { return admin_port_; }
  const std::string& dir() const { return dir_.path(); }
  std::string file(const std::string& name) const { return dir_.file(name); }
  const std::string& config_path() const { return config_path_; }
  std::string stdout_text() const { return proc_.stdout_text(); }
  std::string stderr_text() const { return proc_.stderr_text(); }
  std::string access_log_text() const { return read_file(dir_.file("access.log")); }
  Vars vars() const { return vars_; }  // the substitutions in effect (ports, DIR, user vars)

  // Rewrites the config file from a new template (same ports and vars, plus `more`) and sends SIGHUP.
  bool reload(const std::string& yaml_template, const Vars& more = {});
  bool signal(int sig) { return proc_.signal(sig); }
  bool running() { return proc_.running(); }
  // SIGTERM, then wait; returns the exit code (nullopt on timeout, after which the process is killed).
  std::optional<int> stop(std::chrono::milliseconds timeout = 20s);
  ChildProcess& process() { return proc_; }

 private:
  TempDir dir_;
  std::string config_path_;
  uint16_t port_ = 0, admin_port_ = 0;
  Vars vars_;
  ChildProcess proc_;
};

}  // namespace aegis::test
