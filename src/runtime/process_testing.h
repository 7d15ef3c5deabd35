// Test helpers for code that starts processes: a scratch directory for
// scripts, a FIFO a script can report to, and a /proc scan that tells
// whether a process (group) is really gone. Tests only; Linux only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rollcall::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `body` (prefixed with "#!/bin/sh\n") as an executable script.
  std::string WriteScript(const std::string& name, const std::string& body) const;
  std::string WriteFile(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

// A named pipe held open for reading (non-blocking), so a script can write
// "ready" lines to it without blocking, and a test can wait for them.
class ReportFifo {
 public:
  explicit ReportFifo(std::string path);
  ~ReportFifo();
  ReportFifo(const ReportFifo&) = delete;
  ReportFifo& operator=(const ReportFifo&) = delete;

  const std::string& path() const { return path_; }
  // The next line a writer sent, or nullopt when none came within `wait`.
  std::optional<std::string> ReadLine(std::chrono::milliseconds wait);
  // Sends `line` + "\n" to whoever reads the FIFO (e.g. a script blocked in
  // `read x < fifo`). False when it does not fit the pipe buffer.
  bool WriteLine(const std::string& line);

 private:
  std::string path_;
  int fd_ = -1;
  int keep_open_fd_ = -1;
  std::string pending_;
};

// Waits until `pid` has exited, as a zombie or reaped (a killed orphan may
// stay a zombie until init reaps it; it no longer runs anything). Event-
// driven through a pidfd, bounded by `wait`. True when it has exited.
bool WaitForExit(pid_t pid, std::chrono::milliseconds wait);
// Processes of group `pgid` that are still running (zombies excluded).
std::vector<pid_t> RunningProcessesInGroup(pid_t pgid);
// Waits (bounded) until no process of a killed group `pgid` runs: a member
// may still be dying when the code under test returns. True when none runs.
bool WaitForGroupExit(pid_t pgid, std::chrono::milliseconds wait);

}  // namespace rollcall::testing
