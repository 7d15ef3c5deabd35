// What /proc says about processes: a process's state, group and start
// time, and which processes of a group still run. Linux only. Used to
// recognise an exec deploy's process group after a control-plane restart
// (a recorded group id alone could by then name someone else's group).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rollcall {

struct ProcStat {
  char state = '?';  // 'R', 'S', 'Z', ...
  pid_t pgrp = 0;
  int64_t start_ticks = 0;  // clock ticks after boot (field 22 of /proc/PID/stat)
};

// nullopt when the process does not exist (or /proc cannot tell).
std::optional<ProcStat> ReadProcStat(pid_t pid);
// Processes of group `pgid` that have not exited (zombies excluded).
std::vector<pid_t> LiveProcessesInGroup(pid_t pgid);
// /proc/sys/kernel/random/boot_id: distinguishes this boot's pids from an
// earlier boot's; "" when unreadable.
std::string BootId();

}  // namespace rollcall
