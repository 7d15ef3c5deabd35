#include "runtime/process_testing.h"

#include "runtime/process_info.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace rollcall::testing {
namespace fs = std::filesystem;

ScratchDir::ScratchDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/rollcall-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string ScratchDir::WriteFile(const std::string& name, const std::string& content) const {
  fs::path file = path_ / name;
  std::ofstream(file) << content;
  return file.string();
}

std::string ScratchDir::WriteScript(const std::string& name, const std::string& body) const {
  std::string file = WriteFile(name, "#!/bin/sh\n" + body);
  fs::permissions(file, fs::perms::owner_all);
  return file;
}

ReportFifo::ReportFifo(std::string path) : path_(std::move(path)) {
  if (::mkfifo(path_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
  // Opening the read end first lets writers open without blocking. Holding
  // a write end ourselves keeps poll() from reporting POLLHUP whenever a
  // script's writer closes, so ReadLine can simply block until data comes.
  fd_ = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  keep_open_fd_ = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0 || keep_open_fd_ < 0) throw std::runtime_error("open fifo failed");
}

ReportFifo::~ReportFifo() {
  if (fd_ >= 0) ::close(fd_);
  if (keep_open_fd_ >= 0) ::close(keep_open_fd_);
}

std::optional<std::string> ReportFifo::ReadLine(std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    size_t newline = pending_.find('\n');
    if (newline != std::string::npos) {
      std::string line = pending_.substr(0, newline);
      pending_.erase(0, newline + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[512];
    ssize_t got = ::read(fd_, buffer, sizeof buffer);
    if (got > 0) pending_.append(buffer, static_cast<size_t>(got));
  }
}

bool ReportFifo::WriteLine(const std::string& line) {
  std::string data = line + "\n";
  return ::write(keep_open_fd_, data.data(), data.size()) == static_cast<ssize_t>(data.size());
}

bool WaitForExit(pid_t pid, std::chrono::milliseconds wait) {
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return errno == ESRCH;  // already reaped
  // A pidfd turns readable once the process is a zombie or gone.
  pollfd exited{pidfd, POLLIN, 0};
  bool done = ::poll(&exited, 1, static_cast<int>(wait.count())) == 1;
  ::close(pidfd);
  return done;
}

std::vector<pid_t> RunningProcessesInGroup(pid_t pgid) { return rollcall::LiveProcessesInGroup(pgid); }

bool WaitForGroupExit(pid_t pgid, std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (pid_t pid : RunningProcessesInGroup(pgid)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!WaitForExit(pid, std::max(left, std::chrono::milliseconds(0)))) return false;
  }
  return RunningProcessesInGroup(pgid).empty();  // a killed group cannot grow
}

}  // namespace rollcall::testing
