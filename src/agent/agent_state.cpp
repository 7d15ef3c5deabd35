#include "agent/agent_state.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace rollcall {
namespace {

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

// Writes all of `data`, retrying short writes. Returns 0 or an errno.
int WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    done += static_cast<size_t>(n);
  }
  return 0;
}

// Makes the rename itself durable: fsync the directory that holds it.
void SyncDirectoryOf(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: the data itself is already synced
  ::fsync(fd);
  ::close(fd);
}

// Writes `data` to `temp` and syncs it. Returns 0 or an errno.
int WriteTempFile(const std::string& temp, const std::string& data) {
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno;
  int err = WriteAll(fd, data);
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  return err;
}

// Returns 0 or an errno (ENOENT when the file does not exist).
int ReadWholeFile(const std::string& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  char buffer[4096];
  int err = 0;
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return err;
}

}  // namespace

Json ToJson(const AgentState& state) {
  return Json{{"running_image", state.running_image},
              {"release_seq", state.release_seq ? Json(*state.release_seq) : Json(nullptr)}};
}

Result<AgentState> ParseAgentState(const Json& j) {
  AgentState state;
  FieldReader reader(j, "");
  reader.Read("running_image", state.running_image);
  reader.Read("release_seq", state.release_seq);
  if (Status s = reader.Finish(); !s.ok()) return s;
  return state;
}

Result<AgentState> LoadAgentState(const std::string& path) {
  std::string text;
  int err = ReadWholeFile(path, text);
  if (err == ENOENT) return AgentState{};
  if (err != 0) return Status::Internal(fmt::format("state file {}: {}", path, ErrnoText(err)));
  Result<Json> json = ParseJsonObject(text);
  if (!json.ok()) return json.status().Prefixed(fmt::format("state file {}: ", path));
  Result<AgentState> state = ParseAgentState(*json);
  if (!state.ok()) return state.status().Prefixed(fmt::format("state file {}: ", path));
  return state;
}

Status SaveAgentState(const std::string& path, const AgentState& state) {
  // Same directory as the target, so rename() stays atomic (one file system).
  const std::string temp = fmt::format("{}.tmp.{}", path, ::getpid());
  int err = WriteTempFile(temp, ToJson(state).dump() + "\n");
  if (err == 0 && ::rename(temp.c_str(), path.c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(temp.c_str());
    return Status::Internal(fmt::format("state file {}: {}", path, ErrnoText(err)));
  }
  SyncDirectoryOf(path);
  return Status::Ok();
}

}  // namespace rollcall
