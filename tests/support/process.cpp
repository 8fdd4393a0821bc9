#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "support/fs.h"

extern char** environ;

namespace aegis::test {

namespace {

std::string make_private_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/aegis-child-XXXXXX";
  if (!::mkdtemp(tmpl.data())) return {};
  return tmpl;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ChildProcess::~ChildProcess() { reset(); }

void ChildProcess::reset() {
  kill();
  if (!own_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(own_dir_, ec);
    own_dir_.clear();
  }
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept { *this = std::move(o); }

ChildProcess& ChildProcess::operator=(ChildProcess&& o) noexcept {
  if (this != &o) {
    reset();
    pid_ = o.pid_;
    exit_code_ = o.exit_code_;
    stdout_path_ = std::move(o.stdout_path_);
    stderr_path_ = std::move(o.stderr_path_);
    own_dir_ = std::move(o.own_dir_);
    o.pid_ = -1;
    o.own_dir_.clear();
  }
  return *this;
}

bool ChildProcess::start(const std::vector<std::string>& argv, const Options& options, std::string* error) {
  reset();
  exit_code_.reset();
  if (argv.empty()) {
    if (error) *error = "empty argv";
    return false;
  }
  stdout_path_ = options.stdout_path;
  stderr_path_ = options.stderr_path;
  if (stdout_path_.empty() || stderr_path_.empty()) {
    own_dir_ = make_private_dir();
    if (stdout_path_.empty()) stdout_path_ = own_dir_ + "/stdout";
    if (stderr_path_.empty()) stderr_path_ = own_dir_ + "/stderr";
  }

  // Everything the child needs is prepared before fork (only async-signal-safe calls after it).
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);

  std::map<std::string, std::string> envmap;
  for (char** e = environ; e && *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq) envmap[std::string(*e, static_cast<std::size_t>(eq - *e))] = std::string(eq + 1);
  }
  for (const auto& [k, v] : options.env) envmap[k] = v;
  std::vector<std::string> envstr;
  for (const auto& [k, v] : envmap) envstr.push_back(k + "=" + v);
  std::vector<char*> cenv;
  for (auto& s : envstr) cenv.push_back(s.data());
  cenv.push_back(nullptr);

  int out_fd = ::open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err_fd = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int status_pipe[2];
  if (out_fd < 0 || err_fd < 0 || null_fd < 0 || ::pipe2(status_pipe, O_CLOEXEC) != 0) {
    if (error) *error = std::string("cannot open output files: ") + std::strerror(errno);
    for (int fd : {out_fd, err_fd, null_fd})
      if (fd >= 0) ::close(fd);
    return false;
  }
  const pid_t parent = ::getpid();
  const char* cwd = options.cwd.empty() ? nullptr : options.cwd.c_str();

  pid_t pid = ::fork();
  if (pid < 0) {
    if (error) *error = std::string("fork: ") + std::strerror(errno);
    for (int fd : {out_fd, err_fd, null_fd, status_pipe[0], status_pipe[1]}) ::close(fd);
    return false;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);
    // Reset signal dispositions/mask inherited from the test runner.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    if (cwd && ::chdir(cwd) != 0) {
      int e = errno;
      (void)!::write(status_pipe[1], &e, sizeof e);
      ::_exit(127);
    }
    ::execve(cargv[0], cargv.data(), cenv.data());
    int e = errno;
    (void)!::write(status_pipe[1], &e, sizeof e);
    ::_exit(127);
  }
  for (int fd : {out_fd, err_fd, null_fd, status_pipe[1]}) ::close(fd);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(status_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(status_pipe[0]);
  pid_ = pid;
  if (n == sizeof child_errno) {
    if (error) *error = "exec " + argv[0] + ": " + std::strerror(child_errno);
    wait(5s);
    return false;
  }
  return true;
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = decode_status(status);
    pid_ = -1;
    return false;
  }
  return r == 0;
}

bool ChildProcess::signal(int sig) { return pid_ > 0 && ::kill(pid_, sig) == 0; }

std::optional<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return exit_code_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = decode_status(status);
      pid_ = -1;
      return exit_code_;
    }
    if (r < 0 && errno != EINTR) {
      pid_ = -1;
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
}

void ChildProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_code_ = decode_status(status);
  pid_ = -1;
}

std::string ChildProcess::stdout_text() const { return read_file(stdout_path_); }
std::string ChildProcess::stderr_text() const { return read_file(stderr_path_); }

RunResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                      const ChildProcess::Options& options) {
  RunResult result;
  ChildProcess p;
  std::string error;
  if (!p.start(argv, options, &error)) {
    result.err = error;
    return result;
  }
  auto code = p.wait(timeout);
  if (!code) p.kill();
  result.exit_code = code.value_or(-1);
  result.out = p.stdout_text();
  result.err = p.stderr_text();
  return result;
}

}  // namespace aegis::test
