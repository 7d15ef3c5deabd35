// Subprocess: runs one argv to completion, bounded in time and in memory.
//
// No shell is ever involved: argv[0] is looked up on PATH and executed with
// the remaining elements as its arguments, byte for byte. The child gets its
// own process group, /dev/null as stdin, default signal dispositions, an
// empty signal mask (whatever the calling thread blocks or ignores), a clean
// environment (see ChildEnvironment in spawn.h: never this process's tokens)
// and SIGTERM when the calling thread dies (see spawn.h).
//
// Guarantees when Run() returns:
//  - the program has been reaped (no zombie of ours);
//  - every process still in its group has been sent SIGKILL, and every one
//    that held the output pipes has released them (Run reads both pipes to
//    end-of-file), which a killed process does as it dies. A command must
//    not leave children running: to daemonise, it must leave the group
//    (setsid) or hand the work to a service manager.
//
// The timeout and Cancel() send SIGTERM to the whole group, then SIGKILL
// after `kill_grace`. Output beyond `output_limit` keeps its last bytes.
//
// Thread-safety: many Subprocess objects may run at once on different
// threads. One object: Run() once, on one thread; Cancel() from any thread,
// at any time (before, during or after Run).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace rollcall {

inline constexpr size_t kDefaultOutputLimit = 64 * 1024;

struct SubprocessOptions {
  std::vector<std::string> argv;  // argv[0]: a path, or a name looked up on PATH
  // The child's environment: kInheritedEnvironment and `pass_env` from this
  // process, then `extra_env` (which wins).
  std::map<std::string, std::string> extra_env;
  std::vector<std::string> pass_env;
  // Runs after fork, before the program starts (it waits): e.g. to record
  // the process group durably. A failure kills the child unstarted and is
  // the result's spawn_error.
  std::function<Status(pid_t pid)> before_exec;
  Duration timeout{0};                            // 0 = no deadline
  Duration kill_grace = std::chrono::seconds(2);  // SIGTERM -> SIGKILL
  size_t output_limit = kDefaultOutputLimit;      // bytes kept per stream (and combined)
};

// Keeps the last `limit` bytes of a stream and counts what it dropped.
class TailBuffer {
 public:
  explicit TailBuffer(size_t limit) : limit_(limit) {}
  void Append(const char* data, size_t size);
  std::string Take();  // the kept tail; empties the buffer
  bool truncated() const { return total_ > limit_; }
  size_t total_bytes() const { return total_; }

 private:
  size_t limit_;
  size_t total_ = 0;
  std::string data_;  // may hold up to 2 * limit_ before trimming
};

struct SubprocessResult {
  // Set when the program ran and exited by itself.
  std::optional<int> exit_code;
  // Set when the program was ended by a signal (ours or anyone's).
  std::optional<int> term_signal;
  bool timed_out = false;  // the deadline passed; the group was killed
  bool cancelled = false;  // Cancel() was called; the group was killed
  // Why the program never ran ("no such program: foo"); empty when it did.
  std::string spawn_error;

  std::string stdout_text;  // last output_limit bytes
  std::string stderr_text;
  std::string combined;  // both streams in the order they were read, tail kept
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  bool combined_truncated = false;

  pid_t pid = 0;  // the program's pid == its process group id; 0 if not spawned

  bool Succeeded() const { return exit_code && *exit_code == 0; }
  // "exited with code 3", "killed by signal 9", "timed out after 5s", ...
  std::string Describe(Duration timeout) const;
};

class Subprocess {
 public:
  explicit Subprocess(SubprocessOptions options);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Runs the program to completion on the calling thread. Call once. Never
  // throws for process errors: they are in the result.
  SubprocessResult Run();

  // Kills the program's group (SIGTERM, then SIGKILL after the grace) and
  // makes Run() return; before Run(), Run() returns at once without
  // starting anything. Idempotent, thread-safe, async-signal-unsafe.
  void Cancel();
  bool cancelled() const { return cancelled_.load(); }

 private:
  class Runner;

  SubprocessOptions options_;
  std::atomic<bool> cancelled_{false};
  int wake_fd_ = -1;  // eventfd: Cancel() wakes Run()'s poll
  int wake_errno_ = 0;
};

// Convenience: constructs, runs and returns.
SubprocessResult RunSubprocess(SubprocessOptions options);

}  // namespace rollcall
