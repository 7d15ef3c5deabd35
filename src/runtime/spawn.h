// SpawnProcess: starts one program without a shell, the way Subprocess
// needs it, with two guarantees posix_spawn cannot give:
//
//  - the child is held between fork and exec until `before_exec(pid)`
//    returned OK, so the caller can record its process group durably
//    before the program does anything (it is killed unstarted otherwise);
//  - the child leads its own process group and gets SIGTERM when the thread
//    that started it dies (PR_SET_PDEATHSIG): a deploy never outlives a
//    killed control plane silently.
//
// The child gets stdin from /dev/null, stdout/stderr on the given fds, an
// empty signal mask, default dispositions, and exactly `env`. Between fork
// and exec it calls only async-signal-safe functions. Linux only.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace rollcall {

struct SpawnRequest {
  std::vector<std::string> argv;  // argv[0]: a path, or a name looked up on env's PATH
  std::vector<std::string> env;   // "NAME=VALUE", the whole environment
  int stdout_fd = -1;
  int stderr_fd = -1;
  std::function<Status(pid_t pid)> before_exec;  // may be empty
};

// The child's pid (== its process group id), or Unavailable naming the
// program ("cannot run \"x\": No such file or directory") or carrying
// before_exec's message. On error no child is left running or unreaped.
Result<pid_t> SpawnProcess(const SpawnRequest& request);

// The environment a command gets: the names in kInheritedEnvironment and
// `pass` (a name, or a prefix ending in '*' such as "GIT_*") taken from this
// process's environment, then `extra` (which wins). Never the control
// plane's or the agent's own secrets unless `pass` names them.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& pass,
                                          const std::vector<std::pair<std::string, std::string>>& extra);
// PATH HOME USER LOGNAME SHELL LANG LANGUAGE TZ TMPDIR SSH_AUTH_SOCK, and
// every LC_*.
extern const std::vector<std::string> kInheritedEnvironment;

}  // namespace rollcall
