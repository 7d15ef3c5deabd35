#include "runtime/process_info.h"

#include <dirent.h>

#include <fstream>
#include <iterator>
#include <sstream>

namespace rollcall {

std::optional<ProcStat> ReadProcStat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');  // the command name may contain anything
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream rest(text.substr(paren + 1));
  // Fields after the name: state ppid pgrp session tty_nr tpgid flags minflt
  // cminflt majflt cmajflt utime stime cutime cstime priority nice
  // num_threads itrealvalue starttime (field 22 overall).
  ProcStat stat;
  pid_t ppid = 0;
  rest >> stat.state >> ppid >> stat.pgrp;
  std::string skip;
  for (int field = 6; field < 22 && rest; ++field) rest >> skip;
  rest >> stat.start_ticks;
  if (!rest) return std::nullopt;
  return stat;
}

std::vector<pid_t> LiveProcessesInGroup(pid_t pgid) {
  std::vector<pid_t> found;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return found;
  while (dirent* entry = ::readdir(proc)) {
    std::string_view name(entry->d_name);
    if (name.empty() || name.find_first_not_of("0123456789") != std::string_view::npos) continue;
    pid_t pid = static_cast<pid_t>(std::stol(std::string(name)));
    std::optional<ProcStat> stat = ReadProcStat(pid);
    if (stat && stat->pgrp == pgid && stat->state != 'Z' && stat->state != 'X' && stat->state != 'x') {
      found.push_back(pid);
    }
  }
  ::closedir(proc);
  return found;
}

std::string BootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

}  // namespace rollcall
