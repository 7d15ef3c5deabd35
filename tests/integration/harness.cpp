#include "harness.h"

#include <algorithm>
#include <cctype>
#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace rollcall::it {
namespace {

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Milliseconds until `deadline` for poll(2), rounded up, never negative.
int PollMillis(Deadline deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 60'000));
}

// The parent's environment with `extra` laid over it, as NAME=VALUE strings.
std::vector<std::string> MergedEnvironment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    if (extra.count(entry.substr(0, entry.find('='))) == 0) env.push_back(std::move(entry));
  }
  for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

struct ChildFds {
  int stdin_fd;
  int stdout_fd;
  int stderr_fd;
  int status_fd;  // write end of a close-on-exec pipe: reports an exec failure
};

// Runs in the forked child, where only async-signal-safe calls are allowed:
// everything it uses was prepared before fork().
[[noreturn]] void ExecChild(pid_t parent, const ChildFds& fds, char* const argv[],
                            char* const envp[]) {
  setpgid(0, 0);  // its own group, so the harness can kill grandchildren too
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
  dup2(fds.stdin_fd, STDIN_FILENO);
  dup2(fds.stdout_fd, STDOUT_FILENO);
  dup2(fds.stderr_fd, STDERR_FILENO);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(argv[0], argv, envp);
  int error = errno;
  if (write(fds.status_fd, &error, sizeof(error)) < 0) _exit(127);
  _exit(127);
}

std::optional<std::vector<std::string>> FindLine(const std::string& text,
                                                 const std::regex& pattern) {
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    std::string line = text.substr(start, end - start);
    std::smatch match;
    if (std::regex_search(line, match, pattern)) {
      return std::vector<std::string>(match.begin(), match.end());
    }
  }
  return std::nullopt;
}

}  // namespace

void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// ---- ChildProcess ------------------------------------------------------

Result<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    std::vector<std::string> argv, std::map<std::string, std::string> extra_env) {
  if (argv.empty()) return Status::Invalid("ChildProcess: empty argv");
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  char dir[] = "/tmp/rollcall-it-XXXXXX";
  if (mkdtemp(dir) == nullptr)
    return Status::Unavailable("mkdtemp: " + std::string(strerror(errno)));
  child->dir_ = dir;
  child->stdout_path_ = child->dir_ + "/stdout";
  child->stderr_path_ = child->dir_ + "/stderr";

  std::vector<std::string> env = MergedEnvironment(extra_env);
  std::vector<char*> argv_c = CStrings(argv);
  std::vector<char*> env_c = CStrings(env);
  int status_pipe[2];
  if (pipe2(status_pipe, O_CLOEXEC) != 0) return Status::Unavailable("pipe2 failed");
  ChildFds fds{.stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC),
               .stdout_fd = open(child->stdout_path_.c_str(),
                                 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644),
               .stderr_fd = open(child->stderr_path_.c_str(),
                                 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644),
               .status_fd = status_pipe[1]};
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) ExecChild(parent, fds, argv_c.data(), env_c.data());
  for (int fd : {fds.stdin_fd, fds.stdout_fd, fds.stderr_fd, status_pipe[1]}) close(fd);
  if (pid < 0) {
    close(status_pipe[0]);
    return Status::Unavailable("fork: " + std::string(strerror(errno)));
  }
  child->pid_ = pid;
  int exec_errno = 0;
  ssize_t n;
  do {
    n = read(status_pipe[0], &exec_errno, sizeof(exec_errno));
  } while (n < 0 && errno == EINTR);
  close(status_pipe[0]);
  if (n > 0) {  // exec failed; the destructor reaps the child
    return Status::Unavailable(fmt::format("cannot execute {}: {}", argv[0], strerror(exec_errno)));
  }
  child->pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  return child;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !reaped_) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    PollExit(/*block=*/true);
  }
  if (pidfd_ >= 0) close(pidfd_);
  if (!dir_.empty() && getenv("ROLLCALL_KEEP_TEST_OUTPUT") == nullptr) {
    unlink(stdout_path_.c_str());
    unlink(stderr_path_.c_str());
    rmdir(dir_.c_str());
  }
}

bool ChildProcess::PollExit(bool block) {
  if (reaped_ || pid_ <= 0) return true;
  siginfo_t info{};
  // WNOWAIT: look without reaping, so the group id cannot be reused before
  // the rest of the group is killed.
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT | (block ? 0 : WNOHANG)) !=
      0) {
    reaped_ = true;  // not our child any more
    return true;
  }
  if (info.si_pid == 0) return false;
  kill(-pid_, SIGKILL);  // leftovers of its process group
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  reaped_ = true;
  return true;
}

bool ChildProcess::Running() { return !PollExit(/*block=*/false); }

Status ChildProcess::Kill(int signal) {
  if (reaped_ || pid_ <= 0) return Status::Unavailable("process already exited");
  if (kill(pid_, signal) != 0) return Status::Unavailable(strerror(errno));
  return Status::Ok();
}

Result<int> ChildProcess::Wait(Deadline deadline) {
  while (!PollExit(/*block=*/false)) {
    if (SteadyClock::now() >= deadline) {
      return Status::Unavailable(fmt::format("process {} still running at the deadline", pid_));
    }
    // A pidfd turns readable when the child exits; without one, re-check
    // every few milliseconds.
    pollfd fd{.fd = pidfd_, .events = POLLIN, .revents = 0};
    if (pidfd_ >= 0) {
      poll(&fd, 1, PollMillis(deadline));
    } else {
      poll(nullptr, 0, std::min(PollMillis(deadline), 10));
    }
  }
  return exit_code_;
}

Result<std::vector<std::string>> ChildProcess::WaitForLine(const std::regex& pattern,
                                                           Deadline deadline) {
  // inotify wakes us when stdout grows; watching starts before the first
  // read, so no write can slip between reading and waiting.
  int watch = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (watch >= 0) inotify_add_watch(watch, stdout_path_.c_str(), IN_MODIFY | IN_CLOSE_WRITE);
  std::unique_ptr<int, void (*)(int*)> guard(&watch, [](int* fd) {
    if (*fd >= 0) close(*fd);
  });
  while (true) {
    if (auto found = FindLine(ReadStdout(), pattern)) return *found;
    if (!Running()) {
      if (auto found = FindLine(ReadStdout(), pattern)) return *found;
      return Status::Unavailable(fmt::format(
          "process exited with {} before the expected line; stderr: {}", exit_code_, StderrTail()));
    }
    if (SteadyClock::now() >= deadline) {
      return Status::Unavailable(
          fmt::format("no expected stdout line before the deadline; stderr: {}", StderrTail()));
    }
    pollfd fds[2] = {{.fd = watch, .events = POLLIN, .revents = 0},
                     {.fd = pidfd_, .events = POLLIN, .revents = 0}};
    int wait_ms = watch >= 0 ? PollMillis(deadline) : std::min(PollMillis(deadline), 10);
    poll(fds, 2, wait_ms);  // a negative fd is ignored by poll(2)
    char events[4096];
    while (watch >= 0 && read(watch, events, sizeof(events)) > 0) {
    }
  }
}

std::string ChildProcess::ReadStdout() const { return ReadWholeFile(stdout_path_); }
std::string ChildProcess::ReadStderr() const { return ReadWholeFile(stderr_path_); }

std::string ChildProcess::StderrTail() const {
  std::string err = ReadStderr();
  return err.size() > 2000 ? err.substr(err.size() - 2000) : err;
}

// ---- Endpoints and HTTP ------------------------------------------------

std::string Endpoint::Url() const { return fmt::format("http://{}:{}", host, port); }

Result<Endpoint> WaitForListening(ChildProcess& child, Deadline deadline) {
  static const std::regex kListening(R"(^listening on (\S+):(\d+)$)");
  Result<std::vector<std::string>> line = child.WaitForLine(kListening, deadline);
  if (!line.ok()) return line.status();
  return Endpoint{.host = (*line)[1], .port = std::stoi((*line)[2])};
}

nlohmann::json HttpReply::Json() const {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string HttpReply::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return value;
    }
  }
  return "";
}

TestHttpClient::TestHttpClient(const Endpoint& endpoint, std::chrono::milliseconds timeout)
    : client_(std::make_unique<httplib::Client>(endpoint.host, endpoint.port)) {
  client_->set_connection_timeout(timeout);
  client_->set_read_timeout(timeout);
  client_->set_write_timeout(timeout);
  client_->set_keep_alive(true);
  client_->set_tcp_nodelay(true);  // else Nagle delays a POST body written after its head
}

TestHttpClient::~TestHttpClient() = default;

namespace {

httplib::Headers ToHttplib(const HttpHeaders& headers) {
  return httplib::Headers(headers.begin(), headers.end());
}

HttpReply FromHttplib(const httplib::Result& result) {
  if (!result)
    return HttpReply{.status = 0, .body = "", .error = httplib::to_string(result.error())};
  return HttpReply{.status = result->status,
                   .body = result->body,
                   .error = "",
                   .headers = HttpHeaders(result->headers.begin(), result->headers.end())};
}

}  // namespace

HttpReply TestHttpClient::Get(const std::string& path, const HttpHeaders& headers) {
  return FromHttplib(client_->Get(path, ToHttplib(headers)));
}

HttpReply TestHttpClient::Post(const std::string& path, const std::string& json_body,
                               const HttpHeaders& headers) {
  return FromHttplib(client_->Post(path, ToHttplib(headers), json_body, "application/json"));
}

HttpHeaders BearerHeader(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

}  // namespace rollcall::it
