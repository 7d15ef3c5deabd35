#include "cli/git.h"

#include <fmt/format.h>

#include <charconv>
#include <sstream>

#include "runtime/subprocess.h"

namespace rollcall {
namespace {

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

}  // namespace

GitRunner SystemGit(double timeout_s) {
  return [timeout_s](const std::vector<std::string>& args) -> Result<std::string> {
    SubprocessOptions o;
    o.argv = {"git"};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    o.extra_env = {{"GIT_TERMINAL_PROMPT", "0"}, {"LC_ALL", "C"}};
    // git's own settings and proxies; never ROLLCALL_TOKEN or the SCM tokens.
    o.pass_env = {"GIT_*", "XDG_CONFIG_HOME", "SSH_ASKPASS", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY",
                  "https_proxy", "http_proxy", "no_proxy"};
    o.timeout = SecondsToDuration(timeout_s);
    SubprocessResult r = RunSubprocess(o);
    if (!r.spawn_error.empty()) return Status::Unavailable("git: " + r.spawn_error);
    if (!r.Succeeded()) {
      return Status::Unavailable(fmt::format("git {}: {}: {}", args.empty() ? "" : args[0],
                                             r.Describe(o.timeout), FirstLine(r.stderr_text)));
    }
    return r.stdout_text;
  };
}

Result<std::string> RemoteBranchHead(const GitRunner& git, const std::string& remote,
                                     const std::string& branch) {
  const std::string ref = "refs/heads/" + branch;
  Result<std::string> out = git({"ls-remote", "--", remote, ref});
  if (!out.ok()) return out.status();
  std::istringstream lines(*out);
  for (std::string line; std::getline(lines, line);) {
    const size_t tab = line.find('\t');
    if (tab != std::string::npos && FirstLine(line.substr(tab + 1)) == ref) return line.substr(0, tab);
  }
  return Status::NotFound(fmt::format("git ls-remote {}: no branch {}", remote, branch));
}

Result<std::optional<int64_t>> ResolveSeq(const GitRunner& git, std::optional<int64_t> seq, bool no_seq,
                                          const std::string& sha) {
  if (seq && no_seq) return Status::Invalid("--seq and --no-seq: give one or the other");
  if (seq) {
    if (*seq < 0) return Status::Invalid("--seq: must be >= 0");
    return seq;
  }
  if (no_seq || sha.empty()) return std::optional<int64_t>();
  Result<std::string> shallow = git({"rev-parse", "--is-shallow-repository"});
  if (!shallow.ok()) {
    return Status::Invalid("--seq: cannot count commits (" + shallow.status().message() +
                           "); pass --seq N or --no-seq");
  }
  if (FirstLine(*shallow) == "true") {
    return Status::Invalid("--seq: this is a shallow clone, so `git rev-list --count` would be wrong; "
                           "pass --seq N or --no-seq (or fetch with full depth)");
  }
  Result<std::string> count = git({"rev-list", "--count", sha});
  if (!count.ok()) return Status::Invalid("--seq: " + count.status().message() + "; pass --seq N or --no-seq");
  const std::string text = FirstLine(*count);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::Invalid("--seq: git rev-list --count printed \"" + text + "\"; pass --seq N or --no-seq");
  }
  return std::optional<int64_t>(value);
}

}  // namespace rollcall
