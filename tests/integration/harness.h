// Integration-test harness: real processes on loopback, waited on with
// deadlines, never with sleeps.
//
//   auto sim = ChildProcess::Start({ROLLCALL_SIM_BIN, "--tenants", "3"});
//   Result<Endpoint> at = WaitForListening(**sim, After(10s));
//   TestHttpClient http(*at);
//   HttpReply r = http.Get("/healthz");
//
// ChildProcess kills and reaps its process (and the process group it leads)
// on destruction, so a failing test never leaves one behind. Nothing here is
// thread-safe; use each object from one thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "core/status.h"

namespace httplib {
class Client;
}

namespace rollcall::it {

using SteadyClock = std::chrono::steady_clock;
using Deadline = SteadyClock::time_point;

inline Deadline After(SteadyClock::duration d) { return SteadyClock::now() + d; }

// Raises the soft open-file limit to the hard one (thousands of sockets).
void RaiseOpenFileLimit();

class ChildProcess {
 public:
  // Starts argv[0] (a path; no PATH search) with argv, the parent's
  // environment plus `extra_env` (which wins on equal names), stdin from
  // /dev/null, and stdout/stderr written to files in a fresh temporary
  // directory. The child leads its own process group and is killed if the
  // test process dies. Unavailable when the program cannot be executed.
  static Result<std::unique_ptr<ChildProcess>> Start(
      std::vector<std::string> argv, std::map<std::string, std::string> extra_env = {});

  // SIGKILLs the process group if still running, reaps the child and
  // removes the output files (kept when ROLLCALL_KEEP_TEST_OUTPUT is set).
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Waits until a complete stdout line matches `pattern` (std::regex_search;
  // every line from the start is considered) and returns the match: [0] the
  // matched text, then the groups. Unavailable when the deadline passes or
  // the process exits first; the message carries the tail of its stderr.
  Result<std::vector<std::string>> WaitForLine(const std::regex& pattern, Deadline deadline);

  // Sends `signal` to the child (not its group).
  Status Kill(int signal);
  // Waits for the child to exit: its exit code, or 128 + the signal that
  // killed it. Unavailable at the deadline (the child keeps running).
  Result<int> Wait(Deadline deadline);
  // False once the child has exited (reaping it).
  bool Running();

  std::string ReadStdout() const;
  std::string ReadStderr() const;
  const std::string& stdout_path() const { return stdout_path_; }
  const std::string& stderr_path() const { return stderr_path_; }

 private:
  ChildProcess() = default;
  bool PollExit(bool block);  // true once exited (and reaped)
  std::string StderrTail() const;

  pid_t pid_ = -1;
  int pidfd_ = -1;  // readable when the child exits; -1 when the kernel lacks pidfd_open
  bool reaped_ = false;
  int exit_code_ = -1;
  std::string dir_;
  std::string stdout_path_;
  std::string stderr_path_;
};

struct Endpoint {
  std::string host;
  int port = 0;
  std::string Url() const;  // "http://host:port"
};

// Waits for the "listening on HOST:PORT" line every Rollcall server prints.
Result<Endpoint> WaitForListening(ChildProcess& child, Deadline deadline);

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpReply {
  int status = 0;  // 0: no HTTP answer (refused, reset, timed out)
  std::string body;
  std::string error;  // the transport error when status is 0
  HttpHeaders headers{};
  // The body as JSON; a discarded value when it is not JSON.
  nlohmann::json Json() const;
  // The first header named `name` (any case), or "".
  std::string Header(const std::string& name) const;
};

// A blocking HTTP/1.1 client (cpp-httplib) for one endpoint. Keeps its
// connection alive between calls.
class TestHttpClient {
 public:
  explicit TestHttpClient(const Endpoint& endpoint,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~TestHttpClient();
  TestHttpClient(const TestHttpClient&) = delete;
  TestHttpClient& operator=(const TestHttpClient&) = delete;

  HttpReply Get(const std::string& path, const HttpHeaders& headers = {});
  HttpReply Post(const std::string& path, const std::string& json_body,
                 const HttpHeaders& headers = {});

 private:
  std::unique_ptr<httplib::Client> client_;
};

HttpHeaders BearerHeader(const std::string& token);

// One raw TCP connection speaking HTTP/1.1 by hand: for what a normal
// client hides (a request left unanswered, a connection closed mid-request).
class RawConnection {
 public:
  static Result<std::unique_ptr<RawConnection>> Open(const Endpoint& endpoint);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  Status Send(const std::string& bytes);
  // One response with a Content-Length body. Unavailable on EOF, error or
  // deadline.
  Result<HttpReply> ReadResponse(Deadline deadline);
  // True when the peer closes the connection before the deadline without
  // sending anything more.
  bool ClosedWithoutAnswer(Deadline deadline);

 private:
  explicit RawConnection(int fd) : fd_(fd) {}
  int fd_;
  std::string buffer_;
};

// A non-blocking TCP socket connecting to `endpoint` (the connect may still
// be in progress); -1 and `error` when it cannot even start.
int OpenNonBlockingSocket(const Endpoint& endpoint, std::string& error);

// "METHOD path HTTP/1.1" with Host and, when a body is given,
// Content-Type: application/json and Content-Length.
std::string RawRequest(const std::string& method, const std::string& path,
                       const std::string& body = "", const HttpHeaders& headers = {});

// KeepAliveFanOut opens `connections` connections at once and, on each,
// sends `rounds` requests one after another over the same (kept-alive)
// connection, reading each answer before the next request.
struct FanOutReport {
  int connected = 0;                // connections that were established
  int answered = 0;                 // complete answers read
  std::map<int, int> by_status;     // answers per HTTP status
  std::vector<std::string> errors;  // the first few failures, for messages
};
// The raw request for connection `index` in round `round`.
using RequestFactory = std::function<std::string(int index, int round)>;
FanOutReport KeepAliveFanOut(const Endpoint& endpoint, int connections, int rounds,
                             const RequestFactory& request, Deadline deadline);

}  // namespace rollcall::it
