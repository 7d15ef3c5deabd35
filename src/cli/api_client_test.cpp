// The retry schedule against a real local server (the server adapter on a
// port chosen at run time): which answers are retried, the attempt numbers in
// the log, and that the last error is kept.
#include "cli/api_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "httpd/server_thread.h"

namespace rollcall {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ScriptedServer {
 public:
  // Answers the n-th request (from 0) with statuses[n], the last one after.
  explicit ScriptedServer(std::vector<int> statuses)
      : statuses_(std::move(statuses)),
        server_([this](const httpd::HttpRequest&) {
          const size_t n = hits_++;
          int status = statuses_[std::min(n, statuses_.size() - 1)];
          if (status == 0) {  // 0: hold the answer until released, to force a client timeout
            std::unique_lock lock(mu_);
            released_.wait_for(lock, std::chrono::seconds(10), [this] { return release_; });
            status = 200;
          }
          return httpd::HttpResponse::Json(status, R"({"n":)" + std::to_string(n) + "}");
        }) {}
  ~ScriptedServer() {
    {
      std::lock_guard lock(mu_);
      release_ = true;
    }
    released_.notify_all();
  }
  std::string Url() const { return server_.Url(); }
  size_t hits() const { return hits_; }

 private:
  std::vector<int> statuses_;
  std::atomic<size_t> hits_{0};
  std::mutex mu_;
  std::condition_variable released_;
  bool release_ = false;  // guarded by mu_
  httpd::ServerThread server_;  // last: stopped before what its handler uses goes
};

struct Fixture {
  std::vector<std::string> log;
  ApiClientOptions Options(const std::string& url) {
    ApiClientOptions o;
    o.server = url;
    o.retry_delays = {std::chrono::milliseconds(1), std::chrono::milliseconds(1), std::chrono::milliseconds(1)};
    o.log = [this](const std::string& line) { log.push_back(line); };
    return o;
  }
};

TEST(ApiClientTest, GatewayErrorsAreRetriedWithTheAttemptNumber) {
  ScriptedServer server({503, 502, 200});
  Fixture f;
  ApiClient client(f.Options(server.Url()));
  Result<ApiAnswer> a = client.Call("GET", "/x");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->body["n"], 2);
  ASSERT_EQ(f.log.size(), 2u);
  EXPECT_THAT(f.log[0], HasSubstr("HTTP 503"));
  EXPECT_THAT(f.log[0], HasSubstr("attempt 2/4"));
  EXPECT_THAT(f.log[1], HasSubstr("attempt 3/4"));
}

TEST(ApiClientTest, FourAttemptsThenTheLastAnswerIsReturnedWithItsBody) {
  ScriptedServer server({502, 503, 504, 504});
  Fixture f;
  ApiClient client(f.Options(server.Url()));
  Result<ApiAnswer> a = client.Call("GET", "/x");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->status, 504);
  EXPECT_EQ(a->body["n"], 3);  // the server's own words reach the caller
  EXPECT_EQ(server.hits(), 4u);
  EXPECT_EQ(f.log.size(), 3u);
}

TEST(ApiClientTest, OtherStatusesAreAnswersNotRetries) {
  ScriptedServer server({500, 200});
  Fixture f;
  ApiClient client(f.Options(server.Url()));
  Result<ApiAnswer> a = client.Call("GET", "/x");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->status, 500);
  EXPECT_TRUE(f.log.empty());
}

TEST(ApiClientTest, AReadTimeoutIsRetried) {
  ScriptedServer server({0, 200});  // the first answer is held past the client's timeout
  Fixture f;
  ApiClientOptions o = f.Options(server.Url());
  o.timeout = std::chrono::milliseconds(300);
  ApiClient client(o);
  Result<ApiAnswer> a = client.Call("GET", "/x");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->body["n"], 1);
  ASSERT_EQ(f.log.size(), 1u);
  EXPECT_THAT(f.log[0], HasSubstr("attempt 2/4"));
}

TEST(ApiClientTest, ARefusedConnectionFailsAtOnceNamingTheUrl) {
  // A port bound but never listened on: connects to it are refused, and
  // nobody else can take it while the test runs.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  Fixture f;
  ApiClient client(f.Options("http://127.0.0.1:" + std::to_string(port)));
  Result<ApiAnswer> a = client.Call("GET", "/x");
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(), HasSubstr("127.0.0.1:" + std::to_string(port)));
  EXPECT_TRUE(f.log.empty());
  close(fd);
}

TEST(ApiClientTest, RetryDelaysParse) {
  Result<std::vector<Duration>> d = ParseRetryDelays("0.01,0.5,2");
  ASSERT_TRUE(d.ok());
  EXPECT_THAT(*d, ElementsAre(std::chrono::milliseconds(10), std::chrono::milliseconds(500), std::chrono::seconds(2)));
  for (const char* bad : {"x", "1,,2", "-1", "1s"}) {
    Result<std::vector<Duration>> r = ParseRetryDelays(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.status().message(), HasSubstr("ROLLCALL_RETRY_DELAYS"));
  }
}

}  // namespace
}  // namespace rollcall
