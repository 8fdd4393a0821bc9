// ChildProcess: a real child process for tests (fork/exec), stdout/stderr captured to files that can be read while
// it runs. The child is killed (SIGKILL) when the object is destroyed and also if the test process dies
// (PR_SET_PDEATHSIG), so a failing test never leaks processes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aegis::test {

using namespace std::chrono_literals;

class ChildProcess {
 public:
  struct Options {
    std::map<std::string, std::string> env;  // added to (overriding) the test's environment
    std::string stdout_path;                  // default: a file in a private temp location
    std::string stderr_path;
    std::string cwd;                          // default: inherit
  };

  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;

  // Starts argv[0] (a path) with argv. Returns false (and sets *error) if exec fails.
  bool start(const std::vector<std::string>& argv, const Options& options, std::string* error = nullptr);
  bool start(const std::vector<std::string>& argv, std::string* error = nullptr) {
    return start(argv, Options{}, error);
  }

  pid_t pid() const { return pid_; }
  bool running();                       // false once it exited (reaps it)
  bool signal(int sig);                 // kill(pid, sig)
  // Waits for exit. Returns the exit code, or 128 + signal number if killed; nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout = 10s);
  // SIGKILL + reap (no-op if not running).
  void kill();

  const std::string& stdout_path() const { return stdout_path_; }
  const std::string& stderr_path() const { return stderr_path_; }
  std::string stdout_text() const;
  std::string stderr_text() const;
  std::optional<int> exit_code() const { return exit_code_; }

 private:
  void reset();
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string stdout_path_, stderr_path_;
  std::string own_dir_;  // removed on destruction when we chose the output paths
};

// Runs a command to completion (stdout/stderr captured); kills it after timeout.
struct RunResult {
  int exit_code = -1;  // -1 on timeout
  std::string out, err;
};
RunResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 30s,
                      const ChildProcess::Options& options = {});

}  // namespace aegis::test
