// The server adapter over real loopback sockets, with raw clients that send
// exactly the bytes an attacker would.
#include "httpd/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace rollcall::httpd {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// A blocking client socket with a deadline on every read.
class Raw {
 public:
  explicit Raw(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Raw() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool connected() const { return connected_; }
  bool Send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // Everything until the peer closes or `wait` passes.
  std::string ReadAll(milliseconds wait = milliseconds(3000)) {
    std::string out;
    const auto until = Clock::now() + wait;
    while (ReadSome(out, until) > 0) {
    }
    return out;
  }
  // Until `marker` arrived (or close, or the deadline).
  std::string ReadUntil(std::string_view marker, milliseconds wait = milliseconds(3000)) {
    std::string out;
    const auto until = Clock::now() + wait;
    while (out.find(marker) == std::string::npos && ReadSome(out, until) > 0) {
    }
    return out;
  }
  // True when the server closed the connection before `wait` passed.
  bool ClosedWithin(milliseconds wait) {
    std::string ignored;
    const auto until = Clock::now() + wait;
    for (;;) {
      ssize_t n = ReadSome(ignored, until);
      if (n == 0) return true;
      if (n < 0) return Clock::now() < until;  // reset counts as closed; timeout does not
    }
  }

 private:
  ssize_t ReadSome(std::string& out, Clock::time_point until) {
    auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count();
    if (left <= 0) return -1;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return -1;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) out.append(buf, static_cast<size_t>(n));
    return n;
  }
  int fd_ = -1;
  bool connected_ = false;
};

// Polls `done` until it holds or 5 s pass (counters move just after the
// close a client sees).
template <typename Pred>
bool Eventually(Pred done) {
  const auto until = Clock::now() + std::chrono::seconds(5);
  while (!done() && Clock::now() < until) std::this_thread::yield();
  return done();
}

int StatusOf(const std::string& answer) {
  return answer.size() >= 12 && answer.rfind("HTTP/1.1 ", 0) == 0 ? std::atoi(answer.c_str() + 9) : 0;
}

// A server on a thread with routes for the tests below.
class ServerFixture : public ::testing::Test {
 protected:
  void Start(ServerOptions options = {}) {
    options.port = 0;
    server_ = std::make_unique<HttpServer>(options, [this](const HttpRequest& head) { return RouteFor(head); });
    ASSERT_TRUE(server_->Bind().ok());
    thread_ = std::thread([this] { (void)server_->Run(); });
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  Route RouteFor(const HttpRequest& head) {
    Route r;
    r.body_limit = 1024;
    if (head.path == "/echo") {
      r.handler = [](const HttpRequest& req, Responder out) {
        out.Send(HttpResponse::Text(200, req.method + " " + req.body));
      };
    } else if (head.path == "/secret") {
      if (!HasBearerToken(head, "s3cret")) {
        r.reject = HttpResponse::JsonError(401, "unauthorized");
        return r;
      }
      r.dispatch = Dispatch::kWorker;
      r.handler = [](const HttpRequest& req, Responder out) {
        out.Send(HttpResponse::Text(200, "got " + std::to_string(req.body.size())));
      };
    } else if (head.path == "/later") {
      r.handler = [this](const HttpRequest&, Responder out) {
        std::lock_guard lock(mu_);
        parked_.push_back(out);
      };
    } else if (head.path == "/query") {
      r.handler = [](const HttpRequest& req, Responder out) {
        out.Send(HttpResponse::Text(200, req.Query("state").value_or("-")));
      };
    } else {
      r.reject = HttpResponse::JsonError(404, head.path + ": not found");
    }
    return r;
  }

  std::vector<Responder> Parked() {
    std::lock_guard lock(mu_);
    return parked_;
  }

  uint16_t port() const { return server_->port(); }

  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Responder> parked_;  // guarded by mu_
};

TEST_F(ServerFixture, AnswersAndKeepsTheConnectionAlive) {
  Start();
  Raw c(port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi"));
  std::string first = c.ReadUntil("POST hi");
  EXPECT_EQ(StatusOf(first), 200) << first;
  ASSERT_TRUE(c.Send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_NE(c.ReadUntil("GET ").find("GET "), std::string::npos);
}

TEST_F(ServerFixture, RefusesBadFramingWith400AndCloses) {
  Start();
  for (const char* head : {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                           "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                           "Content-Length: -5\r\n", "Content-Length: abc\r\n",
                           "Content-Length: 99999999999999999999999\r\n",
                           "Transfer-Encoding: gzip\r\n", "Transfer-Encoding: gzip, chunked\r\n"}) {
    Raw c(port());
    ASSERT_TRUE(c.Send(std::string("POST /echo HTTP/1.1\r\nHost: x\r\n") + head + "\r\nhello"));
    std::string answer = c.ReadAll();
    EXPECT_EQ(StatusOf(answer), 400) << head << answer;
    EXPECT_NE(answer.find("\"error\""), std::string::npos) << head;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << head;
  }
  EXPECT_TRUE(Eventually([&] { return server_->stats().bad_requests >= 7; }));
}

TEST_F(ServerFixture, RefusesAnOversizedHeadWith431) {
  Start();
  Raw c(port());
  ASSERT_TRUE(c.Send("GET /echo HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"));
  EXPECT_EQ(StatusOf(c.ReadAll()), 431);
  Raw many(port());
  std::string fields;
  for (int i = 0; i < 150; ++i) fields += "X-" + std::to_string(i) + ": 1\r\n";
  ASSERT_TRUE(many.Send("GET /echo HTTP/1.1\r\n" + fields + "\r\n"));
  EXPECT_EQ(StatusOf(many.ReadAll()), 431);
}

TEST_F(ServerFixture, AuthIsDecidedBeforeTheBodyIsRead) {
  Start();
  Raw c(port());
  // A body far larger than the limit, announced but never sent: the 401
  // arrives from the head alone.
  ASSERT_TRUE(c.Send("POST /secret HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nabc"));
  std::string answer = c.ReadUntil("unauthorized");
  EXPECT_EQ(StatusOf(answer), 401) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos);
}

TEST_F(ServerFixture, BodyLimitHoldsForContentLengthAndChunkedBodies) {
  Start();
  Raw sized(port());
  ASSERT_TRUE(sized.Send("POST /secret HTTP/1.1\r\nAuthorization: Bearer s3cret\r\nContent-Length: 5000\r\n\r\n"));
  EXPECT_EQ(StatusOf(sized.ReadAll()), 413);

  Raw chunked(port());
  ASSERT_TRUE(chunked.Send("POST /secret HTTP/1.1\r\nAuthorization: Bearer s3cret\r\nTransfer-Encoding: chunked\r\n\r\n"));
  std::string chunk = "100\r\n" + std::string(256, 'x') + "\r\n";
  for (int i = 0; i < 5; ++i) (void)chunked.Send(chunk);  // 1280 bytes > 1024
  EXPECT_EQ(StatusOf(chunked.ReadAll()), 413);

  Raw fits(port());
  ASSERT_TRUE(fits.Send("POST /secret HTTP/1.1\r\nAuthorization: Bearer s3cret\r\nTransfer-Encoding: chunked\r\n\r\n" +
                        chunk + "0\r\n\r\n"));
  std::string answer = fits.ReadUntil("got 256");
  EXPECT_EQ(StatusOf(answer), 200) << answer;
}

TEST_F(ServerFixture, ABadPathOrQueryIsA400NamingIt) {
  Start();
  Raw path(port());
  ASSERT_TRUE(path.Send("GET /tenants/%FF HTTP/1.1\r\n\r\n"));
  std::string answer = path.ReadAll();
  EXPECT_EQ(StatusOf(answer), 400);
  EXPECT_NE(answer.find("path:"), std::string::npos) << answer;
  Raw query(port());
  ASSERT_TRUE(query.Send("GET /query?state=%FF HTTP/1.1\r\n\r\n"));
  answer = query.ReadAll();
  EXPECT_EQ(StatusOf(answer), 400);
  EXPECT_NE(answer.find("state:"), std::string::npos) << answer;
  Raw good(port());
  ASSERT_TRUE(good.Send("GET /query?state=run%20ning HTTP/1.1\r\n\r\n"));
  EXPECT_NE(good.ReadUntil("run ning").find("run ning"), std::string::npos);
}

TEST_F(ServerFixture, ASlowHeadIsClosedAtTheDeadlineWhileOthersAreServed) {
  ServerOptions options;
  options.header_timeout = milliseconds(300);
  Start(options);
  Raw slow(port());
  ASSERT_TRUE(slow.Send("GET /echo HTTP/1.1\r\nX-Slow: a"));
  Raw fresh(port());
  ASSERT_TRUE(fresh.Send("GET /echo HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(StatusOf(fresh.ReadUntil("GET ")), 200);
  EXPECT_TRUE(slow.ClosedWithin(milliseconds(5000)));
  EXPECT_TRUE(Eventually([&] { return server_->stats().header_timeouts >= 1; }));
}

TEST_F(ServerFixture, AnIdleKeepAliveConnectionIsClosed) {
  ServerOptions options;
  options.idle_timeout = milliseconds(200);
  Start(options);
  Raw c(port());
  ASSERT_TRUE(c.Send("GET /echo HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(StatusOf(c.ReadUntil("GET ")), 200);
  EXPECT_TRUE(c.ClosedWithin(milliseconds(5000)));
  EXPECT_TRUE(Eventually([&] { return server_->stats().idle_timeouts >= 1; }));
}

TEST_F(ServerFixture, ALateAnswerFromAnotherThreadArrives) {
  Start();
  Raw c(port());
  ASSERT_TRUE(c.Send("GET /later HTTP/1.1\r\n\r\n"));
  const auto until = Clock::now() + std::chrono::seconds(5);
  while (Parked().empty() && Clock::now() < until) std::this_thread::yield();
  ASSERT_EQ(Parked().size(), 1u);
  std::thread other([r = Parked()[0]] { EXPECT_TRUE(r.Send(HttpResponse::Text(200, "late"))); });
  other.join();
  EXPECT_NE(c.ReadUntil("late").find("late"), std::string::npos);
  EXPECT_FALSE(Parked()[0].Send(HttpResponse::Text(200, "twice")));
}

TEST_F(ServerFixture, AClientThatLeavesEndsItsPendingRequest) {
  Start();
  {
    Raw c(port());
    ASSERT_TRUE(c.Send("GET /later HTTP/1.1\r\n\r\n"));
    const auto until = Clock::now() + std::chrono::seconds(5);
    while (Parked().empty() && Clock::now() < until) std::this_thread::yield();
  }  // closed
  ASSERT_EQ(Parked().size(), 1u);
  const auto until = Clock::now() + std::chrono::seconds(5);
  while (Parked()[0].Pending() && Clock::now() < until) std::this_thread::yield();
  EXPECT_FALSE(Parked()[0].Pending());
  EXPECT_FALSE(Parked()[0].Send(HttpResponse::Text(200, "nobody")));
}

// A source yielding the numbers it is told to, then ending at "end".
class TestSource : public StreamSource {
 public:
  void Attach(std::function<void()> wake) override {
    std::lock_guard lock(mu_);
    wake_ = std::move(wake);
  }
  bool Pull(std::string& out) override {
    std::lock_guard lock(mu_);
    out += pending_;
    pending_.clear();
    return !ended_;
  }
  void Detach() override { detached_ = true; }
  void Push(const std::string& text, bool end) {
    std::function<void()> wake;
    {
      std::lock_guard lock(mu_);
      pending_ += text;
      ended_ = end;
      wake = wake_;
    }
    if (wake) wake();
  }
  bool attached() {
    std::lock_guard lock(mu_);
    return wake_ != nullptr;
  }
  std::atomic<bool> detached_{false};

 private:
  std::mutex mu_;
  std::function<void()> wake_;
  std::string pending_;
  bool ended_ = false;
};

TEST_F(ServerFixture, AStreamIsFedByWakesAndEndsWithTheLastChunk) {
  Start();
  Raw c(port());
  ASSERT_TRUE(c.Send("GET /later HTTP/1.1\r\n\r\n"));
  auto until = Clock::now() + std::chrono::seconds(5);
  while (Parked().empty() && Clock::now() < until) std::this_thread::yield();
  ASSERT_EQ(Parked().size(), 1u);
  auto source = std::make_shared<TestSource>();
  StreamOptions options;
  options.heartbeat = ": beat\n\n";
  options.heartbeat_interval = milliseconds(100);
  ASSERT_TRUE(Parked()[0].Stream(HttpResponse::Text(200, ""), source, options));
  until = Clock::now() + std::chrono::seconds(5);
  while (!source->attached() && Clock::now() < until) std::this_thread::yield();
  std::string head = c.ReadUntil(": beat");
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head;
  std::thread feeder([&] {
    source->Push("one\n", false);
    source->Push("two\n", true);
  });
  feeder.join();
  std::string rest = c.ReadAll();
  EXPECT_NE(rest.find("two"), std::string::npos) << rest;
  EXPECT_NE(rest.find("\r\n0\r\n\r\n"), std::string::npos) << rest;  // the last chunk
  EXPECT_TRUE(source->detached_);
}

TEST_F(ServerFixture, ConnectionsPastTheCapGet503) {
  ServerOptions options;
  options.max_connections = 3;
  Start(options);
  std::vector<std::unique_ptr<Raw>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<Raw>(port()));
    ASSERT_TRUE(held.back()->Send("GET /later HTTP/1.1\r\n\r\n"));
  }
  auto until = Clock::now() + std::chrono::seconds(5);
  while (Parked().size() < 3 && Clock::now() < until) std::this_thread::yield();
  Raw extra(port());
  EXPECT_EQ(StatusOf(extra.ReadAll()), 503);
  EXPECT_TRUE(Eventually([&] { return server_->stats().refused_at_cap >= 1; }));
}

TEST(HttpServerBind, ASecondServerOnTheSamePortFails) {
  HttpServer first(ServerOptions{}, [](const HttpRequest&) { return Route{}; });
  ASSERT_TRUE(first.Bind().ok());
  ServerOptions same;
  same.port = first.port();
  HttpServer second(same, [](const HttpRequest&) { return Route{}; });
  Status s = second.Bind();
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find(std::to_string(first.port())), std::string::npos) << s.message();
}

TEST(HttpTarget, DecodesPathAndQuery) {
  HttpRequest r;
  ASSERT_TRUE(DecodeTarget("/v1/tenants/a%2Fb?state=run%20ning&x=1+2&flag", r).ok());
  EXPECT_EQ(r.path, "/v1/tenants/a/b");
  EXPECT_EQ(r.Query("state"), "run ning");
  EXPECT_EQ(r.Query("x"), "1 2");
  EXPECT_EQ(r.Query("flag"), "");
  EXPECT_FALSE(r.Query("missing"));
  EXPECT_FALSE(DecodeTarget("/a%0", r).ok());
  EXPECT_FALSE(DecodeTarget("/a%00b", r).ok());
  EXPECT_FALSE(DecodeTarget("http://x/", r).ok());
  Status bad = DecodeTarget("/x?state=%C3%28", r);
  EXPECT_NE(bad.message().find("state:"), std::string::npos) << bad.message();
}

}  // namespace
}  // namespace rollcall::httpd
