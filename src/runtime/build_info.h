// What `--version` says: the version (the commit's tag, else the CMake
// project's) and the commit, generated at build time (cmake/build_info.cmake).
#pragma once

#include <string>
#include <string_view>

namespace rollcall {

extern const char* const kBuildVersion;
extern const char* const kBuildCommit;

// "rollcalld 0.1.0 (commit 0a1b2c3d4e5f)"
inline std::string VersionText(std::string_view program) {
  return std::string(program) + " " + kBuildVersion + " (commit " + kBuildCommit + ")";
}

}  // namespace rollcall
