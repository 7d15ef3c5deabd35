#include "runtime/subprocess.h"

#include "runtime/spawn.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <system_error>
#include <utility>

namespace rollcall {
namespace {

using SteadyClock = std::chrono::steady_clock;
using Instant = SteadyClock::time_point;

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

// Owns one file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) Reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~Fd() { Reset(); }
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// A pipe whose ends are close-on-exec, so that a program spawned by another
// thread at the same moment never inherits them (it would hold our write end
// open and we would never see end-of-file). The read end is non-blocking.
int MakePipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return errno;
  read_end.Reset(fds[0]);
  write_end.Reset(fds[1]);
  int flags = ::fcntl(fds[0], F_GETFL);
  ::fcntl(fds[0], F_SETFL, flags | O_NONBLOCK);
  return 0;
}

// glibc 2.36's <sys/pidfd.h> lacks extern "C" (fixed in 2.37), so go
// through syscall(). -1 (ENOSYS) on kernels older than 5.3.
int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

int MillisUntil(Instant when, Instant now) {
  if (when <= now) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(when - now).count();
  return static_cast<int>(std::min<int64_t>(ms, 60'000));
}

}  // namespace

void TailBuffer::Append(const char* data, size_t size) {
  total_ += size;
  data_.append(data, size);
  // Trim in bulk, not per chunk, so appends stay amortised O(size).
  if (data_.size() > 2 * limit_) data_.erase(0, data_.size() - limit_);
}

std::string TailBuffer::Take() {
  if (data_.size() > limit_) data_.erase(0, data_.size() - limit_);
  return std::exchange(data_, std::string());
}

std::string SubprocessResult::Describe(Duration timeout) const {
  if (!spawn_error.empty()) return spawn_error;
  if (timed_out) {
    return fmt::format("timed out after {}", FormatSeconds(DurationToSeconds(timeout)));
  }
  if (cancelled) return "cancelled";
  if (term_signal) {
    const char* name = sigabbrev_np(*term_signal);
    return fmt::format("killed by signal {} (SIG{})", *term_signal, name ? name : "?");
  }
  if (exit_code) return fmt::format("exited with code {}", *exit_code);
  return "did not run";
}

// The state of one run: pipes, the pidfd, deadlines. Lives on Run()'s stack.
class Subprocess::Runner {
 public:
  Runner(const SubprocessOptions& options, int wake_fd, const std::atomic<bool>& cancelled)
      : options_(options),
        wake_fd_(wake_fd),
        cancelled_(cancelled),
        out_(options.output_limit),
        err_(options.output_limit),
        combined_(options.output_limit) {}

  SubprocessResult Run() {
    if (Start()) Loop();
    return Finish();
  }

 private:
  bool Start();
  void Loop();
  int PollTimeout(Instant now) const;
  void ReadAvailable(Fd& fd, TailBuffer& stream);
  void CheckLeaderExited(Instant now);
  void CheckDeadlines(Instant now);
  void BeginKill(Instant now);
  void KillGroupAndReap();
  void SignalGroup(int sig) const { ::kill(-pid_, sig); }
  SubprocessResult Finish();

  const SubprocessOptions& options_;
  const int wake_fd_;
  const std::atomic<bool>& cancelled_;
  SubprocessResult result_;
  TailBuffer out_, err_, combined_;
  Fd out_fd_, err_fd_, pid_fd_;
  pid_t pid_ = 0;
  bool reaped_ = false;
  bool cancel_seen_ = false;
  bool term_sent_ = false;
  std::optional<Instant> deadline_;     // the timeout, until SIGTERM is sent
  std::optional<Instant> kill_at_;      // SIGKILL due, after SIGTERM
  std::optional<Instant> drain_until_;  // output wait bound, once reaped
};

bool Subprocess::Runner::Start() {
  if (options_.argv.empty() || options_.argv[0].empty()) {
    result_.spawn_error = "empty command";
    return false;
  }
  if (cancelled_.load()) {
    result_.cancelled = true;
    return false;
  }
  Fd out_write, err_write;
  int err = MakePipe(out_fd_, out_write);
  if (err == 0) err = MakePipe(err_fd_, err_write);
  if (err != 0) {
    result_.spawn_error = fmt::format("cannot run \"{}\": {}", options_.argv[0], ErrnoText(err));
    return false;
  }
  std::vector<std::pair<std::string, std::string>> extra(options_.extra_env.begin(), options_.extra_env.end());
  Result<pid_t> pid = SpawnProcess(SpawnRequest{options_.argv, ChildEnvironment(options_.pass_env, extra),
                                                out_write.get(), err_write.get(), options_.before_exec});
  if (!pid.ok()) {
    result_.spawn_error = pid.status().message();
    return false;
  }
  pid_ = *pid;
  result_.pid = pid_;
  // A pidfd turns "the program exited" into a poll() event; without one
  // (old kernels) the loop re-checks waitid() at a short interval.
  pid_fd_.Reset(PidfdOpen(pid_));
  if (options_.timeout.count() > 0) deadline_ = SteadyClock::now() + options_.timeout;
  return true;
}

void Subprocess::Runner::Loop() {
  while (!reaped_ || out_fd_.valid() || err_fd_.valid()) {
    Instant now = SteadyClock::now();
    if (drain_until_ && now >= *drain_until_) break;  // someone escaped the group with our pipes
    pollfd fds[4];
    nfds_t n = 0;
    if (out_fd_.valid()) fds[n++] = {out_fd_.get(), POLLIN, 0};
    if (err_fd_.valid()) fds[n++] = {err_fd_.get(), POLLIN, 0};
    if (!reaped_ && pid_fd_.valid()) fds[n++] = {pid_fd_.get(), POLLIN, 0};
    if (!cancel_seen_ && wake_fd_ >= 0) fds[n++] = {wake_fd_, POLLIN, 0};
    int ready = ::poll(fds, n, PollTimeout(now));
    if (ready < 0 && errno != EINTR) break;
    ReadAvailable(out_fd_, out_);
    ReadAvailable(err_fd_, err_);
    now = SteadyClock::now();
    CheckLeaderExited(now);
    CheckDeadlines(now);
  }
}

int Subprocess::Runner::PollTimeout(Instant now) const {
  int timeout = -1;
  auto consider = [&](const std::optional<Instant>& when) {
    if (!when) return;
    int ms = MillisUntil(*when, now);
    timeout = timeout < 0 ? ms : std::min(timeout, ms);
  };
  consider(deadline_);
  consider(kill_at_);
  consider(drain_until_);
  if (!reaped_ && !pid_fd_.valid()) timeout = timeout < 0 ? 20 : std::min(timeout, 20);
  return timeout;
}

void Subprocess::Runner::ReadAvailable(Fd& fd, TailBuffer& stream) {
  if (!fd.valid()) return;
  char buffer[16384];
  for (;;) {
    ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got > 0) {
      stream.Append(buffer, static_cast<size_t>(got));
      combined_.Append(buffer, static_cast<size_t>(got));
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && errno == EAGAIN) return;
    fd.Reset();  // end of file, or an error we cannot recover from
    return;
  }
}

void Subprocess::Runner::CheckLeaderExited(Instant now) {
  if (reaped_) return;
  siginfo_t info{};
  // WNOWAIT leaves the program a zombie, so its pid (= the group id) cannot
  // be reused while we kill what is left of its group.
  if (::waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return;
  KillGroupAndReap();
  // The group was just killed, so the pipes close at once unless a process
  // left the group while holding them; do not wait for it forever.
  drain_until_ = now + options_.kill_grace;
}

// Kills whatever is left of the group, then reaps the program (blocking
// only if it has not exited yet, which SIGKILL takes care of).
void Subprocess::Runner::KillGroupAndReap() {
  SignalGroup(SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  if (WIFEXITED(status)) result_.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result_.term_signal = WTERMSIG(status);
}

void Subprocess::Runner::CheckDeadlines(Instant now) {
  if (!cancel_seen_ && cancelled_.load()) {
    cancel_seen_ = true;  // also stops polling the (now always readable) wake fd
    if (!reaped_) {
      result_.cancelled = true;
      BeginKill(now);
    }
  }
  if (reaped_) return;
  if (deadline_ && now >= *deadline_) {
    deadline_.reset();
    result_.timed_out = true;
    BeginKill(now);
  }
  if (kill_at_ && now >= *kill_at_) {
    kill_at_.reset();
    SignalGroup(SIGKILL);
  }
}

void Subprocess::Runner::BeginKill(Instant now) {
  if (term_sent_) return;
  term_sent_ = true;
  deadline_.reset();
  SignalGroup(SIGTERM);
  kill_at_ = now + options_.kill_grace;
}

SubprocessResult Subprocess::Runner::Finish() {
  if (pid_ > 0 && !reaped_) KillGroupAndReap();  // only after a poll() failure
  result_.stdout_truncated = out_.truncated();
  result_.stderr_truncated = err_.truncated();
  result_.combined_truncated = combined_.truncated();
  result_.stdout_text = out_.Take();
  result_.stderr_text = err_.Take();
  result_.combined = combined_.Take();
  return std::move(result_);
}

Subprocess::Subprocess(SubprocessOptions options) : options_(std::move(options)) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) wake_errno_ = errno;
}

Subprocess::~Subprocess() {
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

SubprocessResult Subprocess::Run() {
  if (wake_fd_ < 0) {
    SubprocessResult failed;
    failed.spawn_error =
        fmt::format("cannot run \"{}\": {}", options_.argv.empty() ? "" : options_.argv[0],
                    ErrnoText(wake_errno_));
    return failed;
  }
  Runner runner(options_, wake_fd_, cancelled_);
  return runner.Run();
}

void Subprocess::Cancel() {
  cancelled_.store(true);
  if (wake_fd_ >= 0) {
    uint64_t one = 1;
    // Best effort: a full counter already means "wake up".
    [[maybe_unused]] ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
  }
}

SubprocessResult RunSubprocess(SubprocessOptions options) {
  Subprocess process(std::move(options));
  return process.Run();
}

}  // namespace rollcall
