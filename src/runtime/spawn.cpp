#include "runtime/spawn.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>

extern char** environ;

namespace rollcall {
namespace {

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

std::vector<char*> CStrings(std::vector<std::string>& items) {
  std::vector<char*> out;
  out.reserve(items.size() + 1);
  for (auto& item : items) out.push_back(item.data());
  out.push_back(nullptr);
  return out;
}

// The value of NAME in a NAME=VALUE list; nullptr when absent.
const char* Lookup(const std::vector<std::string>& env, std::string_view name) {
  for (const auto& entry : env) {
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 && entry[name.size()] == '=') {
      return entry.c_str() + name.size() + 1;
    }
  }
  return nullptr;
}

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// argv[0] as execve needs it: a path as given, or a name found on PATH
// (the child's). Resolved before fork: execvp is not async-signal-safe.
Result<std::string> ResolveProgram(const std::string& program, const std::vector<std::string>& env) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = Lookup(env, "PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (IsExecutableFile(candidate)) return candidate;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return Status::Unavailable(fmt::format("cannot run \"{}\": {}", program, ErrnoText(ENOENT)));
}

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecChild(const char* path, char* const* argv, char* const* envp, int stdin_fd,
                            int stdout_fd, int stderr_fd, int go_fd, int error_fd, pid_t parent) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::dup2(stdin_fd, 0);
  ::dup2(stdout_fd, 1);
  ::dup2(stderr_fd, 2);
  char go = 0;
  ssize_t got;
  do {
    got = ::read(go_fd, &go, 1);
  } while (got < 0 && errno == EINTR);
  if (got != 1) ::_exit(127);  // the parent refused (or died): never start
  ::execve(path, argv, envp);
  int err = errno;
  [[maybe_unused]] ssize_t ignored = ::write(error_fd, &err, sizeof err);
  ::_exit(127);
}

void KillAndReap(pid_t pid) {
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

const std::vector<std::string> kInheritedEnvironment = {"PATH", "HOME",     "USER", "LOGNAME", "SHELL",
                                                        "LANG", "LANGUAGE", "TZ",   "TMPDIR",  "SSH_AUTH_SOCK"};

std::vector<std::string> ChildEnvironment(const std::vector<std::string>& pass,
                                          const std::vector<std::pair<std::string, std::string>>& extra) {
  std::vector<std::string> env;
  auto overridden = [&](std::string_view name) {
    for (const auto& [n, v] : extra) {
      if (n == name) return true;
    }
    return false;
  };
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view item(*entry);
    std::string_view name = item.substr(0, item.find('='));
    auto matches = [&](const std::string& pattern) {
      if (!pattern.empty() && pattern.back() == '*') {
        return name.substr(0, pattern.size() - 1) == std::string_view(pattern).substr(0, pattern.size() - 1);
      }
      return name == pattern;
    };
    const bool wanted = name.rfind("LC_", 0) == 0 ||
                        std::find(kInheritedEnvironment.begin(), kInheritedEnvironment.end(), name) !=
                            kInheritedEnvironment.end() ||
                        std::any_of(pass.begin(), pass.end(), matches);
    if (wanted && !overridden(name)) env.emplace_back(item);
  }
  for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
  return env;
}

Result<pid_t> SpawnProcess(const SpawnRequest& request) {
  if (request.argv.empty() || request.argv[0].empty()) return Status::Unavailable("empty command");
  Result<std::string> path = ResolveProgram(request.argv[0], request.env);
  if (!path.ok()) return path.status();
  std::vector<std::string> argv = request.argv, env = request.env;
  std::vector<char*> c_argv = CStrings(argv), c_env = CStrings(env);
  int go_pipe[2], error_pipe[2];
  if (::pipe2(go_pipe, O_CLOEXEC) != 0) return Status::Unavailable("pipe: " + ErrnoText(errno));
  Fd go_read(go_pipe[0]), go_write(go_pipe[1]);
  if (::pipe2(error_pipe, O_CLOEXEC) != 0) return Status::Unavailable("pipe: " + ErrnoText(errno));
  Fd error_read(error_pipe[0]), error_write(error_pipe[1]);
  Fd null_in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (null_in.get() < 0) return Status::Unavailable("/dev/null: " + ErrnoText(errno));

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return Status::Unavailable(fmt::format("cannot run \"{}\": fork: {}", request.argv[0], ErrnoText(errno)));
  if (pid == 0) {
    ExecChild(path->c_str(), c_argv.data(), c_env.data(), null_in.get(), request.stdout_fd, request.stderr_fd,
              go_read.get(), error_write.get(), parent);
  }
  ::setpgid(pid, pid);  // also here: no race with a kill(-pid) right after we return
  go_read.Close();
  error_write.Close();
  if (request.before_exec) {
    if (Status s = request.before_exec(pid); !s.ok()) {
      KillAndReap(pid);
      return s;
    }
  }
  char go = 'g';
  if (::write(go_write.get(), &go, 1) != 1) {
    KillAndReap(pid);
    return Status::Unavailable(fmt::format("cannot run \"{}\": the child did not start", request.argv[0]));
  }
  go_write.Close();
  int err = 0;
  ssize_t got;
  do {
    got = ::read(error_read.get(), &err, sizeof err);  // EOF: execve succeeded
  } while (got < 0 && errno == EINTR);
  if (got == sizeof err) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return Status::Unavailable(fmt::format("cannot run \"{}\": {}", request.argv[0], ErrnoText(err)));
  }
  return pid;
}

}  // namespace rollcall
