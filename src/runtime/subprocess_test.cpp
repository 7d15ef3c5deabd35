#include "runtime/subprocess.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <future>
#include <thread>

#include "runtime/process_testing.h"

namespace rollcall {
namespace {

using namespace std::chrono_literals;
using testing::ReportFifo;
using testing::ScratchDir;
using testing::WaitForExit;
using testing::WaitForGroupExit;

SubprocessResult Sh(const std::string& script, Duration timeout = Duration(0)) {
  SubprocessOptions options;
  options.argv = {"sh", "-c", script};
  options.timeout = timeout;
  return RunSubprocess(std::move(options));
}

pid_t ParsePid(const std::string& text) { return static_cast<pid_t>(std::stol(text)); }

TEST(TailBufferTest, KeepsEverythingUnderTheLimit) {
  TailBuffer buffer(8);
  buffer.Append("abc", 3);
  buffer.Append("def", 3);
  EXPECT_FALSE(buffer.truncated());
  EXPECT_EQ(buffer.Take(), "abcdef");
}

TEST(TailBufferTest, KeepsTheLastBytesAndCountsAll) {
  TailBuffer buffer(4);
  for (char c : std::string("0123456789")) buffer.Append(&c, 1);
  EXPECT_TRUE(buffer.truncated());
  EXPECT_EQ(buffer.total_bytes(), 10u);
  EXPECT_EQ(buffer.Take(), "6789");
}

TEST(SubprocessTest, ReportsExitCodes) {
  EXPECT_EQ(Sh("exit 0").exit_code, 0);
  SubprocessResult failed = Sh("exit 3");
  EXPECT_EQ(failed.exit_code, 3);
  EXPECT_FALSE(failed.Succeeded());
  EXPECT_FALSE(failed.term_signal);
  EXPECT_EQ(failed.Describe(Duration(0)), "exited with code 3");
}

TEST(SubprocessTest, CapturesStdoutAndStderrSeparately) {
  SubprocessResult result = Sh("echo out; echo err >&2; echo out2");
  EXPECT_EQ(result.stdout_text, "out\nout2\n");
  EXPECT_EQ(result.stderr_text, "err\n");
  EXPECT_NE(result.combined.find("out\n"), std::string::npos);
  EXPECT_NE(result.combined.find("err\n"), std::string::npos);
}

TEST(SubprocessTest, PassesArgumentsLiterallyWithoutAShell) {
  SubprocessOptions options;
  options.argv = {"printf", "[%s]\\n", "a b", "; touch /tmp/x", "$HOME", "`id`"};
  SubprocessResult result = RunSubprocess(options);
  EXPECT_EQ(result.stdout_text, "[a b]\n[; touch /tmp/x]\n[$HOME]\n[`id`]\n");
}

TEST(SubprocessTest, AddsExtraEnvironment) {
  SubprocessOptions options;
  options.argv = {"sh", "-c", "echo \"$ROLLCALL_TEST_VAR\"; echo \"$PATH\" | grep -c /"};
  options.extra_env = {{"ROLLCALL_TEST_VAR", "hello world"}};
  SubprocessResult result = RunSubprocess(options);
  EXPECT_EQ(result.stdout_text, "hello world\n1\n");  // PATH is inherited
}

TEST(SubprocessTest, TheChildGetsACleanEnvironmentNeverTheParentsSecrets) {
  setenv("ROLLCALL_ADMIN_TOKEN", "s3cret", 1);
  setenv("ROLLCALL_TEST_PASSED_A", "a", 1);
  setenv("ROLLCALL_TEST_PASSED_B", "b", 1);
  SubprocessOptions options;
  options.argv = {"sh", "-c", "env | grep ROLLCALL_ | sort"};
  options.pass_env = {"ROLLCALL_TEST_PASSED_*"};
  SubprocessResult result = RunSubprocess(options);
  unsetenv("ROLLCALL_ADMIN_TOKEN");
  EXPECT_EQ(result.stdout_text, "ROLLCALL_TEST_PASSED_A=a\nROLLCALL_TEST_PASSED_B=b\n");
}

TEST(SubprocessTest, BeforeExecRunsWithTheProcessGroupBeforeTheProgramStarts) {
  testing::ScratchDir dir;
  const std::string marker = (dir.path() / "ran").string();
  SubprocessOptions options;
  options.argv = {"sh", "-c", "echo $$; touch " + marker};
  pid_t seen = 0;
  bool ran_before = true;
  options.before_exec = [&](pid_t pid) {
    seen = pid;
    ran_before = std::filesystem::exists(marker);
    return Status::Ok();
  };
  SubprocessResult result = RunSubprocess(options);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(seen, result.pid);
  EXPECT_EQ(result.stdout_text, std::to_string(result.pid) + "\n");  // the leader: pid == pgid
  EXPECT_FALSE(ran_before);

  options.before_exec = [](pid_t) { return Status::Unavailable("ledger down"); };
  SubprocessResult refused = RunSubprocess(options);
  EXPECT_FALSE(refused.exit_code);
  EXPECT_EQ(refused.spawn_error, "ledger down");
  EXPECT_FALSE(std::filesystem::exists(marker + "-never"));
}

TEST(SubprocessTest, BoundsCapturedOutputKeepingTheTail) {
  SubprocessOptions options;
  options.argv = {"sh", "-c", "head -c 300000 /dev/zero | tr '\\0' a; echo; echo END"};
  options.output_limit = 1024;
  SubprocessResult result = RunSubprocess(options);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(result.stdout_truncated);
  EXPECT_EQ(result.stdout_text.size(), 1024u);
  EXPECT_EQ(result.stdout_text.substr(result.stdout_text.size() - 4), "END\n");
  EXPECT_LE(result.combined.size(), 1024u);
  EXPECT_FALSE(result.stderr_truncated);
}

TEST(SubprocessTest, MissingProgramIsAnErrorValue) {
  SubprocessOptions options;
  options.argv = {"rollcall-no-such-program", "x"};
  SubprocessResult result = RunSubprocess(options);
  EXPECT_FALSE(result.exit_code);
  EXPECT_EQ(result.pid, 0);
  EXPECT_EQ(result.spawn_error,
            "cannot run \"rollcall-no-such-program\": No such file or directory");
  EXPECT_EQ(result.Describe(Duration(0)), result.spawn_error);
}

TEST(SubprocessTest, EmptyCommandIsAnErrorValue) {
  EXPECT_EQ(RunSubprocess(SubprocessOptions{}).spawn_error, "empty command");
}

TEST(SubprocessTest, TimeoutKillsTheProgramAndItsChildren) {
  SubprocessResult result = Sh("sleep 600 & echo $!; sleep 600", 1s);
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.term_signal, SIGTERM);
  EXPECT_FALSE(result.exit_code);
  EXPECT_EQ(result.Describe(1s), "timed out after 1s");
  ASSERT_FALSE(result.stdout_text.empty());
  EXPECT_TRUE(WaitForExit(ParsePid(result.stdout_text), 30s));
  EXPECT_TRUE(WaitForGroupExit(result.pid, 30s));
}

TEST(SubprocessTest, ChildrenLeftBehindAfterExitAreKilled) {
  SubprocessResult result = Sh("sleep 600 & echo $!");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(WaitForExit(ParsePid(result.stdout_text), 30s));
  EXPECT_TRUE(WaitForGroupExit(result.pid, 30s));
}

// Runs `script` on another thread; it writes "ready <pid>" to $FIFO first.
struct BackgroundRun {
  BackgroundRun(const std::string& script, Duration grace)
      : dir(), fifo((dir.path() / "fifo").string()) {
    SubprocessOptions options;
    options.argv = {"sh", "-c", script};
    options.extra_env = {{"FIFO", fifo.path()}};
    options.kill_grace = grace;
    process = std::make_unique<Subprocess>(options);
    result = std::async(std::launch::async, [this] { return process->Run(); });
  }
  ScratchDir dir;
  ReportFifo fifo;
  std::unique_ptr<Subprocess> process;
  std::future<SubprocessResult> result;
};

TEST(SubprocessTest, CancelKillsTheWholeGroup) {
  BackgroundRun run("sleep 600 & echo $! > \"$FIFO\"; sleep 600", 2s);
  auto child = run.fifo.ReadLine(30s);
  ASSERT_TRUE(child);
  run.process->Cancel();
  SubprocessResult result = run.result.get();
  EXPECT_TRUE(result.cancelled);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.term_signal, SIGTERM);
  EXPECT_TRUE(WaitForExit(ParsePid(*child), 30s));
  EXPECT_TRUE(WaitForGroupExit(result.pid, 30s));
}

TEST(SubprocessTest, CancelEscalatesToSigkillWhenSigtermIsIgnored) {
  BackgroundRun run("trap '' TERM; echo ready > \"$FIFO\"; sleep 600", 100ms);
  ASSERT_EQ(run.fifo.ReadLine(30s), "ready");  // the trap is set: SIGTERM is ignored
  run.process->Cancel();
  run.process->Cancel();  // idempotent
  SubprocessResult result = run.result.get();
  EXPECT_TRUE(result.cancelled);
  EXPECT_EQ(result.term_signal, SIGKILL);
  EXPECT_TRUE(WaitForGroupExit(result.pid, 30s));
}

TEST(SubprocessTest, CancelBeforeRunStartsNothing) {
  SubprocessOptions options;
  options.argv = {"true"};
  Subprocess process(options);
  process.Cancel();
  SubprocessResult result = process.Run();
  EXPECT_TRUE(result.cancelled);
  EXPECT_EQ(result.pid, 0);
  EXPECT_EQ(result.Describe(Duration(0)), "cancelled");
}

TEST(SubprocessTest, CancelAfterRunIsHarmless) {
  SubprocessOptions options;
  options.argv = {"true"};
  Subprocess process(options);
  SubprocessResult result = process.Run();
  process.Cancel();
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_FALSE(result.cancelled);
}

TEST(SubprocessTest, ManyRunsAtOnceFromDifferentThreads) {
  constexpr int kRuns = 12;
  std::vector<std::future<SubprocessResult>> runs;
  for (int i = 0; i < kRuns; ++i) {
    runs.push_back(std::async(std::launch::async, [i] {
      SubprocessOptions options;
      options.argv = {"sh", "-c", "echo $0; exit $(($0 % 5))", std::to_string(i)};
      return RunSubprocess(options);
    }));
  }
  for (int i = 0; i < kRuns; ++i) {
    SubprocessResult result = runs[i].get();
    EXPECT_EQ(result.stdout_text, std::to_string(i) + "\n");
    EXPECT_EQ(result.exit_code, i % 5);
  }
}

TEST(SubprocessTest, SignalledProgramReportsItsSignal) {
  SubprocessResult result = Sh("kill -KILL $$");
  EXPECT_EQ(result.term_signal, SIGKILL);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.Describe(Duration(0)), "killed by signal 9 (SIGKILL)");
}

}  // namespace
}  // namespace rollcall
